/** VM entry on the reference CPU: one failure of each kind, and the guest state a successful entry loads. */
import { describe, expect, it } from 'vitest';
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { entryFailureReason, type Observation } from '../../../spec/vtx/observation.js';
import { writeFields, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { cpuFor, fieldOf, MAX, rootState, SKYLAKE, VMCS_REGION, withCpu, withMemory } from './test-support.js';

const withFields = (s: VtxState, fields: Partial<Record<FieldName, bigint>>): VtxState => {
  const region = s.vmcs.get(VMCS_REGION)!;
  return { ...s, vmcs: new Map([...s.vmcs, [VMCS_REGION, { ...region, fields: writeFields(region.fields, fields) }]]) };
};
const launch = (s: VtxState, profile = SKYLAKE) => {
  const cpu = cpuFor(s, profile);
  return { result: cpu.execute({ op: 'VMLAUNCH' }), after: cpu.snapshot() };
};
const guestFailure = (qualification: bigint): Observation => ({ kind: 'vm-exit', reason: entryFailureReason(33), qualification });

describe('VM-entry failures', () => {
  it('control-field failure: VMfailValid(7) with the rule ID', () => {
    const { result, after } = launch(withFields(rootState(), { CR3_TARGET_COUNT: 5n }));
    expect(result).toEqual({ observation: { kind: 'VMfailValid', error: 7 }, failedRule: 'CTL.CR3TGT.COUNT' });
    expect(fieldOf(after, VMCS_REGION, 'VM_INSTRUCTION_ERROR')).toBe(7n);
  });
  it('control and host failures together: the control rule wins (table order)', () => {
    const { result } = launch(withFields(rootState(), { CR3_TARGET_COUNT: 5n, HOST_TR_SELECTOR: 0n }));
    expect(result.failedRule).toBe('CTL.CR3TGT.COUNT');
  });
  it('host-state and address-space-size failures: VMfailValid(8)', () => {
    expect(launch(withFields(rootState(), { HOST_CR4: 0x2000n })).result)
      .toEqual({ observation: { kind: 'VMfailValid', error: 8 }, failedRule: 'HOST.ASZ.H1.PAE' });
    expect(launch(withFields(rootState(), { HOST_IA32_SYSENTER_EIP: 0x8000_0000_0000n })).result.failedRule).toBe('HOST.SYSENTER_EIP.CANON');
  });
  it('guest-state failure: exit 80000021H, qualification 0, written to the VMCS; launch state stays clear', () => {
    const { result, after } = launch(withFields(rootState(), { GUEST_RFLAGS: 0n }));
    expect(result).toEqual({ observation: guestFailure(0n), failedRule: 'GUEST.RFLAGS.BIT1' });
    expect(fieldOf(after, VMCS_REGION, 'VM_EXIT_REASON')).toBe(0x8000_0021n);
    expect(after.vmcs.get(VMCS_REGION)?.launchState).toBe('clear');
    expect(after.vmx).toBe('root');
  });
  it('invalid VMCS link pointer: qualification 4', () => {
    const { result, after } = launch(withFields(rootState(), { VMCS_LINK_POINTER: 0x6008n }));
    expect(result).toEqual({ observation: guestFailure(4n), failedRule: 'GUEST.LINK.ALIGN' });
    expect(fieldOf(after, VMCS_REGION, 'EXIT_QUALIFICATION')).toBe(4n);
  });
  it('NMI injection under blocking by STI is refused: qualification 3 (this CPU enforces GUEST.INTR.NMI.STI)', () => {
    const s = withFields(rootState(), { VM_ENTRY_INTR_INFO_FIELD: 0x8000_0202n, GUEST_INTERRUPTIBILITY_INFO: 1n, GUEST_RFLAGS: 0x202n });
    expect(launch(s).result).toEqual({ observation: guestFailure(3n), failedRule: 'GUEST.INTR.NMI.STI' });
  });
  it('bad PDPTE of a PAE guest without EPT: qualification 2', () => {
    const s = withMemory(withFields(baselineState(SKYLAKE, 'protected'), { GUEST_CR4: 0x2020n, GUEST_CR3: 0x7000n }), [[0x7008n, 0x3n]]);
    expect(launch(s).result).toEqual({ observation: guestFailure(2n), failedRule: 'GUEST.PDPTE.NOEPT' });
    const ok = withMemory(withFields(baselineState(SKYLAKE, 'protected'), { GUEST_CR4: 0x2020n, GUEST_CR3: 0x7000n }), [[0x7008n, 0x1n]]);
    expect(launch(ok).result.observation.kind).toBe('vm-entry');
  });
  it('MSR-load failure: exit 80000022H with the 1-based index of the failing entry', () => {
    const s = withMemory(withFields(rootState(), { VM_ENTRY_MSR_LOAD_COUNT: 3n, VM_ENTRY_MSR_LOAD_ADDR: 0x8000n }), [
      [0x8000n, 0xc000_0082n], [0x8008n, 0xffff_8000_0000_0000n], // IA32_LSTAR, canonical: loads
      [0x8010n, 0x277n], [0x8018n, 0x0000_0000_0000_0002n], // IA32_PAT with type 2: WRMSR would #GP
      [0x8020n, 0xc000_0100n], [0x8028n, 0n],
    ]);
    const { result, after } = launch(s);
    expect(result).toEqual({ observation: { kind: 'vm-exit', reason: entryFailureReason(34), qualification: 2n }, failedRule: 'MSRLOAD.WRMSR' });
    expect(after.cpu.msrs.get(0xc000_0082)).toBeUndefined(); // no guest state is committed on failure
  });
});

describe('guest state loaded by a successful VM entry (§26.3.2)', () => {
  it('loads registers, segments, EFER, and reports field-loaded and list-loaded MSRs by lowercase hex index', () => {
    const s = withMemory(withFields(rootState(MAX), {
      VM_ENTRY_MSR_LOAD_COUNT: 1n, VM_ENTRY_MSR_LOAD_ADDR: 0x8000n, GUEST_IA32_PAT: 0x0007_0406_0007_0406n,
      GUEST_SYSENTER_CS: 0x10n, GUEST_RIP: 0xffff_ffff_8000_0000n,
      VM_ENTRY_CONTROLS: fieldOf(rootState(MAX), VMCS_REGION, 'VM_ENTRY_CONTROLS') | (1n << 14n), // load IA32_PAT
    }), [[0x8000n, 0xc000_0084n], [0x8008n, 0x4700n]]);
    const { result, after } = launch(s, MAX);
    if (result.observation.kind !== 'vm-entry') throw new Error(JSON.stringify(result.failedRule));
    const g = result.observation.guest;
    expect(g.rip).toBe(0xffff_ffff_8000_0000n);
    expect(g.cr0).toBe(0x8000_0031n);
    expect(g.efer).toBe(0xd00n); // IA-32e guest without "load IA32_EFER": LMA = LME = 1, NXE kept
    expect(g.cs).toEqual({ selector: 8, unusable: false, base: 0n, limit: 0xffff_ffff, accessRights: 0xa09b });
    expect(g.ldtr).toEqual({ selector: 0, unusable: true });
    expect(g.msrs).toEqual({ '0x174': 0x10n, '0x175': 0n, '0x176': 0n, '0x277': 0x0007_0406_0007_0406n, '0xc0000084': 0x4700n });
    expect(after.cpu.rip).toBe(0xffff_ffff_8000_0000n);
    expect(after.cpu.msrs.get(0xc000_0084)).toBe(0x4700n);
    expect(after.vmx).toBe('non-root');
  });
  it('without "load IA32_EFER": LMA follows "IA-32e mode guest"; LME only when the guest enables paging', () => {
    const protectedGuest = launch(baselineState(SKYLAKE, 'protected')).result;
    expect(protectedGuest.observation.kind === 'vm-entry' && protectedGuest.observation.guest.efer).toBe(0x800n);
    const realGuest = launch(baselineState(SKYLAKE, 'unrestricted-real')).result;
    expect(realGuest.observation.kind === 'vm-entry' && realGuest.observation.guest.efer).toBe(0x900n);
  });
  it('CR0 bits a VM entry never changes (NW, CD, ET, reserved) keep their old values; DR7 is normalised', () => {
    const s = withFields(withCpu(rootState(), { cr0: 0xe000_0031n }), {
      GUEST_CR0: 0x8000_0021n, GUEST_DR7: 0xf000n, VM_ENTRY_CONTROLS: fieldOf(rootState(), VMCS_REGION, 'VM_ENTRY_CONTROLS') | 4n,
    });
    const r = launch(s).result;
    if (r.observation.kind !== 'vm-entry') throw new Error(String(r.failedRule));
    expect(r.observation.guest.cr0).toBe(0xe000_0031n);
    expect(r.observation.guest.dr7).toBe(0x2400n);
  });
  it('every built-in baseline enters', () => {
    for (const kind of ['ia32e', 'protected', 'v86', 'unrestricted-real'] as const) {
      expect(launch(baselineState(MAX, kind), MAX).result.observation.kind).toBe('vm-entry');
    }
  });
});
