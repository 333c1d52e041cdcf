/**
 * §26.3.2.2 and §26.6.1–26.6.3: what a successful VM entry loads beyond the state it reports — the
 * full segment registers, GDTR/IDTR, interruptibility, activity and pending debug exceptions.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { MSR, readField, writeFields, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { decodeCapabilities } from '../capabilities.js';
import { makeEntryEnv } from './env.js';
import { vmEntry } from './index.js';
import { guestRegisters, loadGuestState } from './load-guest-state.js';

const PROFILE = BUILTIN_PROFILES['bochs-skylake-x'];
const CAPS = decodeCapabilities(PROFILE);
const root = (): VtxState => baselineState(PROFILE, 'ia32e');
const edit = (s: VtxState, values: Partial<Record<FieldName, bigint>>): VtxState => {
  const at = s.currentVmcs!;
  const region = s.vmcs.get(at)!;
  return { ...s, vmcs: new Map(s.vmcs).set(at, { ...region, fields: writeFields(region.fields, values) }) };
};
/** The registers after VMLAUNCH of `s` (which must enter). */
const entered = (s: VtxState) => {
  const o = vmEntry(CAPS, s, 'VMLAUNCH');
  expect(o.failedRules).toEqual([]);
  return o.state;
};
/** guestRegisters straight from the fields, bypassing event injection (for vectoring entries). */
const registers = (s: VtxState) => {
  const e = makeEntryEnv(CAPS, s, 'VMLAUNCH', s.vmcs.get(s.currentVmcs!)!.fields);
  return guestRegisters(e, loadGuestState(e, s.cpu), s.cpu, new Map());
};
const UD = (1n << 31n) | (3n << 8n) | 6n;
const SOFTWARE_INT = (1n << 31n) | (4n << 8n) | 0x80n;

describe('§26.3.2.2 segment and descriptor-table registers', () => {
  it('ENTRY.LOAD.SEGMENTS: every register from its selector, base, limit and access-rights fields; FS/GS bases also as MSRs', () => {
    const s = edit(root(), { GUEST_FS_SELECTOR: 0x28n, GUEST_FS_BASE: 0x7fff_0000_1000n, GUEST_GS_BASE: 0xffff_8000_0000_2000n });
    const cpu = entered(s).cpu;
    expect(cpu.segments.cs).toEqual({ selector: 0x08, base: 0n, limit: 0xffff_ffff, accessRights: 0xa09b });
    expect(cpu.segments.fs).toEqual({ selector: 0x28, base: 0x7fff_0000_1000n, limit: 0xffff_ffff, accessRights: 0xc093 });
    expect(cpu.segments.tr).toEqual({ selector: 0x18, base: 0n, limit: 0x67, accessRights: 0x8b });
    expect(cpu.segments.ldtr.accessRights).toBe(0x1_0000);
    expect([cpu.msrs.get(MSR.IA32_FS_BASE), cpu.msrs.get(MSR.IA32_GS_BASE)]).toEqual([0x7fff_0000_1000n, 0xffff_8000_0000_2000n]);
  });
  it('ENTRY.LOAD.SEGMENTS: an unusable SS keeps its DPL with base bits 63:32 cleared; the root registers are not kept', () => {
    const s = edit(root(), { GUEST_SS_AR_BYTES: 0x1_0093n, GUEST_SS_BASE: 0x1234_0000_5000n });
    const ss = entered(s).cpu.segments.ss;
    expect(ss.base).toBe(0x5000n);
    expect((ss.accessRights >>> 16) & 1).toBe(1);
    expect((ss.accessRights >>> 5) & 3).toBe(0);
  });

  it('ENTRY.LOAD.DESCRIPTOR_TABLES: GDTR and IDTR from their fields', () => {
    const cpu = entered(edit(root(), { GUEST_GDTR_BASE: 0x7000n, GUEST_GDTR_LIMIT: 0x57n, GUEST_IDTR_BASE: 0xffff_8000_0000_9000n, GUEST_IDTR_LIMIT: 0xfffn })).cpu;
    expect(cpu.gdtr).toEqual({ base: 0x7000n, limit: 0x57 });
    expect(cpu.idtr).toEqual({ base: 0xffff_8000_0000_9000n, limit: 0xfff });
  });
});

