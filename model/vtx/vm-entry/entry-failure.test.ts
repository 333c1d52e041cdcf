/** §26.7: a VM entry that fails in guest-state checking or MSR loading ends like a VM exit, partly. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { MSR, readField, readMemory64, writeFields, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { decodeCapabilities } from '../capabilities.js';
import { vmEntry } from './index.js';

const PROFILE = BUILTIN_PROFILES['bochs-skylake-x'];
const CAPS = decodeCapabilities(PROFILE);
const root = (): VtxState => baselineState(PROFILE, 'ia32e');
const edit = (s: VtxState, values: Partial<Record<FieldName, bigint>>): VtxState => {
  const at = s.currentVmcs!;
  const region = s.vmcs.get(at)!;
  return { ...s, vmcs: new Map(s.vmcs).set(at, { ...region, fields: writeFields(region.fields, values) }) };
};
const words = (s: VtxState, entries: readonly [bigint, bigint][]): VtxState => ({ ...s, memory: new Map([...s.memory, ...entries]) });
const f = (s: VtxState, name: FieldName): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, name);

/** TR unusable: GUEST.SEG.TR.USABLE fails, exit reason 33. */
const badGuest = (s: VtxState = root()) => edit(s, { GUEST_TR_AR_BYTES: 0x1_008bn });
/** VM-entry MSR-load list: IA32_PAT (loads), then IA32_FS_BASE (refused, MSRLOAD.FSGSBASE): exit reason 34, qualification 2. */
const ENTRY_LIST = 0x3_8000n;
const badMsrList = (s: VtxState = root()) => words(edit(s, { VM_ENTRY_MSR_LOAD_COUNT: 2n, VM_ENTRY_MSR_LOAD_ADDR: ENTRY_LIST }), [
  [ENTRY_LIST, BigInt(MSR.IA32_PAT)], [ENTRY_LIST + 8n, 0x0006_0606_0606_0606n], [ENTRY_LIST + 16n, BigInt(MSR.IA32_FS_BASE)], [ENTRY_LIST + 24n, 0n],
]);
const launch = (s: VtxState) => vmEntry(CAPS, s, 'VMLAUNCH');

