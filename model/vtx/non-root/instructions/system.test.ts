// System instructions: task switches (§25.2), IRET and NMI blocking (§25.3), STI / MOV SS blocking, software interrupts, FPU/SSE.
import { describe, expect, it } from 'vitest';
import { decodeQualification } from '../../../../spec/vtx/exit-information/qualification.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import {
  cites, control, controls, cpu, expectExit, expectFault, expectRetired, GUEST_LAYOUT, gprs, guest, run, withMemory, withVmcs,
} from './test-support.js';

const RAX = 0, RCX = 1, RDX = 2, RSP = 4;
const IF = 1n << 9n, NT = 1n << 14n;
const GDT = GUEST_LAYOUT.gdt;
const TSS = GUEST_LAYOUT.tss;

/** A 32-bit protected-mode guest without paging, and in its GDT: an available TSS at 40H, a task gate to it at 48H, a busy TSS at 50H. */
const legacy = (): VtxState => {
  const s = guest();
  const tss = (type: bigint) => 0x67n | ((TSS & 0xff_ffffn) << 16n) | ((0x80n | type) << 40n);
  const withGdt = withMemory(s, [[GDT + 0x40n, tss(9n)], [GDT + 0x48n, (0x40n << 16n) | (0x85n << 40n)], [GDT + 0x50n, tss(0xbn)]]);
  return cpu(withGdt, {
    cr0: 0x11n, cr4: 0x2000n, efer: 0n, csL: false,
    segments: { ...withGdt.cpu.segments, cs: { ...withGdt.cpu.segments.cs, accessRights: 0xc09b } },
  });
};
const taskQual = (q: bigint) => {
  const d = decodeQualification(9, q)!;
  return [Number(d.fields['selector']!.value), d.fields['source']!.label];
};

describe('task switches', () => {
  it('EXIT.TASKSWITCH: exits: JMP FAR to an available TSS — selector and source JMP, instruction length recorded', () => {
    const e = expectExit(run(legacy(), { op: 'JMP_FAR', selector: 0x40 }), 9);
    expect(taskQual(e.qualification)).toEqual([0x40, 'JMP instruction']);
    expect(e.instructionLength).toBe(7);
  });
  it('EXIT.TASKSWITCH: exits: CALL FAR through a task gate reports the TSS selector of the gate', () => {
    const e = expectExit(run(legacy(), { op: 'CALL_FAR', selector: 0x48 }), 9);
    expect(taskQual(e.qualification)).toEqual([0x40, 'CALL instruction']);
  });
  it('EXIT.TASKSWITCH: exits: IRET with NT = 1 switches back to the busy TSS of the previous-task link', () => {
    const s = legacy();
    const linked = withMemory(cpu(s, { rflags: s.cpu.rflags | NT }), [[TSS, 0x50n]]);
    const e = expectExit(run(linked, { op: 'IRET' }), 9);
    expect(taskQual(e.qualification)).toEqual([0x50, 'IRET instruction']);
  });
  it('EXIT.TASKSWITCH: does not exit: JMP FAR to a busy TSS is #GP(selector) before any task switch', () => {
    // The exception bitmap takes the #GP as an exit, so its error code is visible whatever the guest IDT holds.
    const r = run(withVmcs(legacy(), { EXCEPTION_BITMAP: 1n << 13n }), { op: 'JMP_FAR', selector: 0x50 });
    const e = expectExit(r, 0);
    expect([e.interruptionInfo & 0xff, e.interruptionErrorCode]).toEqual([13, 0x50]);
    expect(cites(r, 'EXIT.TASKSWITCH')).toBe(true);
  });
  it('EXIT.TASKSWITCH: does not exit: IA-32e mode has no task switching (#GP(selector))', () => {
    const s = withMemory(guest(), [[GDT + 0x40n, 0x67n | (0x89n << 40n)], [GDT + 0x48n, 0n]]);
    expectFault(run(s, { op: 'JMP_FAR', selector: 0x40 }), 13);
  });
});