describe('§26.3.2.4 PDPTE registers', () => {
  const TABLE = 0x9000n;
  const ENTRIES = [0xa001n, 0n, 0xc001n, 0xd001n];
  /** A protected-mode guest with PAE paging, its table at TABLE in memory. */
  const pae = (): VtxState => {
    const s = root();
    const memory = new Map(s.memory);
    ENTRIES.forEach((e, i) => memory.set(TABLE + BigInt(8 * i), e));
    return edit({ ...baselineState(PROFILE, 'protected'), memory }, { GUEST_CR4: readField(s.vmcs.get(s.currentVmcs!)!.fields, 'GUEST_CR4') | 0x20n, GUEST_CR3: TABLE });
  };
  const field = (s: VtxState, f: FieldName) => readField(s.vmcs.get(s.currentVmcs!)!.fields, f);

  it('ENTRY.LOAD.PDPTE: without EPT an entry to a PAE guest loads the four PDPTEs of the table at guest CR3', () => {
    expect(entered(pae()).cpu.pdpte).toEqual(ENTRIES);
  });
  it('ENTRY.LOAD.PDPTE: with EPT it loads the GUEST_PDPTR0-3 fields instead', () => {
    const s = pae();
    const ept = edit(s, {
      CPU_BASED_VM_EXEC_CONTROL: field(s, 'CPU_BASED_VM_EXEC_CONTROL') | (1n << 31n), SECONDARY_VM_EXEC_CONTROL: 2n,
      GUEST_PDPTR0: 0x11001n, GUEST_PDPTR1: 0n, GUEST_PDPTR2: 0n, GUEST_PDPTR3: 0x44001n,
    });
    expect(registers(ept).pdpte).toEqual([0x11001n, 0n, 0n, 0x44001n]);
  });
  it('ENTRY.LOAD.PDPTE: an entry to a guest not using PAE paging leaves the registers as they were', () => {
    const s = root();
    const before = [0x1001n, 0n, 0n, 0n];
    expect(entered({ ...s, cpu: { ...s.cpu, pdpte: before } }).cpu.pdpte).toEqual(before);
  });
});

