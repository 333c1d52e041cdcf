/**
 * The reference CPU at the instruction boundary and on exceptions (§25.2, Vol. 3A §6.9, §6.12–6.15):
 * event-like exits and their priority, activity states, exception-bitmap exits and delivery through
 * the guest IDT, #DF, triple fault, IDT-vectoring information, MTF.
 */
import { describe, expect, it } from 'vitest';
import { readField, readMemory64, readMemory32 } from '../../../../spec/vtx/state.js';
import { ReferenceVtxCpu } from '../index.js';
import { PROTECTED, protectedGuest } from '../../../../conformance/vtx/non-root/arbitraries.js';
import {
  cpl3, cpu, ev, exitOf, fields, guest, GUEST_LAYOUT as L, ins, interruptsOn, on, regs, run, SKYLAKE, words,
} from './test-support.js';

const NO_PENDING = { extint: null, nmi: false, init: false, sipi: null };
const pending = (p: Partial<typeof NO_PENDING>) => cpu({ pending: { ...NO_PENDING, ...p } });
const nop = ins({ op: 'NOP' });
const GATE = (v: number): bigint => L.idt + BigInt(16 * v);

describe('events at the instruction boundary', () => {
  it('EXIT.EXTINT: exits: external-interrupt exiting, whatever RFLAGS.IF (0 here)', () => {
    const r = run(guest(SKYLAKE, on('pin.EXTERNAL_INTERRUPT_EXITING')), ev({ kind: 'external-interrupt', vector: 0x30 }));
    expect(exitOf(r.o)).toMatchObject({ reason: 1, interruptionInfo: 0 });
    expect(r.after.cpu.pending.extint).toBe(0x30); // not acknowledged: still pending
  });
  it('EXIT.EXTINT: does not exit: delivered through the guest IDT with IF = 1', () => {
    const r = run(guest(SKYLAKE, interruptsOn), ev({ kind: 'external-interrupt', vector: 0x30 }));
    expect(r.o).toEqual({ kind: 'delivered', vector: 0x30, type: 'external-interrupt', errorCode: null });
    expect(r.after.cpu.rip).toBe(L.handlers + 16n * 0x30n);
    expect(readMemory64(r.after.memory, L.rsp - 40n)).toBe(L.rip);
    expect(r.after.cpu.rflags & 0x200n).toBe(0n);
  });
  it('EXIT.EXTINT.ACK: exits: acknowledged, the vector is in the interruption information', () => {
    const r = run(guest(SKYLAKE, on('pin.EXTERNAL_INTERRUPT_EXITING', 'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT')), ev({ kind: 'external-interrupt', vector: 0x30 }));
    expect(exitOf(r.o)).toMatchObject({ reason: 1, interruptionInfo: 0x8000_0030 });
    expect(r.after.cpu.pending.extint).toBeNull();
  });
  it('CHANGED.IF.EXTINT: with IF = 0 and no exiting the interrupt stays pending', () => {
    const r = run(guest(), ev({ kind: 'external-interrupt', vector: 0x30 }));
    expect(r.o.kind).toBe('pending');
    expect(r.after.cpu.pending.extint).toBe(0x30);
  });
  it('EXIT.NMI: exits: NMI exiting; interruption information type NMI, vector 2', () => {
    const r = run(guest(SKYLAKE, on('pin.NMI_EXITING')), ev({ kind: 'nmi' }));
    expect(exitOf(r.o)).toMatchObject({ reason: 0, interruptionInfo: 0x8000_0202 });
    expect(r.after.cpu.blockingByNmi).toBe(true);
  });
  it('EXIT.NMI: does not exit: delivered through vector 2, NMIs blocked afterwards', () => {
    const r = run(guest(), ev({ kind: 'nmi' }));
    expect(r.o).toMatchObject({ kind: 'delivered', vector: 2, type: 'nmi' });
    expect(r.after.cpu.blockingByNmi).toBe(true);
  });
  it('EXIT.INTWINDOW: exits: interrupt-window exiting with IF = 1 and no blocking', () => {
    expect(exitOf(run(guest(SKYLAKE, on('proc.INTERRUPT_WINDOW_EXITING'), interruptsOn), nop).o)).toMatchObject({ reason: 7 });
  });
  it('EXIT.INTWINDOW: does not exit: blocking by STI', () => {
    expect(run(guest(SKYLAKE, on('proc.INTERRUPT_WINDOW_EXITING'), interruptsOn, cpu({ blockingBySti: true })), nop).o.kind).toBe('retired');
  });
  it('EXIT.NMIWINDOW: exits: NMI-window exiting without virtual-NMI blocking (wakes HLT)', () => {
    const r = run(guest(SKYLAKE, on('pin.NMI_EXITING', 'pin.VIRTUAL_NMIS', 'proc.NMI_WINDOW_EXITING'), cpu({ activity: 'hlt' })), nop);
    expect(exitOf(r.o)).toMatchObject({ reason: 8 });
    expect(r.field('GUEST_ACTIVITY_STATE')).toBe(1n);
  });
  it('EXIT.NMIWINDOW: does not exit: virtual-NMI blocking', () => {
    expect(run(guest(SKYLAKE, on('pin.NMI_EXITING', 'pin.VIRTUAL_NMIS', 'proc.NMI_WINDOW_EXITING'), cpu({ blockingByNmi: true })), nop).o.kind).toBe('retired');
  });
  it('EXIT.INIT: exits: an INIT signal', () => {
    const r = run(guest(), ev({ kind: 'init' }));
    expect(exitOf(r.o)).toMatchObject({ reason: 3 });
    expect(r.after.cpu.pending.init).toBe(false);
  });
  it('EXIT.INIT: does not exit: blocked in the wait-for-SIPI state', () => {
    expect(run(guest(SKYLAKE, cpu({ activity: 'wait-for-sipi' })), ev({ kind: 'init' })).o.kind).toBe('inactive');
  });
  it('EXIT.SIPI: exits: a SIPI in wait-for-SIPI; the vector is the qualification', () => {
    expect(exitOf(run(guest(SKYLAKE, cpu({ activity: 'wait-for-sipi' })), ev({ kind: 'sipi', vector: 0x9a })).o)).toMatchObject({ reason: 4, qualification: 0x9an });
  });
  it('EXIT.SIPI: does not exit: discarded in the active state', () => {
    const r = run(guest(), ev({ kind: 'sipi', vector: 0x9a }));
    expect(r.o.kind).toBe('pending');
    expect(r.after.cpu.pending.sipi).toBeNull();
  });
  it('EXIT.PREEMPTION: exits: the timer expires with "activate VMX-preemption timer"', () => {
    const s = guest(SKYLAKE, on('pin.ACTIVATE_VMX_PREEMPTION_TIMER', 'exit.SAVE_VMX_PREEMPTION_TIMER_VALUE'), fields({ VMX_PREEMPTION_TIMER_VALUE: 100n }));
    const r = run(s, ev({ kind: 'preemption-timer-expiry' }));
    expect(exitOf(r.o)).toMatchObject({ reason: 52 });
    expect(r.field('VMX_PREEMPTION_TIMER_VALUE')).toBe(0n);
  });
  it('EXIT.PREEMPTION: does not exit: the timer is not active', () => {
    expect(run(guest(SKYLAKE, fields({ VMX_PREEMPTION_TIMER_VALUE: 100n })), ev({ kind: 'preemption-timer-expiry' })).o.kind).toBe('pending');
  });
  it('PRIORITY.EVENTS: the NMI window comes before a pending NMI, the NMI before the interrupt window', () => {
    const s = guest(SKYLAKE, on('pin.NMI_EXITING', 'pin.VIRTUAL_NMIS', 'proc.NMI_WINDOW_EXITING', 'proc.INTERRUPT_WINDOW_EXITING'), interruptsOn, pending({ nmi: true }));
    expect(exitOf(run(s, nop).o).reason).toBe(8);
    const t = guest(SKYLAKE, on('pin.NMI_EXITING', 'proc.INTERRUPT_WINDOW_EXITING'), interruptsOn, pending({ nmi: true }));
    expect(exitOf(run(t, nop).o)).toMatchObject({ reason: 0, interruptionInfo: 0x8000_0202 });
  });
  it('EXIT.INTWINDOW: does not exit: an HLT guest with IF = 0 stays inactive', () => {
    expect(run(guest(SKYLAKE, on('proc.INTERRUPT_WINDOW_EXITING'), cpu({ activity: 'hlt' })), nop).o.kind).toBe('inactive');
  });
});

