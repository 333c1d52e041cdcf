/**
 * The VM exit of the reference CPU (§27.2–27.7): exit information, guest-state saving with
 * fault-like and trap-like RIP, the MSR-store list, host-state loading with the attributes of
 * §27.5.2, the MSR-load list, VMX aborts; and the §26.7 host-state load of a failed VM entry.
 */
import { describe, expect, it } from 'vitest';
import { baselineState } from '../../../../conformance/vtx/baseline.js';
import { readField, readMemory64, writeFields } from '../../../../spec/vtx/state.js';
import { ReferenceVtxCpu } from '../index.js';
import { protectedGuest } from '../../../../conformance/vtx/non-root/arbitraries.js';
import { cpu, exitOf, fields, guest, GUEST_LAYOUT as L, ins, MAX, on, regs, run, SKYLAKE, words } from '../non-root/test-support.js';

describe('VM exits', () => {
  it('VMEXIT.INFO: exit reason, qualification and instruction length are recorded; undefined fields keep their values', () => {
    const r = run(guest(SKYLAKE, fields({ GUEST_LINEAR_ADDRESS: 0x1234n, VMX_INSTRUCTION_INFO: 0x55n })), ins({ op: 'CPUID' }));
    expect(exitOf(r.o)).toMatchObject({ reason: 10, guestLinearAddress: null, instructionInfo: null });
    expect(r.field('VM_EXIT_REASON')).toBe(10n);
    expect(r.field('VM_EXIT_INSTRUCTION_LEN')).toBe(2n);
    expect(r.field('GUEST_LINEAR_ADDRESS')).toBe(0x1234n);
    expect(r.field('VMX_INSTRUCTION_INFO')).toBe(0x55n);
  });
  it('VMEXIT.INFO: the valid bit of the VM-entry interruption-information field is cleared', () => {
    expect(run(guest(SKYLAKE, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0030n })), ins({ op: 'CPUID' })).field('VM_ENTRY_INTR_INFO_FIELD')).toBe(0x30n);
  });
  it('VMEXIT.SAVE: guest registers, segments and interruptibility are saved (fault-like RIP)', () => {
    const r = run(guest(SKYLAKE, cpu({ rflags: 0x202n, blockingBySti: true, rsp: 0x17ff0n })), ins({ op: 'CPUID' }));
    expect(r.field('GUEST_RIP')).toBe(L.rip);
    expect(r.field('GUEST_RSP')).toBe(0x17ff0n);
    expect(r.field('GUEST_INTERRUPTIBILITY_INFO')).toBe(1n);
    expect(r.field('GUEST_CS_SELECTOR')).toBe(0x8n);
    expect(r.field('GUEST_IDTR_BASE')).toBe(L.idt);
  });
  it('VMEXIT.HOST: host state per §27.5: CS/SS/TR attributes, RFLAGS 2, DR7 400H, GDTR/IDTR limit FFFFH', () => {
    const r = run(guest(), ins({ op: 'CPUID' }));
    const c = r.after.cpu;
    expect(r.after.vmx).toBe('root');
    expect(c.rip).toBe(r.field('HOST_RIP'));
    expect(c.rflags).toBe(2n);
    expect(c.dr7).toBe(0x400n);
    expect(c.segments.cs).toEqual({ selector: Number(r.field('HOST_CS_SELECTOR')), base: 0n, limit: 0xffff_ffff, accessRights: 0xa09b });
    expect(c.segments.ss.accessRights).toBe(0xc093);
    expect(c.segments.tr).toMatchObject({ limit: 0x67, accessRights: 0x8b });
    expect(c.segments.ldtr.accessRights).toBe(0x1_0000);
    expect([c.gdtr.limit, c.idtr.limit]).toEqual([0xffff, 0xffff]);
    expect([c.cpl, c.csL, c.activity, c.blockingBySti]).toEqual([0, true, 'active', false]);
  });
  it('VMEXIT.MSRSTORE: the MSR-store list receives IA32_SYSENTER_CS', () => {
    const s = guest(SKYLAKE, fields({ VM_EXIT_MSR_STORE_COUNT: 1n, VM_EXIT_MSR_STORE_ADDR: 0x30000n }), words([0x30000n, 0x174n]), cpu({ msrs: new Map([[0x174, 0x42n]]) }));
    expect(readMemory64(run(s, ins({ op: 'CPUID' })).after.memory, 0x30008n)).toBe(0x42n);
  });
  it('VMEXIT.ABORT: a bad MSR-store entry is VMX abort 1, written at offset 4 of the VMCS region', () => {
    const s = guest(SKYLAKE, fields({ VM_EXIT_MSR_STORE_COUNT: 1n, VM_EXIT_MSR_STORE_ADDR: 0x30000n }), words([0x30000n, 0x808n]));
    const r = run(s, ins({ op: 'CPUID' }));
    expect(r.o).toEqual({ kind: 'vmx-abort', indicator: 1 });
    expect(readMemory64(r.after.memory, 0x2000n) >> 32n).toBe(1n);
  });
  it('VMEXIT.MSRLOAD: the MSR-load list writes IA32_STAR after the host state; FS.base is refused (abort 4)', () => {
    const ok = guest(SKYLAKE, fields({ VM_EXIT_MSR_LOAD_COUNT: 1n, VM_EXIT_MSR_LOAD_ADDR: 0x30000n }), words([0x30000n, 0xc000_0081n], [0x30008n, 0x77n]));
    expect(run(ok, ins({ op: 'CPUID' })).after.cpu.msrs.get(0xc000_0081)).toBe(0x77n);
    const bad = guest(SKYLAKE, fields({ VM_EXIT_MSR_LOAD_COUNT: 1n, VM_EXIT_MSR_LOAD_ADDR: 0x30000n }), words([0x30000n, 0xc000_0100n]));
    expect(run(bad, ins({ op: 'CPUID' })).o).toEqual({ kind: 'vmx-abort', indicator: 4 });
  });
  it('VMEXIT.SAVE: a trap-like exit (MTF) saves the next RIP; RF of an instruction exit is 0', () => {
    const r = run(guest(SKYLAKE, on('proc.MONITOR_TRAP_FLAG'), regs({ 0: 1n })), ins({ op: 'MOV_RR', dst: 1, src: 0 }));
    expect(r.field('GUEST_RIP')).toBe(L.rip + 3n);
    const c = run(guest(SKYLAKE, cpu({ rflags: 0x1_0002n })), ins({ op: 'CPUID' }));
    expect(c.field('GUEST_RFLAGS')).toBe(2n);
  });
  it('VMEXIT.MSR_STORE.MODEL: an MSR the profile refuses to store (choices.msrLoadRejected) is VMX abort 1, even if RDMSR reads it', () => {
    const refused = SKYLAKE.choices.msrLoadRejected[0]!;
    const s = guest(SKYLAKE, fields({ VM_EXIT_MSR_STORE_COUNT: 1n, VM_EXIT_MSR_STORE_ADDR: 0x30000n }), words([0x30000n, BigInt(refused)]),
      cpu({ msrs: new Map([[refused, 5n]]) }));
    expect(run(s, ins({ op: 'CPUID' })).o).toEqual({ kind: 'vmx-abort', indicator: 1 });
  });
  it('VMEXIT.HOST.PDPTE: an exit to a PAE host checks the PDPTEs at host CR3: a reserved bit is VMX abort 2', () => {
    // A 32-bit guest (no IA-32e mode before the exit), "host address-space size" = 0, host CR4.PAE = 1.
    const pae = (pdpte0: bigint) => guest(SKYLAKE, protectedGuest, (s) => fields({
      VM_EXIT_CONTROLS: readField(s.vmcs.get(s.currentVmcs!)!.fields, 'VM_EXIT_CONTROLS') & ~(1n << 9n),
      HOST_CR4: readField(s.vmcs.get(s.currentVmcs!)!.fields, 'HOST_CR4') | 0x20n, HOST_CR3: 0x30000n,
    })(s), words([0x30000n, pdpte0]));
    expect(run(pae(0x4_0001n), ins({ op: 'CPUID' })).o).toMatchObject({ kind: 'vm-exit' });
    const r = run(pae(0x4_0003n), ins({ op: 'CPUID' }));
    expect(r.o).toEqual({ kind: 'vmx-abort', indicator: 2 });
    expect(readMemory64(r.after.memory, 0x2000n) >> 32n).toBe(2n);
  });
  it('VMEXIT.SAVE.INTERRUPTIBILITY: blocking by SMI is saved as 0 by an exit that does not end in SMM', () => {
    expect(run(guest(SKYLAKE, cpu({ blockingBySmi: true, inSmm: false })), ins({ op: 'CPUID' })).field('GUEST_INTERRUPTIBILITY_INFO')).toBe(0n);
  });
  it('VMEXIT.SAVE.PENDING_DEBUG: an exit not caused by #DB under MOV-SS blocking saves the pending debug exceptions; otherwise 0', () => {
    const held = run(guest(SKYLAKE, cpu({ blockingByMovSs: true, pendingDebug: 0x4000n })), ins({ op: 'CPUID' }));
    expect(held.field('GUEST_PENDING_DBG_EXCEPTIONS')).toBe(0x4000n);
    expect(run(guest(SKYLAKE, cpu({ pendingDebug: 0x4000n })), ins({ op: 'CPUID' })).field('GUEST_PENDING_DBG_EXCEPTIONS')).toBe(0n);
  });
  it('VMEXIT.INFO.ENTRY_INTR_CLEARED: a VMX instruction given to execute() in non-root operation exits and clears the valid bit', () => {
    const ref = new ReferenceVtxCpu(SKYLAKE, guest(SKYLAKE, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0030n })));
    expect(ref.execute({ op: 'VMPTRST' }).observation).toMatchObject({ kind: 'vm-exit', reason: 22 });
    expect(readField(ref.snapshot().vmcs.get(0x2000n)!.fields, 'VM_ENTRY_INTR_INFO_FIELD')).toBe(0x30n);
  });
});