describe('§26.6 guest non-register state', () => {
  it('ENTRY.LOAD.INTERRUPTIBILITY: a non-vectoring entry takes STI and NMI blocking from the field', () => {
    const cpu = entered(edit(root(), { GUEST_INTERRUPTIBILITY_INFO: 0x9n, GUEST_RFLAGS: 0x202n })).cpu;
    expect([cpu.blockingBySti, cpu.blockingByMovSs, cpu.blockingByNmi, cpu.blockingBySmi]).toEqual([true, false, true, false]);
    expect(entered(edit(root(), { GUEST_INTERRUPTIBILITY_INFO: 0x2n })).cpu.blockingByMovSs).toBe(true);
  });
  it('ENTRY.LOAD.INTERRUPTIBILITY: a vectoring entry has no STI or MOV-SS blocking; NMI blocking still follows bit 3', () => {
    const cpu = registers(edit(root(), { GUEST_INTERRUPTIBILITY_INFO: 0x9n, GUEST_RFLAGS: 0x202n, VM_ENTRY_INTR_INFO_FIELD: UD }));
    expect([cpu.blockingBySti, cpu.blockingByMovSs, cpu.blockingByNmi]).toEqual([false, false, true]);
  });
  it('ENTRY.LOAD.INTERRUPTIBILITY: a pending MTF (type 7) is not vectoring: the blocking bits apply', () => {
    const caps = decodeCapabilities(BUILTIN_PROFILES['vtx-max']);
    const s = edit(baselineState(BUILTIN_PROFILES['vtx-max'], 'ia32e'), { GUEST_INTERRUPTIBILITY_INFO: 0x1n, GUEST_RFLAGS: 0x202n, VM_ENTRY_INTR_INFO_FIELD: (1n << 31n) | (7n << 8n) });
    const e = makeEntryEnv(caps, s, 'VMLAUNCH', s.vmcs.get(s.currentVmcs!)!.fields);
    expect(guestRegisters(e, loadGuestState(e, s.cpu), s.cpu, new Map()).blockingBySti).toBe(true);
  });

  it('ENTRY.LOAD.ACTIVITY: a non-vectoring entry enters the HLT state of the field', () => {
    expect(entered(edit(root(), { GUEST_ACTIVITY_STATE: 1n })).cpu.activity).toBe('hlt');
    expect(entered(root()).cpu.activity).toBe('active');
  });
  it('ENTRY.LOAD.ACTIVITY: a vectoring entry leaves the processor active whatever the field says', () => {
    // #DB may be injected into HLT (GUEST.ACT.INJ.HLT).
    const db = (1n << 31n) | (3n << 8n) | 1n;
    expect(registers(edit(root(), { GUEST_ACTIVITY_STATE: 1n, VM_ENTRY_INTR_INFO_FIELD: db })).activity).toBe('active');
  });

  it('ENTRY.LOAD.PENDING_DEBUG: a non-vectoring entry to the active state takes the field', () => {
    expect(entered(edit(root(), { GUEST_PENDING_DBG_EXCEPTIONS: 0x1003n })).cpu.pendingDebug).toBe(0x1003n);
  });
  it('ENTRY.LOAD.PENDING_DEBUG: none after injecting a hardware exception, or a software interrupt without MOV-SS blocking', () => {
    expect(registers(edit(root(), { GUEST_PENDING_DBG_EXCEPTIONS: 0x1003n, VM_ENTRY_INTR_INFO_FIELD: UD })).pendingDebug).toBe(0n);
    expect(registers(edit(root(), { GUEST_PENDING_DBG_EXCEPTIONS: 0x1003n, VM_ENTRY_INTR_INFO_FIELD: SOFTWARE_INT, VM_ENTRY_INSTRUCTION_LEN: 2n })).pendingDebug).toBe(0n);
  });
  it('ENTRY.LOAD.PENDING_DEBUG: a software interrupt injected under MOV-SS blocking keeps them', () => {
    const s = edit(root(), { GUEST_PENDING_DBG_EXCEPTIONS: 0x1003n, GUEST_INTERRUPTIBILITY_INFO: 0x2n, VM_ENTRY_INTR_INFO_FIELD: SOFTWARE_INT, VM_ENTRY_INSTRUCTION_LEN: 2n });
    expect(registers(s).pendingDebug).toBe(0x1003n);
  });
  it('ENTRY.LOAD.PENDING_DEBUG: none after a non-vectoring entry to shutdown', () => {
    expect(entered(edit(root(), { GUEST_ACTIVITY_STATE: 2n, GUEST_PENDING_DBG_EXCEPTIONS: 0x1003n })).cpu.pendingDebug).toBe(0n);
  });

  it('ENTRY.LOAD.NONROOT: a successful VMLAUNCH ends in VMX non-root operation with the guest RIP (no event to inject)', () => {
    const o = vmEntry(CAPS, root(), 'VMLAUNCH');
    expect(o.canonical.kind).toBe('vm-entry');
    expect(o.state.vmx).toBe('non-root');
    expect(o.state.cpu.rip).toBe(0x1000n);
  });
  it('ENTRY.LOAD.NONROOT: when delivering the injected event exits, VMLAUNCH succeeds and the guest\'s first VM exit ends in the host', () => {
    // The root baseline's guest IDT (base 0) holds no present gate: delivering #UD faults, and every
    // exception-bitmap bit is set, so the nested fault exits with the #UD as IDT-vectoring information.
    const o = vmEntry(CAPS, edit(root(), { VM_ENTRY_INTR_INFO_FIELD: UD, EXCEPTION_BITMAP: 0xffff_ffffn }), 'VMLAUNCH');
    expect(o.failedRules).toEqual([]);
    expect(o.canonical).toMatchObject({ kind: 'vm-entry' });
    expect(o.state.vmx).toBe('root');
    expect(readField(o.state.vmcs.get(o.state.currentVmcs!)!.fields, 'VM_EXIT_REASON')).toBe(0n);
    expect(readField(o.state.vmcs.get(o.state.currentVmcs!)!.fields, 'IDT_VECTORING_INFO_FIELD')).toBe(UD);
  });
  it('ENTRY.LOAD.NONROOT: a failing VMLAUNCH stays in VMX root operation', () => {
    expect(vmEntry(CAPS, edit(root(), { GUEST_TR_AR_BYTES: 0x1_008bn }), 'VMLAUNCH').state.vmx).toBe('root');
  });
});
