/** §27.6: the VM-exit MSR-load list, and VMX abort 4 when an entry cannot be loaded. */
import { describe, expect, it } from 'vitest';
import { MSR, type VtxState } from '../../../spec/vtx/state.js';
import { vmExit } from './index.js';
import { abortIndicator, CAPS, exitControlsWith, exitInfo, guest, msrList, withCpu, withMemory, withVmcs } from './test-support.js';

const AREA = 0x3_4000n;
const CPUID = exitInfo(10, { instructionLength: 2 });
const loading = (entries: readonly (readonly [bigint, bigint])[], s: VtxState = guest()): VtxState =>
  withMemory(withVmcs(s, { VM_EXIT_MSR_LOAD_COUNT: BigInt(entries.length), VM_EXIT_MSR_LOAD_ADDR: AREA }), msrList(AREA, entries));
const run = (entries: readonly (readonly [bigint, bigint])[], s?: VtxState) => vmExit(CAPS, loading(entries, s), CPUID, []);
const ABORT4 = { kind: 'vmx-abort', indicator: 4 } as const;

describe('§27.6 loading MSRs', () => {
  it('VMEXIT.MSR_LOAD: entries are written in order after host state and override it (IA32_PAT, IA32_SYSENTER_CS)', () => {
    const s = withVmcs(guest(), { VM_EXIT_CONTROLS: exitControlsWith(guest(), 1 << 19), HOST_IA32_PAT: 0x0606_0606_0606_0606n, HOST_IA32_SYSENTER_CS: 0x10n });
    const r = run([[BigInt(MSR.IA32_PAT), 0x0007_0406_0007_0406n], [BigInt(MSR.IA32_SYSENTER_CS), 0x20n], [BigInt(MSR.IA32_SYSENTER_CS), 0x30n]], s);
    expect(r.observation.kind).toBe('vm-exit');
    expect(r.state.cpu.msrs.get(MSR.IA32_PAT)).toBe(0x0007_0406_0007_0406n);
    expect(r.state.cpu.msrs.get(MSR.IA32_SYSENTER_CS)).toBe(0x30n);
    expect(r.decisions.map((d) => d.rule)).toContain('VMEXIT.MSR_LOAD');
  });
  it('VMEXIT.MSR_LOAD: IA32_EFER is written as WRMSR writes it (LMA stays), the TSC is the TSC', () => {
    const r = run([[BigInt(MSR.IA32_EFER), 0x901n], [0x10n, 0x1_0000n]]);
    expect(r.state.cpu.efer).toBe(0xd01n);
    expect(r.state.cpu.tsc).toBe(0x1_0000n);
  });
  it('VMEXIT.MSR_LOAD: an MSR outside the architectural table is loaded; a processor without it may abort instead', () => {
    const r = run([[0x1_2345n, 5n]]);
    expect(r.state.cpu.msrs.get(0x1_2345)).toBe(5n);
    expect(r.alternatives?.map((a) => a.observation)).toEqual([ABORT4]);
  });

  it('VMEXIT.MSR_LOAD.FSGSBASE: IA32_FS_BASE aborts with indicator 4', () => {
    const r = run([[BigInt(MSR.IA32_FS_BASE), 0n]]);
    expect(r.observation).toEqual(ABORT4);
    expect(abortIndicator(r.state)).toBe(4n);
    expect(r.state.cpu.activity).toBe('shutdown');
    expect(r.decisions.map((d) => d.rule)).toContain('VMEXIT.MSR_LOAD.FSGSBASE');
  });
  it('VMEXIT.MSR_LOAD.FSGSBASE: IA32_KERNEL_GS_BASE (C0000102H) is loaded', () => {
    expect(run([[0xc000_0102n, 0x7000n]]).state.cpu.msrs.get(0xc000_0102)).toBe(0x7000n);
  });

  it('VMEXIT.MSR_LOAD.X2APIC: an x2APIC MSR (80BH, EOI) aborts', () => {
    expect(run([[0x80bn, 0n]]).observation).toEqual(ABORT4);
  });
  it('VMEXIT.MSR_LOAD.X2APIC: IA32_APIC_BASE (1BH) is loaded', () => {
    expect(run([[0x1bn, 0xfee0_0900n]]).observation.kind).toBe('vm-exit');
  });

  it('VMEXIT.MSR_LOAD.SMMONLY: IA32_SMM_MONITOR_CTL (9BH) aborts outside SMM', () => {
    expect(run([[0x9bn, 0n]]).observation).toEqual(ABORT4);
  });
  it('VMEXIT.MSR_LOAD.SMMONLY: in SMM it is loaded', () => {
    expect(run([[0x9bn, 0n]], withCpu(guest(), { inSmm: true })).observation.kind).toBe('vm-exit');
  });

  it('VMEXIT.MSR_LOAD.MODEL: an MSR the profile refuses (IA32_BIOS_UPDT_TRIG, 79H) aborts', () => {
    expect(run([[0x79n, 0n]]).observation).toEqual(ABORT4);
  });
  it('VMEXIT.MSR_LOAD.MODEL: IA32_TSC_AUX (C0000103H) is loaded', () => {
    expect(run([[0xc000_0103n, 7n]]).state.cpu.msrs.get(0xc000_0103)).toBe(7n);
  });

  it('VMEXIT.MSR_LOAD.RSVD: bits 63:32 of the entry not 0 abort', () => {
    expect(run([[(1n << 40n) | 0xc000_0103n, 7n]]).observation).toEqual(ABORT4);
  });
  it('VMEXIT.MSR_LOAD.RSVD: bits 95:64 (the data\'s low half) are the value, not reserved', () => {
    expect(run([[0xc000_0103n, 0xffff_ffffn]]).observation.kind).toBe('vm-exit');
  });

  it('VMEXIT.MSR_LOAD.WRMSR: clearing IA32_EFER.LME while the host has CR0.PG = 1 aborts; entries before it were loaded', () => {
    const r = run([[0xc000_0103n, 7n], [BigInt(MSR.IA32_EFER), 0x1n]]);
    expect(r.observation).toEqual(ABORT4);
    expect(r.state.cpu.msrs.get(0xc000_0103)).toBe(7n);
    expect(r.decisions.map((d) => d.rule)).toContain('VMEXIT.MSR_LOAD.WRMSR');
  });
  it('VMEXIT.MSR_LOAD.WRMSR: a reserved PAT memory type (2) aborts; a valid one does not', () => {
    expect(run([[BigInt(MSR.IA32_PAT), 0x2n]]).observation).toEqual(ABORT4);
    expect(run([[BigInt(MSR.IA32_PAT), 0x6n]]).observation.kind).toBe('vm-exit');
  });
});