describe('exceptions', () => {
  it('EXIT.EXCEPTION.BITMAP: exits: UD2 with bit 6; RIP of UD2 saved, RF = 1', () => {
    const r = run(guest(SKYLAKE, fields({ EXCEPTION_BITMAP: 1n << 6n })), ins({ op: 'UD2' }));
    expect(exitOf(r.o)).toMatchObject({ reason: 0, interruptionInfo: 0x8000_0306, idtVectoringInfo: 0 });
    expect(r.field('GUEST_RIP')).toBe(L.rip);
    expect(r.field('GUEST_RFLAGS') & 0x1_0000n).toBe(0x1_0000n);
  });
  it('EXIT.EXCEPTION.BITMAP: does not exit: UD2 delivered through vector 6, RF set in the pushed RFLAGS', () => {
    const r = run(guest(), ins({ op: 'UD2' }));
    expect(r.o).toEqual({ kind: 'delivered', vector: 6, type: 'hardware-exception', errorCode: null });
    expect(readMemory64(r.after.memory, L.rsp - 24n)).toBe(0x1_0002n);
  });
  it('EXIT.EXCEPTION.BITMAP: exits: INT3 is a software exception with its instruction length', () => {
    expect(exitOf(run(guest(SKYLAKE, fields({ EXCEPTION_BITMAP: 1n << 3n })), ins({ op: 'INT3' })).o))
      .toMatchObject({ reason: 0, interruptionInfo: 0x8000_0603, instructionLength: 1 });
  });
  it('EXIT.EXCEPTION.BITMAP: does not exit: INT n is not filtered by the bitmap', () => {
    const r = run(guest(SKYLAKE, fields({ EXCEPTION_BITMAP: 0xffff_ffffn })), ins({ op: 'INT', vector: 0x80 }));
    expect(r.o).toMatchObject({ kind: 'delivered', vector: 0x80, type: 'software-interrupt' });
    expect(readMemory64(r.after.memory, L.rsp - 40n)).toBe(L.rip + 2n);
  });
  it('EXIT.EXCEPTION.PF: exits: #PF with PFEC AND mask = match and bit 14 = 1; the address is the qualification', () => {
    const s = guest(SKYLAKE, fields({ EXCEPTION_BITMAP: 1n << 14n, PAGE_FAULT_ERROR_CODE_MASK: 0n, PAGE_FAULT_ERROR_CODE_MATCH: 0n }), regs({ 3: 0x4000_0000n }));
    const r = run(s, ins({ op: 'LOAD', size: 8, dst: 1, mem: { base: 3, disp: 0n } }));
    expect(exitOf(r.o)).toMatchObject({ reason: 0, qualification: 0x4000_0000n, interruptionInfo: 0x8000_0b0e, interruptionErrorCode: 0 });
    expect(r.after.cpu.cr2).toBe(0n);
  });
  it('EXIT.EXCEPTION.PF: does not exit: mismatch with bit 14 = 1 means deliver; CR2 loaded', () => {
    const s = guest(SKYLAKE, fields({ EXCEPTION_BITMAP: 1n << 14n, PAGE_FAULT_ERROR_CODE_MASK: 0n, PAGE_FAULT_ERROR_CODE_MATCH: 0xffff_ffffn }), regs({ 3: 0x4000_0000n }));
    const r = run(s, ins({ op: 'STORE', size: 8, src: 1, mem: { base: 3, disp: 0n } }));
    expect(r.o).toEqual({ kind: 'delivered', vector: 14, type: 'hardware-exception', errorCode: 2 });
    expect(r.after.cpu.cr2).toBe(0x4000_0000n);
  });
  it('EXIT.EXCEPTION.PF: exits: a #PF during delivery of INT 80H reports IDT-vectoring information and the INT length', () => {
    const s = guest(SKYLAKE, fields({ EXCEPTION_BITMAP: 1n << 14n }), cpu({ rsp: 0x4000_0000n }));
    const e = exitOf(run(s, ins({ op: 'INT', vector: 0x80 })).o);
    expect(e).toMatchObject({ reason: 0, interruptionInfo: 0x8000_0b0e, idtVectoringInfo: 0x8000_0480, instructionLength: 2 });
  });
  it('EXIT.TRIPLEFAULT: exits: a #PF while delivering #DF (a #GP with an unusable stack)', () => {
    const s = guest(SKYLAKE, cpu({ rsp: 0x4000_0000n }));
    const r = run(s, ins({ op: 'UD2' }));
    expect(exitOf(r.o)).toMatchObject({ reason: 2, idtVectoringInfo: 0, interruptionInfo: 0 });
    expect(r.field('GUEST_RIP')).toBe(L.rip);
  });
  it('EXIT.TRIPLEFAULT: does not exit: a #GP while delivering a #PF (broken gate 14) becomes #DF, delivered', () => {
    const s = guest(SKYLAKE, regs({ 3: 0x4000_0000n }), words([GATE(14), 0n]));
    expect(run(s, ins({ op: 'LOAD', size: 8, dst: 1, mem: { base: 3, disp: 0n } })).o)
      .toEqual({ kind: 'delivered', vector: 8, type: 'hardware-exception', errorCode: 0 });
  });
  it('EXIT.TASKSWITCH: does not exit: IA-32e mode has no task switch (#GP(selector))', () => {
    expect(run(guest(), ins({ op: 'JMP_FAR', selector: 0x18 })).o).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: 0x18 });
  });
  it('PRIORITY.CPL: does not exit: INT 30H through a DPL-0 gate at CPL 3 is #GP(vector·8+2)', () => {
    expect(run(guest(SKYLAKE, cpl3), ins({ op: 'INT', vector: 0x30 })).o).toMatchObject({ kind: 'delivered', vector: 13, errorCode: 0x182 });
  });
  it('EXIT.MTF: exits: after an instruction that completed, trap-like', () => {
    const r = run(guest(SKYLAKE, on('proc.MONITOR_TRAP_FLAG')), nop);
    expect(exitOf(r.o)).toMatchObject({ reason: 37 });
    expect(r.field('GUEST_RIP')).toBe(L.rip + 1n);
  });
  it('EXIT.MTF: does not exit: the instruction itself exits', () => {
    expect(exitOf(run(guest(SKYLAKE, on('proc.MONITOR_TRAP_FLAG')), ins({ op: 'CPUID' })).o).reason).toBe(10);
  });
  it('PRIORITY.MTF: exits: after a fault was delivered, at the handler', () => {
    const r = run(guest(SKYLAKE, on('proc.MONITOR_TRAP_FLAG')), ins({ op: 'UD2' }));
    expect(exitOf(r.o).reason).toBe(37);
    expect(r.field('GUEST_RIP')).toBe(L.handlers + 16n * 6n);
  });
  it('CHANGED.IRET.NMI: IRET unblocks NMIs when NMI exiting = 0', () => {
    const frame: [bigint, bigint][] = [[L.rsp, 0x40_1000n], [L.rsp + 8n, 0x8n], [L.rsp + 16n, 0x2n], [L.rsp + 24n, 0x18000n], [L.rsp + 32n, 0x10n]];
    const r = run(guest(SKYLAKE, cpu({ blockingByNmi: true }), words(...frame)), ins({ op: 'IRET' }));
    expect(r.o.kind).toBe('retired');
    expect(r.after.cpu.blockingByNmi).toBe(false);
    expect(r.after.cpu.rip).toBe(0x40_1000n);
  });
  it('CHANGED.IRET.VNMI: IRET with NMI exiting and no virtual NMIs keeps blocking by NMI', () => {
    const frame: [bigint, bigint][] = [[L.rsp, 0x40_1000n], [L.rsp + 8n, 0x8n], [L.rsp + 16n, 0x2n], [L.rsp + 24n, 0x18000n], [L.rsp + 32n, 0x10n]];
    const r = run(guest(SKYLAKE, on('pin.NMI_EXITING'), cpu({ blockingByNmi: true }), words(...frame)), ins({ op: 'IRET' }));
    expect(r.after.cpu.blockingByNmi).toBe(true);
  });
  it('EVENT.DEBUG.TRAP: pending BS is a #DB trap at the boundary, before a pending NMI; bitmap bit 1 exits with the conditions as qualification', () => {
    const r = run(guest(SKYLAKE, cpu({ pendingDebug: 0x4000n }), pending({ nmi: true }), fields({ EXCEPTION_BITMAP: 1n << 1n })), nop);
    expect(exitOf(r.o)).toMatchObject({ reason: 0, qualification: 0x4000n, interruptionInfo: 0x8000_0301 });
    expect(r.field('GUEST_PENDING_DBG_EXCEPTIONS')).toBe(0n);
    expect(r.after.cpu.pending.nmi).toBe(true);
  });
  it('EVENT.DEBUG.TRAP: MOV-SS blocking holds the pending #DB off for one instruction', () => {
    const ref = new ReferenceVtxCpu(SKYLAKE, guest(SKYLAKE, cpu({ pendingDebug: 0x4000n, blockingByMovSs: true })));
    expect(ref.step(nop).observation).toEqual({ kind: 'retired' });
    expect(ref.step(nop).observation).toEqual({ kind: 'delivered', vector: 1, type: 'hardware-exception', errorCode: null });
  });
  it('EVENT.DELIVERY.DR6: a delivered #DB trap sets its conditions in DR6 and clears DR7.GD; the RIP pushed is the next instruction', () => {
    const r = run(guest(SKYLAKE, cpu({ pendingDebug: 0x5001n, dr6: 0xffff_0ff0n, dr7: 0x2400n })), nop);
    expect(r.o).toMatchObject({ kind: 'delivered', vector: 1 });
    expect([r.after.cpu.dr6, r.after.cpu.dr7]).toEqual([0xffff_4ff1n, 0x400n]);
    expect(readMemory64(r.after.memory, L.rsp - 40n)).toBe(L.rip);
  });
  it('INJECT.SIDEEFFECTS: an injected #DB leaves DR6 and DR7 as VM entry loaded them', () => {
    const g = guest(SKYLAKE, fields({ VM_ENTRY_INTR_INFO_FIELD: 0x8000_0301n }), cpu({ dr6: 0xffff_0ff0n }));
    const ref = new ReferenceVtxCpu(SKYLAKE, { ...g, vmx: 'root' });
    expect(ref.execute({ op: 'VMRESUME' }).injection).toMatchObject({ kind: 'delivered', vector: 1 });
    expect(ref.snapshot().cpu.dr6).toBe(0xffff_0ff0n);
    expect(ref.snapshot().cpu.dr7).toBe(readField(g.vmcs.get(g.currentVmcs!)!.fields, 'GUEST_DR7') & ~0xd000n | 0x400n);
  });
});