describe('VM entry: event injection and §26.7', () => {
  const launch = (edit: Partial<Record<Parameters<typeof readField>[1], bigint>>) => {
    const root = baselineState(SKYLAKE, 'ia32e');
    const at = root.currentVmcs!;
    const region = root.vmcs.get(at)!;
    const s = { ...root, vmcs: new Map([[at, { ...region, fields: writeFields(region.fields, edit) }]]) };
    const cpu = new ReferenceVtxCpu(SKYLAKE, s);
    const result = cpu.execute({ op: 'VMLAUNCH' });
    return { result, after: cpu.snapshot() };
  };
  it('INJECT.DELIVER: without a guest IDT in memory an injected interrupt ends in a triple-fault exit', () => {
    const { result, after } = launch({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0030n, GUEST_RFLAGS: 0x202n });
    expect(result.observation).toMatchObject({ kind: 'vm-entry' });
    expect(result.injection).toMatchObject({ kind: 'vm-exit', exit: { reason: 2 } });
    expect(after.vmx).toBe('root');
  });
  it('INJECT.DELIVER: VMRESUME injects a software interrupt through the guest IDT, pushing RIP + entry instruction length', () => {
    const g = guest(SKYLAKE, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0480n, VM_ENTRY_INSTRUCTION_LEN: 2n }));
    const cpu = new ReferenceVtxCpu(SKYLAKE, { ...g, vmx: 'root' });
    const result = cpu.execute({ op: 'VMRESUME' });
    const after = cpu.snapshot();
    expect(result.injection).toEqual({ kind: 'delivered', vector: 0x80, type: 'software-interrupt', errorCode: null });
    expect(after.vmx).toBe('non-root');
    expect(after.cpu.rip).toBe(L.handlers + 16n * 0x80n);
    expect(readMemory64(after.memory, L.rsp - 40n)).toBe(L.rip + 2n);
    // The entry leaves the field as it is (INJECT.VALID); the next VM exit clears the valid bit.
    expect(readField(after.vmcs.get(0x2000n)!.fields, 'VM_ENTRY_INTR_INFO_FIELD')).toBe(0x8000_0480n);
  });
  it('INJECT.DELIVER: the exception bitmap does not apply to an injected #GP', () => {
    const g = guest(SKYLAKE, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0b0dn, VM_ENTRY_EXCEPTION_ERROR_CODE: 0x10n, EXCEPTION_BITMAP: 0xffff_ffffn }));
    const cpu = new ReferenceVtxCpu(SKYLAKE, { ...g, vmx: 'root' });
    expect(cpu.execute({ op: 'VMRESUME' }).injection).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: 0x10 });
  });
  it('EXIT.MTF: exits: injecting a pending MTF exit (type 7) exits right after the entry, even with the MTF control 0', () => {
    const g = guest(MAX, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0700n }));
    const cpu = new ReferenceVtxCpu(MAX, { ...g, vmx: 'root' });
    const r = cpu.execute({ op: 'VMRESUME' });
    expect(r.observation).toMatchObject({ kind: 'vm-entry' });
    expect(r.injection).toMatchObject({ kind: 'vm-exit', exit: { reason: 37, qualification: 0n } });
    expect(cpu.snapshot().vmx).toBe('root');
  });
  it('INJECT.VALID: VM entry injects and leaves the field valid; the VM exit that ends the guest clears the valid bit', () => {
    const g = guest(SKYLAKE, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0480n, VM_ENTRY_INSTRUCTION_LEN: 2n }));
    const ref = new ReferenceVtxCpu(SKYLAKE, { ...g, vmx: 'root' });
    expect(ref.execute({ op: 'VMRESUME' }).injection).toMatchObject({ kind: 'delivered', vector: 0x80 });
    expect(readField(ref.snapshot().vmcs.get(0x2000n)!.fields, 'VM_ENTRY_INTR_INFO_FIELD')).toBe(0x8000_0480n);
    expect(ref.step({ kind: 'instruction', instruction: { op: 'CPUID' } }).observation).toMatchObject({ kind: 'vm-exit' });
    expect(readField(ref.snapshot().vmcs.get(0x2000n)!.fields, 'VM_ENTRY_INTR_INFO_FIELD')).toBe(0x480n);
  });
  it('INJECT.MTF.PENDING: a pending INIT takes priority over the MTF exit of a type-7 injection: the INIT exits at the next boundary', () => {
    const g = guest(MAX, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0700n }), cpu({ pending: { extint: null, nmi: false, init: true, sipi: null } }));
    const ref = new ReferenceVtxCpu(MAX, { ...g, vmx: 'root' });
    const entry = ref.execute({ op: 'VMRESUME' });
    expect(entry.observation.kind).toBe('vm-entry');
    expect(entry.injection).toBeUndefined();
    expect(ref.step({ kind: 'instruction', instruction: { op: 'NOP' } }).observation).toMatchObject({ kind: 'vm-exit', exit: { reason: 3 } });
  });
  it('EXIT.MTF: does not exit: an entry without injection and with the MTF control 1 runs the guest', () => {
    const g = guest(MAX, on('proc.MONITOR_TRAP_FLAG'));
    const cpu = new ReferenceVtxCpu(MAX, { ...g, vmx: 'root' });
    expect(cpu.execute({ op: 'VMRESUME' }).observation.kind).toBe('vm-entry');
  });
  it('INJECT.DELIVER: the valid bit is cleared and segments, descriptor tables and activity are loaded', () => {
    const { after } = launch({});
    expect(after.vmx).toBe('non-root');
    expect(after.cpu.segments.cs.selector).toBe(Number(readField(baselineState(SKYLAKE, 'ia32e').vmcs.get(0x2000n)!.fields, 'GUEST_CS_SELECTOR')));
    expect(after.cpu.activity).toBe('active');
  });
  it('ENTRY.LOAD.SEGMENTS: an unusable DS is loaded with base bits 63:32 cleared, an unusable LDTR with a canonical base', () => {
    const { result, after } = launch({
      GUEST_DS_AR_BYTES: 0x1_0000n, GUEST_DS_BASE: 0x1234_5678_9abc_def0n, GUEST_LDTR_AR_BYTES: 0x1_0000n, GUEST_LDTR_BASE: 0x8000_0000_0000n,
    });
    expect(result.observation.kind).toBe('vm-entry');
    expect(after.cpu.segments.ds.base).toBe(0x9abc_def0n);
    expect(after.cpu.segments.ldtr.base).toBe(0xffff_8000_0000_0000n);
  });
  it('VMENTRY.FAIL.HOST: a VM entry failing the guest-state checks loads host state', () => {
    const { result, after } = launch({ GUEST_RFLAGS: 0n });
    expect(result.observation).toMatchObject({ kind: 'vm-exit', reason: 0x8000_0021 });
    expect(after.vmx).toBe('root');
    expect(after.cpu.rflags).toBe(2n);
    expect(after.cpu.rip).toBe(readField(baselineState(SKYLAKE, 'ia32e').vmcs.get(0x2000n)!.fields, 'HOST_RIP'));
  });
});