describe('IRET and NMI blocking', () => {
  /** An IRETQ frame on the stack returning to RIP 401000H in the same ring. */
  const frame = (s = guest()): VtxState => {
    const sp = 0x17fd8n;
    return gprs(withMemory(s, [[sp, 0x40_1000n], [sp + 8n, 0x08n], [sp + 16n, 0x202n], [sp + 24n, 0x18000n], [sp + 32n, 0x10n]]), { [RSP]: sp });
  };
  const blocked = (s: VtxState) => cpu(s, { blockingByNmi: true });

  it('CHANGED.IRET.NMI: with "NMI exiting" = 0, IRET unblocks NMIs and returns', () => {
    const r = run(blocked(frame()), { op: 'IRET' });
    const after = expectRetired(r);
    expect([after.cpu.blockingByNmi, after.cpu.rip, after.cpu.rflags, after.cpu.rsp]).toEqual([false, 0x40_1000n, 0x202n, 0x18000n]);
    expect(cites(r, 'CHANGED.IRET.NMI')).toBe(true);
  });
  it('CHANGED.IRET.NMI: with "NMI exiting" = 1 (virtual NMIs 0), IRET leaves NMI blocking in place', () => {
    const after = expectRetired(run(blocked(control(frame(), 'pin.NMI_EXITING')), { op: 'IRET' }));
    expect(after.cpu.blockingByNmi).toBe(true);
  });
  it('CHANGED.IRET.VNMI: with "virtual NMIs" = 1, IRET removes virtual-NMI blocking', () => {
    const r = run(blocked(controls(frame(), 'pin.NMI_EXITING', 'pin.VIRTUAL_NMIS')), { op: 'IRET' });
    expect(expectRetired(r).cpu.blockingByNmi).toBe(false);
    expect(cites(r, 'CHANGED.IRET.VNMI')).toBe(true);
  });
  it('CHANGED.IRET.VNMI: the unblocking happens even when IRET faults (misaligned stack: #GP)', () => {
    const s = gprs(blocked(controls(frame(), 'pin.NMI_EXITING', 'pin.VIRTUAL_NMIS')), { [RSP]: 0x17fd9n });
    const r = run(s, { op: 'IRET' });
    expectFault(r, 13);
    expect(r.state.cpu.blockingByNmi).toBe(false);
  });
});

describe('interruptibility: STI and MOV SS', () => {
  it('STI with IF = 0 sets IF and blocking by STI; the next instruction ends the blocking', () => {
    const after = expectRetired(run(guest(), { op: 'STI' }));
    expect([after.cpu.rflags & IF, after.cpu.blockingBySti]).toEqual([IF, true]);
    expect(expectRetired(run(after, { op: 'NOP' })).cpu.blockingBySti).toBe(false);
  });
  it('STI with IF already 1 does not block', () => {
    const s = guest();
    expect(expectRetired(run(cpu(s, { rflags: s.cpu.rflags | IF }), { op: 'STI' })).cpu.blockingBySti).toBe(false);
  });
  it('MOV SS loads SS from the GDT and blocks for one instruction', () => {
    const after = expectRetired(run(gprs(guest(), { [RAX]: 0x10n }), { op: 'MOV_TO_SS', src: RAX }));
    expect([after.cpu.blockingByMovSs, after.cpu.segments.ss.selector]).toEqual([true, 0x10]);
  });
  it('CLI at CPL 3 > IOPL is #GP(0)', () => {
    const s = guest();
    expectFault(run(cpu(s, { cpl: 3 }), { op: 'CLI' }), 13);
  });
});

describe('software interrupts, #UD, FPU and SSE', () => {
  it('INT3 is a software exception of vector 3 with its instruction length', () => {
    expect(run(guest(), { op: 'INT3' }).observation).toMatchObject({ vector: 3 });
  });
  it('PUSH CS and INTO are #UD in 64-bit mode; UD2 is #UD', () => {
    expectFault(run(guest(), { op: 'PUSH_CS' }), 6);
    expectFault(run(guest(), { op: 'INTO' }), 6);
    expectFault(run(guest(), { op: 'UD2' }), 6);
  });
  it('x87 use with CR0.TS = 1 is #NM; SSE with CR4.OSFXSR = 0 is #UD, with OSFXSR = 1 and TS = 1 #NM', () => {
    const s = guest();
    const ts = cpu(s, { cr0: s.cpu.cr0 | 8n });
    expectFault(run(ts, { op: 'FPU' }), 7);
    expectFault(run(ts, { op: 'SSE' }), 6);
    expectFault(run(cpu(ts, { cr4: ts.cpu.cr4 | (1n << 9n) }), { op: 'SSE' }), 7);
    expectRetired(run(s, { op: 'FPU' }));
  });
  it('SYSENTER enters ring 0 at IA32_SYSENTER_EIP; SYSEXIT returns to ring 3 at RDX', () => {
    const s = cpu(guest(), { msrs: new Map([[0x174, 0x08n], [0x175, 0x9000n], [0x176, 0x50_0000n]]) });
    const entered = expectRetired(run(cpu(s, { cpl: 3 }), { op: 'SYSENTER' }));
    expect([entered.cpu.cpl, entered.cpu.rip, entered.cpu.rsp, entered.cpu.segments.cs.selector]).toEqual([0, 0x50_0000n, 0x9000n, 0x08]);
    const left = expectRetired(run(gprs(entered, { [RDX]: 0x40_2000n, [RCX]: 0x7000n }), { op: 'SYSEXIT' }));
    expect([left.cpu.cpl, left.cpu.rip, left.cpu.rsp, left.cpu.segments.cs.selector, left.cpu.segments.ss.selector]).toEqual([3, 0x40_2000n, 0x7000n, 0x2b, 0x33]);
  });
});