describe('a 32-bit protected-mode guest', () => {
  const pm = (...edits: Parameters<typeof guest>[1][]) => guest(SKYLAKE, protectedGuest, ...edits);
  it('EXIT.TASKSWITCH: exits: far JMP to an available TSS (qualification: selector, source JMP)', () => {
    expect(exitOf(run(pm(), ins({ op: 'JMP_FAR', selector: PROTECTED.availableTss })).o))
      .toMatchObject({ reason: 9, qualification: BigInt(PROTECTED.availableTss) | (2n << 30n), instructionLength: 7 });
  });
  it('EXIT.TASKSWITCH: exits: INT 81H through a task gate in the IDT, with IDT-vectoring information', () => {
    expect(exitOf(run(pm(), ins({ op: 'INT', vector: PROTECTED.taskGateVector })).o)).toMatchObject({
      reason: 9, qualification: BigInt(PROTECTED.availableTss) | (3n << 30n), idtVectoringInfo: 0x8000_0481, instructionLength: 2,
    });
  });
  it('EXIT.TASKSWITCH: exits: IRET with NT = 1 is a task return (source IRET)', () => {
    expect(exitOf(run(pm(cpu({ rflags: 0x4002n })), ins({ op: 'IRET' })).o)).toMatchObject({ reason: 9, qualification: 1n << 30n });
  });
  it('EXIT.TASKSWITCH: does not exit: far JMP to the busy TSS is #GP(selector)', () => {
    expect(run(pm(), ins({ op: 'JMP_FAR', selector: PROTECTED.tssSelector })).o)
      .toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: PROTECTED.tssSelector });
  });
  it('EXIT.EXCEPTION.BITMAP: does not exit: UD2 through an 8-byte gate pushes EFLAGS, CS, EIP (4 bytes each)', () => {
    const r = run(pm(), ins({ op: 'UD2' }));
    expect(r.o).toMatchObject({ kind: 'delivered', vector: 6 });
    expect(r.after.cpu.rsp).toBe(L.rsp - 12n);
    expect(readMemory32(r.after.memory, L.rsp - 12n)).toBe(L.rip);
    expect(readMemory32(r.after.memory, L.rsp - 8n)).toBe(BigInt(PROTECTED.code32));
    expect(r.after.cpu.segments.cs.selector).toBe(PROTECTED.code32);
  });
  it('EVENT.DELIVERY.IDT32: a 16-bit interrupt gate pushes FLAGS, CS, IP as words and jumps to its 16-bit offset', () => {
    const gate16 = 0x1234n | (BigInt(PROTECTED.code32) << 16n) | (0x86n << 40n) | (0xabcdn << 48n);
    const r = run(pm(words([PROTECTED.idt + 8n * 6n, gate16]), cpu({ rip: 0x1_2345n, rflags: 0x202n })), ins({ op: 'UD2' }));
    expect(r.o).toMatchObject({ kind: 'delivered', vector: 6 });
    expect(r.after.cpu.rip).toBe(0x1234n);
    expect(r.after.cpu.rsp).toBe(L.rsp - 6n);
    expect(readMemory32(r.after.memory, L.rsp - 8n) >> 16n).toBe(0x2345n); // IP at rsp - 6
    expect(readMemory32(r.after.memory, L.rsp - 4n)).toBe((0x0202n << 16n) | BigInt(PROTECTED.code32)); // CS at - 4, FLAGS at - 2
    expect(r.after.cpu.rflags & 0x200n).toBe(0n); // an interrupt gate clears IF
  });
  it('EVENT.DELIVERY.STACK: a privilege change whose RSP0 slot lies beyond the TSS limit is #TS(TSS selector + EXT)', () => {
    const s = guest(SKYLAKE, cpl3, fields({ EXCEPTION_BITMAP: 1n << 10n }), (t) => cpu({ segments: { ...t.cpu.segments, tr: { ...t.cpu.segments.tr, limit: 8 } } })(t));
    expect(exitOf(run(s, ins({ op: 'UD2' })).o)).toMatchObject({
      reason: 0, interruptionInfo: 0x8000_0b0a, interruptionErrorCode: 0x18 | 1, idtVectoringInfo: 0x8000_0306,
    });
  });
  it('EXIT.EXCEPTION.PF: exits: 32-bit paging, an address beyond the 16 MiB of 4-MiB pages', () => {
    const r = run(pm(fields({ EXCEPTION_BITMAP: 1n << 14n }), regs({ 3: 0x4000_0000n })), ins({ op: 'LOAD', size: 4, dst: 1, mem: { base: 3, disp: 0n } }));
    expect(exitOf(r.o)).toMatchObject({ reason: 0, qualification: 0x4000_0000n, interruptionErrorCode: 0 });
  });
});