describe('§26.7 VM-entry failures during or after loading guest state', () => {
  const sentinel = (s: VtxState) => edit(s, { VM_EXIT_INTR_INFO: 0x8000_0b0en, IDT_VECTORING_INFO_FIELD: 0x8000_0300n, VM_EXIT_INSTRUCTION_LEN: 5n, VM_ENTRY_INTR_INFO_FIELD: 0x8000_0306n, VM_EXIT_MSR_STORE_COUNT: 1n, VM_EXIT_MSR_STORE_ADDR: 0x3_9000n });
  it('ENTRYFAIL.INFO: reason 80000021H and the qualification; other exit information, the entry event and the guest area unchanged; nothing stored', () => {
    const o = launch(sentinel(badGuest()));
    expect(o.canonical).toEqual({ kind: 'vm-exit', reason: 0x8000_0021, qualification: 0n });
    const s = o.state;
    expect(f(s, 'VM_EXIT_REASON')).toBe(0x8000_0021n);
    expect([f(s, 'VM_EXIT_INTR_INFO'), f(s, 'IDT_VECTORING_INFO_FIELD'), f(s, 'VM_EXIT_INSTRUCTION_LEN'), f(s, 'VM_ENTRY_INTR_INFO_FIELD')])
      .toEqual([0x8000_0b0en, 0x8000_0300n, 5n, 0x8000_0306n]);
    expect(f(s, 'GUEST_RIP')).toBe(0x1000n);
    expect(f(s, 'GUEST_TR_AR_BYTES')).toBe(0x1_008bn);
    expect(readMemory64(s.memory, 0x3_9008n)).toBe(0n);
    expect(s.vmcs.get(s.currentVmcs!)!.launchState).toBe('clear');
  });
  it('ENTRYFAIL.INFO: an MSR-loading failure reports reason 80000022H with the 1-based entry as qualification', () => {
    expect(launch(badMsrList()).canonical).toEqual({ kind: 'vm-exit', reason: 0x8000_0022, qualification: 2n });
  });

  it('ENTRYFAIL.HOST_LOAD: the processor continues in the host: host RIP/RSP, RFLAGS 2, DR7 400H, host segments, GDTR/IDTR limits FFFFH', () => {
    const s = edit(root(), { HOST_RIP: 0xffff_ffff_8100_0040n, HOST_RSP: 0xffff_8000_0000_7000n });
    const before = { ...s, cpu: { ...s.cpu, rflags: 0x246n, dr7: 0x4a5n, blockingBySti: true } };
    const cpu = launch(badGuest(before)).state.cpu;
    expect([cpu.rip, cpu.rsp, cpu.rflags, cpu.dr7]).toEqual([0xffff_ffff_8100_0040n, 0xffff_8000_0000_7000n, 2n, 0x400n]);
    expect(cpu.segments.cs.accessRights).toBe(0xa09b);
    expect(cpu.segments.ldtr.selector).toBe(0);
    expect([cpu.gdtr.limit, cpu.idtr.limit]).toEqual([0xffff, 0xffff]);
    expect([cpu.activity, cpu.blockingBySti, cpu.cpl]).toEqual(['active', false, 0]);
  });
  it('ENTRYFAIL.HOST_LOAD: a successful entry does not load host state', () => {
    expect(launch(root()).state.cpu.rip).toBe(0x1000n);
  });
  it('ENTRYFAIL.HOST_LOAD: after an MSR-loading failure, guest MSR values the exit does not reload survive (IA32_PAT without "load IA32_PAT")', () => {
    const cpu = launch(badMsrList()).state.cpu;
    expect(cpu.msrs.get(MSR.IA32_PAT)).toBe(0x0006_0606_0606_0606n);
    expect(cpu.segments.cs.selector).toBe(0x08);
  });

  it('ENTRYFAIL.NMI_BLOCKING: NMI blocking is what it was before the entry, even when the guest field asked for it', () => {
    const withNmi = (s: VtxState, b: boolean) => ({ ...s, cpu: { ...s.cpu, blockingByNmi: b } });
    expect(launch(withNmi(badGuest(), true)).state.cpu.blockingByNmi).toBe(true);
    expect(launch(withNmi(badMsrList(edit(root(), { GUEST_INTERRUPTIBILITY_INFO: 0x8n })), false)).state.cpu.blockingByNmi).toBe(false);
  });

  const EXIT_LIST = 0x3_a000n;
  const exitList = (s: VtxState, index: bigint, data: bigint) =>
    words(edit(s, { VM_EXIT_MSR_LOAD_COUNT: 1n, VM_EXIT_MSR_LOAD_ADDR: EXIT_LIST }), [[EXIT_LIST, index], [EXIT_LIST + 8n, data]]);
  it('ENTRYFAIL.MSR_LOAD: the VM-exit MSR-load list is processed after the host state', () => {
    const o = launch(exitList(badGuest(), 0xc000_0102n, 0x7000n));
    expect(o.state.cpu.msrs.get(0xc000_0102)).toBe(0x7000n);
    expect(o.state.cpu.activity).toBe('active');
  });
  it('ENTRYFAIL.MSR_LOAD: a failing entry there is VMX abort 4; the instruction still reports the VM-entry failure', () => {
    const o = launch(exitList(badGuest(), BigInt(MSR.IA32_FS_BASE), 0n));
    expect(o.canonical).toEqual({ kind: 'vm-exit', reason: 0x8000_0021, qualification: 0n });
    expect(o.state.cpu.activity).toBe('shutdown');
    expect(readMemory64(o.state.memory, o.state.currentVmcs!) >> 32n).toBe(4n);
  });
});
