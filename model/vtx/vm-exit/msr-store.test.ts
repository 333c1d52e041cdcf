/** §27.4: the VM-exit MSR-store list, and VMX abort 1 when an entry cannot be stored. */
import { describe, expect, it } from 'vitest';
import { MSR, readMemory64, type VtxState } from '../../../spec/vtx/state.js';
import { vmExit } from './index.js';
import { abortIndicator, CAPS, exitInfo, guest, msrList, withCpu, withMemory, withVmcs } from './test-support.js';

const AREA = 0x3_0000n;
const storing = (entries: readonly (readonly [bigint, bigint])[], s: VtxState = guest()): VtxState =>
  withMemory(withVmcs(s, { VM_EXIT_MSR_STORE_COUNT: BigInt(entries.length), VM_EXIT_MSR_STORE_ADDR: AREA }), msrList(AREA, entries));
const stored = (s: VtxState, i: number): bigint => readMemory64(s.memory, AREA + 16n * BigInt(i) + 8n);
const CPUID = exitInfo(10, { instructionLength: 2 });

describe('§27.4 saving MSRs', () => {
  it('VMEXIT.MSR_STORE: each entry receives the guest\'s value as RDMSR reads it, in order', () => {
    const g = withCpu(guest(), { efer: 0xd01n, msrs: new Map([...guest().cpu.msrs, [MSR.IA32_SYSENTER_EIP, 0xffff_8000_1234_0000n], [0xc000_0081, 0x23_0010_0000_0000n]]) });
    const r = vmExit(CAPS, storing([[BigInt(MSR.IA32_EFER), 0n], [BigInt(MSR.IA32_SYSENTER_EIP), 0n], [0xc000_0081n, 0n], [BigInt(MSR.IA32_PAT), 0n]], g), CPUID, []);
    expect(r.observation.kind).toBe('vm-exit');
    expect([0, 1, 2, 3].map((i) => stored(r.state, i))).toEqual([0xd01n, 0xffff_8000_1234_0000n, 0x23_0010_0000_0000n, 0n]);
    // The store precedes host loading: the host's SYSENTER_EIP (from its field) is not what was stored.
    expect(r.state.cpu.msrs.get(MSR.IA32_SYSENTER_EIP)).toBe(0n);
  });

  it('VMEXIT.MSR_STORE: FS.base is the guest FS base register', () => {
    const g = withCpu(guest(), { segments: { ...guest().cpu.segments, fs: { ...guest().cpu.segments.fs, base: 0x7fff_0000_2000n } } });
    expect(stored(vmExit(CAPS, storing([[BigInt(MSR.IA32_FS_BASE), 0n]], g), CPUID, []).state, 0)).toBe(0x7fff_0000_2000n);
  });

  it('VMEXIT.MSR_STORE: a count of 0 writes nothing', () => {
    const s = withMemory(guest(), msrList(AREA, [[BigInt(MSR.IA32_EFER), 0x5555n]]));
    expect(stored(vmExit(CAPS, s, CPUID, []).state, 0)).toBe(0x5555n);
  });

  const aborts = (entries: readonly (readonly [bigint, bigint])[], g?: VtxState) => {
    const r = vmExit(CAPS, storing(entries, g), CPUID, []);
    return { r, indicator: abortIndicator(r.state) };
  };

  it('VMEXIT.MSR_STORE.X2APIC: an x2APIC MSR (808H) aborts with indicator 1; entries before it are stored', () => {
    const { r, indicator } = aborts([[BigInt(MSR.IA32_SYSENTER_CS), 0n], [0x808n, 0n]]);
    expect(r.observation).toEqual({ kind: 'vmx-abort', indicator: 1 });
    expect(indicator).toBe(1n);
    expect(r.decisions.map((d) => d.rule)).toContain('VMEXIT.MSR_STORE.X2APIC');
    expect(stored(r.state, 0)).toBe(0n);
    expect(r.state.cpu.activity).toBe('shutdown');
  });
  it('VMEXIT.MSR_STORE.X2APIC: 7FFH and 900H, just outside the range, are stored', () => {
    const g = withCpu(guest(), { msrs: new Map([...guest().cpu.msrs, [0x7ff, 1n], [0x900, 2n]]) });
    expect(aborts([[0x7ffn, 0n], [0x900n, 0n]], g).r.observation.kind).toBe('vm-exit');
  });

  it('VMEXIT.MSR_STORE.SMMONLY: IA32_SMBASE (9EH) aborts outside SMM', () => {
    expect(aborts([[0x9en, 0n]]).r.observation).toEqual({ kind: 'vmx-abort', indicator: 1 });
  });
  it('VMEXIT.MSR_STORE.SMMONLY: in SMM IA32_SMBASE is stored', () => {
    const g = withCpu(guest(), { inSmm: true, msrs: new Map([...guest().cpu.msrs, [0x9e, 0x3_0000n]]) });
    expect(aborts([[0x9en, 0n]], g).r.observation.kind).toBe('vm-exit');
  });

  it('VMEXIT.MSR_STORE.MODEL: an MSR the profile refuses (IA32_BIOS_SIGN_ID, 8BH) aborts', () => {
    expect(aborts([[0x8bn, 0n]]).r.observation).toEqual({ kind: 'vmx-abort', indicator: 1 });
  });
  it('VMEXIT.MSR_STORE.MODEL: an MSR the profile accepts (IA32_PAT) is stored', () => {
    expect(aborts([[BigInt(MSR.IA32_PAT), 0n]]).r.observation.kind).toBe('vm-exit');
  });

  it('VMEXIT.MSR_STORE.RSVD: bits 63:32 of the entry not 0 abort', () => {
    expect(aborts([[(1n << 32n) | BigInt(MSR.IA32_PAT), 0n]]).r.observation).toEqual({ kind: 'vmx-abort', indicator: 1 });
  });
  it('VMEXIT.MSR_STORE.RSVD: bits 127:64 (the data) may hold anything before the store', () => {
    expect(aborts([[BigInt(MSR.IA32_PAT), 0xffff_ffff_ffff_ffffn]]).r.observation.kind).toBe('vm-exit');
  });

  it('VMEXIT.MSR_STORE.RDMSR: an MSR RDMSR does not know (12345H) aborts', () => {
    expect(aborts([[0x1_2345n, 0n]]).r.observation).toEqual({ kind: 'vmx-abort', indicator: 1 });
  });
  it('VMEXIT.MSR_STORE.RDMSR: the same index is stored once the processor has it', () => {
    const g = withCpu(guest(), { msrs: new Map([...guest().cpu.msrs, [0x1_2345, 7n]]) });
    const r = aborts([[0x1_2345n, 0n]], g).r;
    expect(stored(r.state, 0)).toBe(7n);
  });
});
