/**
 * The reference CPU on control registers (§25.1.3, §25.3), I/O instructions and MSR accesses:
 * exits with their qualification, and the changed behaviour without exits.
 */
import { describe, expect, it } from 'vitest';
import {
  bitmapBit, cpu, exitOf, fields, guest, GUEST_LAYOUT as L, ins, on, regs, run, SKYLAKE,
} from './test-support.js';

const CR0 = 0x8000_0031n;

describe('control registers', () => {
  it('EXIT.CR0.WRITE.MASK: exits: MOV CR0, RBX changes masked TS; qualification CR0, MOV to CR, RBX', () => {
    const s = guest(SKYLAKE, fields({ CR0_GUEST_HOST_MASK: 0x8n, CR0_READ_SHADOW: 0n }), regs({ 3: CR0 | 0x8n }));
    const e = exitOf(run(s, ins({ op: 'MOV_TO_CR', cr: 0, src: 3 })).o);
    expect(e).toMatchObject({ reason: 28, qualification: 0x300n, instructionLength: 3 });
  });
  it('EXIT.CR0.WRITE.MASK: does not exit: only unmasked bits change (MP)', () => {
    const s = guest(SKYLAKE, fields({ CR0_GUEST_HOST_MASK: 0x8n, CR0_READ_SHADOW: 0n }), regs({ 3: CR0 | 0x2n }));
    const r = run(s, ins({ op: 'MOV_TO_CR', cr: 0, src: 3 }));
    expect(r.o.kind).toBe('retired');
    expect(r.after.cpu.cr0).toBe(CR0 | 0x2n);
  });
  it('CHANGED.CR0.WRITE: a masked bit keeps its value when the source matches the shadow', () => {
    const s = guest(SKYLAKE, cpu({ cr0: CR0 | 0x8n }), fields({ CR0_GUEST_HOST_MASK: 0x8n, CR0_READ_SHADOW: 0n }), regs({ 3: CR0 }));
    expect(run(s, ins({ op: 'MOV_TO_CR', cr: 0, src: 3 })).after.cpu.cr0).toBe(CR0 | 0x8n);
  });
  it('CHANGED.CR0.READ: MOV from CR0 returns the read-shadow bits where the mask is 1', () => {
    const s = guest(SKYLAKE, fields({ CR0_GUEST_HOST_MASK: 0x8n, CR0_READ_SHADOW: 0x8n }));
    expect(run(s, ins({ op: 'MOV_FROM_CR', cr: 0, dst: 1 })).after.cpu.gpr[1]).toBe(CR0 | 0x8n);
  });
  it('CHANGED.SMSW: SMSW sees the read shadow as well', () => {
    const s = guest(SKYLAKE, fields({ CR0_GUEST_HOST_MASK: 0x1n, CR0_READ_SHADOW: 0n }));
    expect(run(s, ins({ op: 'SMSW', dst: 1 })).after.cpu.gpr[1]).toBe(CR0 & ~1n);
  });
  it('EXIT.CR4.WRITE.MASK: exits: MOV CR4 sets masked PGE', () => {
    const s = guest(SKYLAKE, fields({ CR4_GUEST_HOST_MASK: 0x80n, CR4_READ_SHADOW: 0n }), regs({ 2: 0x20a0n }));
    expect(exitOf(run(s, ins({ op: 'MOV_TO_CR', cr: 4, src: 2 })).o)).toMatchObject({ reason: 28, qualification: 0x204n });
  });
  it('EXIT.CR4.WRITE.MASK: does not exit: masked bits equal the shadow', () => {
    const s = guest(SKYLAKE, fields({ CR4_GUEST_HOST_MASK: 0x80n, CR4_READ_SHADOW: 0x80n }), regs({ 2: 0x20a0n }));
    const r = run(s, ins({ op: 'MOV_TO_CR', cr: 4, src: 2 }));
    expect(r.o.kind).toBe('retired');
    expect(r.after.cpu.cr4).toBe(0x2020n); // CHANGED.CR4.WRITE: PGE belongs to the VMM
  });
  it('CHANGED.CR4.READ: MOV from CR4 returns shadow bits under the mask', () => {
    const s = guest(SKYLAKE, fields({ CR4_GUEST_HOST_MASK: 0x2000n, CR4_READ_SHADOW: 0n }));
    expect(run(s, ins({ op: 'MOV_FROM_CR', cr: 4, dst: 0 })).after.cpu.gpr[0]).toBe(0x20n);
  });
  it('EXIT.CLTS: exits: mask.TS = shadow.TS = 1', () => {
    const s = guest(SKYLAKE, fields({ CR0_GUEST_HOST_MASK: 0x8n, CR0_READ_SHADOW: 0x8n }));
    expect(exitOf(run(s, ins({ op: 'CLTS' })).o)).toMatchObject({ reason: 28, qualification: 0x20n, instructionLength: 2 });
  });
  it('EXIT.CLTS: does not exit: mask.TS = 1, shadow.TS = 0 leaves CR0.TS (CHANGED.CLTS)', () => {
    const s = guest(SKYLAKE, cpu({ cr0: CR0 | 8n }), fields({ CR0_GUEST_HOST_MASK: 0x8n, CR0_READ_SHADOW: 0n }));
    const r = run(s, ins({ op: 'CLTS' }));
    expect(r.o.kind).toBe('retired');
    expect(r.after.cpu.cr0).toBe(CR0 | 8n);
  });
  it('EXIT.LMSW: exits: LMSW [RBX] sets masked PE over shadow 0; source data in 31:16, memory operand, linear address', () => {
    const s = guest(SKYLAKE, fields({ CR0_GUEST_HOST_MASK: 0x1n, CR0_READ_SHADOW: 0n }), regs({ 3: 0x20_0000n }), (t) => ({ ...t, memory: new Map(t.memory).set(0x20_0000n, 0x3n) }));
    expect(exitOf(run(s, ins({ op: 'LMSW', mem: { base: 3, disp: 0n } })).o))
      .toMatchObject({ reason: 28, qualification: 0x3_0070n, guestLinearAddress: 0x20_0000n });
  });
  it('EXIT.LMSW: does not exit: clearing masked PE is impossible, so no exit (CHANGED.LMSW)', () => {
    const s = guest(SKYLAKE, fields({ CR0_GUEST_HOST_MASK: 0x1n, CR0_READ_SHADOW: 1n }), regs({ 3: 0x2n }));
    const r = run(s, ins({ op: 'LMSW', src: 3 }));
    expect(r.o.kind).toBe('retired');
    expect(r.after.cpu.cr0).toBe(CR0 | 0x2n);
  });
  it('EXIT.CR3.LOAD.TARGET: exits: CR3-load exiting, source not among the 1 target', () => {
    const s = guest(SKYLAKE, on('proc.CR3_LOAD_EXITING'), fields({ CR3_TARGET_COUNT: 1n, CR3_TARGET_VALUE0: 0x4000n }), regs({ 5: 0x8000n }));
    expect(exitOf(run(s, ins({ op: 'MOV_TO_CR', cr: 3, src: 5 })).o)).toMatchObject({ reason: 28, qualification: 0x503n });
  });
  it('EXIT.CR3.LOAD.TARGET: does not exit: the source equals CR3-target value 0', () => {
    const s = guest(SKYLAKE, on('proc.CR3_LOAD_EXITING'), fields({ CR3_TARGET_COUNT: 1n, CR3_TARGET_VALUE0: 0x8000n }), regs({ 5: 0x8000n }));
    expect(run(s, ins({ op: 'MOV_TO_CR', cr: 3, src: 5 })).after.cpu.cr3).toBe(0x8000n);
  });
  it('EXIT.CR3.STORE: exits: MOV RDX, CR3 with CR3-store exiting', () => {
    expect(exitOf(run(guest(SKYLAKE, on('proc.CR3_STORE_EXITING')), ins({ op: 'MOV_FROM_CR', cr: 3, dst: 2 })).o)).toMatchObject({ reason: 28, qualification: 0x213n });
  });
  it('EXIT.CR3.STORE: does not exit: MOV RDX, CR3 reads CR3', () => {
    expect(run(guest(), ins({ op: 'MOV_FROM_CR', cr: 3, dst: 2 })).after.cpu.gpr[2]).toBe(L.pml4);
  });
  it('EXIT.CR8.LOAD: exits: MOV CR8 with CR8-load exiting', () => {
    expect(exitOf(run(guest(SKYLAKE, on('proc.CR8_LOAD_EXITING')), ins({ op: 'MOV_TO_CR', cr: 8, src: 1 })).o)).toMatchObject({ reason: 28, qualification: 0x108n, instructionLength: 4 });
  });
  it('EXIT.CR8.LOAD: does not exit: with the TPR shadow, MOV CR8 writes VTPR (CHANGED.CR8.WRITE)', () => {
    const s = guest(SKYLAKE, on('proc.USE_TPR_SHADOW'), regs({ 1: 0x9n }));
    const r = run(s, ins({ op: 'MOV_TO_CR', cr: 8, src: 1 }));
    expect(r.o.kind).toBe('retired');
    expect((r.after.memory.get(L.virtualApic + 0x80n) ?? 0n) & 0xffff_ffffn).toBe(0x90n);
  });
  it('EXIT.CR8.STORE: exits: MOV from CR8 with CR8-store exiting', () => {
    expect(exitOf(run(guest(SKYLAKE, on('proc.CR8_STORE_EXITING')), ins({ op: 'MOV_FROM_CR', cr: 8, dst: 0 })).o)).toMatchObject({ reason: 28, qualification: 0x18n });
  });
  it('EXIT.CR8.STORE: does not exit: with the TPR shadow MOV from CR8 reads VTPR[7:4] (CHANGED.CR8.READ)', () => {
    const s = guest(SKYLAKE, on('proc.USE_TPR_SHADOW'), (t) => ({ ...t, memory: new Map(t.memory).set(L.virtualApic + 0x80n, 0xa7n) }));
    expect(run(s, ins({ op: 'MOV_FROM_CR', cr: 8, dst: 0 })).after.cpu.gpr[0]).toBe(0xan);
  });
  it('EXIT.TPR.BELOW.THRESHOLD: exits: VTPR[7:4] = 2 below threshold 5, trap-like (RIP after the MOV)', () => {
    const s = guest(SKYLAKE, on('proc.USE_TPR_SHADOW'), fields({ TPR_THRESHOLD: 5n }), regs({ 1: 2n }));
    const r = run(s, ins({ op: 'MOV_TO_CR', cr: 8, src: 1 }));
    expect(exitOf(r.o)).toMatchObject({ reason: 43, qualification: 0n });
    expect(r.field('GUEST_RIP')).toBe(L.rip + 4n);
  });
  it('EXIT.TPR.BELOW.THRESHOLD: does not exit: VTPR[7:4] = 5 equals threshold 5', () => {
    const s = guest(SKYLAKE, on('proc.USE_TPR_SHADOW'), fields({ TPR_THRESHOLD: 5n }), regs({ 1: 5n }));
    expect(run(s, ins({ op: 'MOV_TO_CR', cr: 8, src: 1 })).o.kind).toBe('retired');
  });
});

describe('I/O instructions', () => {
  it('EXIT.IO.UNCONDITIONAL: exits: OUT 80H, AL; qualification size 1, OUT, immediate, port', () => {
    expect(exitOf(run(guest(SKYLAKE, on('proc.UNCONDITIONAL_IO_EXITING')), ins({ op: 'OUT', size: 1, port: 0x80 })).o))
      .toMatchObject({ reason: 30, qualification: 0x80_0040n, instructionLength: 2 });
  });
  it('EXIT.IO.UNCONDITIONAL: does not exit: IN AL, 60H reads all ones', () => {
    const r = run(guest(), ins({ op: 'IN', size: 1, port: 0x60 }));
    expect(r.o.kind).toBe('retired');
    expect(r.after.cpu.gpr[0]).toBe(0xffn);
  });
  it('EXIT.IO.BITMAP: exits: a 2-byte IN from DX = 5FH straddles the set bit of port 60H', () => {
    const s = guest(SKYLAKE, on('proc.USE_IO_BITMAPS'), bitmapBit(L.ioBitmapA, 0x60), regs({ 2: 0x5fn }));
    expect(exitOf(run(s, ins({ op: 'IN', size: 2, port: 'dx' })).o)).toMatchObject({ reason: 30, qualification: 0x5f_0009n });
  });
  it('EXIT.IO.BITMAP: does not exit: unconditional I/O exiting is ignored with bitmaps, bit 61H clear', () => {
    const s = guest(SKYLAKE, on('proc.USE_IO_BITMAPS', 'proc.UNCONDITIONAL_IO_EXITING'), bitmapBit(L.ioBitmapA, 0x60));
    expect(run(s, ins({ op: 'OUT', size: 1, port: 0x61 })).o.kind).toBe('retired');
  });
  it('EXIT.IO.BITMAP.WRAP: exits: a 4-byte OUT to port FFFEH wraps', () => {
    const s = guest(SKYLAKE, on('proc.USE_IO_BITMAPS'), regs({ 2: 0xfffen }));
    expect(exitOf(run(s, ins({ op: 'OUT', size: 4, port: 'dx' })).o)).toMatchObject({ reason: 30, qualification: 0xfffe_0003n });
  });
  it('EXIT.IO.BITMAP.WRAP: does not exit: a 2-byte OUT to port FFFEH ends at FFFFH', () => {
    const s = guest(SKYLAKE, on('proc.USE_IO_BITMAPS'), regs({ 2: 0xfffen }));
    expect(run(s, ins({ op: 'OUT', size: 2, port: 'dx' })).o.kind).toBe('retired');
  });
  it('PRIORITY.INSOUTS: exits: REP OUTSW reports string, REP, the guest-linear address and instruction information', () => {
    const s = guest(SKYLAKE, on('proc.UNCONDITIONAL_IO_EXITING'), regs({ 2: 0x3f8n, 6: 0x20_0000n, 1: 2n }));
    expect(exitOf(run(s, ins({ op: 'OUTS', size: 2, rep: true })).o))
      .toMatchObject({ reason: 30, qualification: 0x3f8_0031n, guestLinearAddress: 0x20_0000n, instructionLength: 3, instructionInfo: (2 << 7) | (3 << 15) });
  });
  it('PRIORITY.IO.TSS: does not exit: at CPL 3 > IOPL the TSS bitmap check #GP comes first', () => {
    const s = guest(SKYLAKE, on('proc.UNCONDITIONAL_IO_EXITING'), (t) => ({
      ...t, cpu: { ...t.cpu, cpl: 3, segments: { ...t.cpu.segments, cs: { selector: 0x2b, base: 0n, limit: 0xffff_ffff, accessRights: 0xa0fb }, ss: { selector: 0x33, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0f3 } } },
    }));
    expect(run(s, ins({ op: 'OUT', size: 1, port: 0x80 })).o).toMatchObject({ kind: 'delivered', vector: 13 });
  });
});

describe('RDMSR and WRMSR', () => {
  const bitmaps = on('proc.USE_MSR_BITMAPS');
  it('EXIT.RDMSR.NOBITMAP: exits: without MSR bitmaps every RDMSR exits', () => {
    expect(exitOf(run(guest(SKYLAKE, regs({ 1: 0x277n })), ins({ op: 'RDMSR' })).o)).toMatchObject({ reason: 31, qualification: 0n, instructionLength: 2 });
  });
  it('EXIT.RDMSR.NOBITMAP: does not exit: with MSR bitmaps and a clear bit', () => {
    expect(run(guest(SKYLAKE, bitmaps, regs({ 1: 0x277n })), ins({ op: 'RDMSR' })).o.kind).toBe('retired');
  });
  it('EXIT.WRMSR.NOBITMAP: exits: without MSR bitmaps every WRMSR exits', () => {
    expect(exitOf(run(guest(SKYLAKE, regs({ 1: 0x277n })), ins({ op: 'WRMSR' })).o)).toMatchObject({ reason: 32 });
  });
  it('EXIT.WRMSR.NOBITMAP: does not exit: WRMSR IA32_SYSENTER_CS with bitmaps', () => {
    const r = run(guest(SKYLAKE, bitmaps, regs({ 1: 0x174n, 0: 0x10n })), ins({ op: 'WRMSR' }));
    expect(r.o.kind).toBe('retired');
    expect(r.after.cpu.msrs.get(0x174)).toBe(0x10n);
  });
  it('EXIT.RDMSR.OUTSIDE: exits: ECX = 40000000H is outside both ranges', () => {
    expect(exitOf(run(guest(SKYLAKE, bitmaps, regs({ 1: 0x4000_0000n })), ins({ op: 'RDMSR' })).o)).toMatchObject({ reason: 31 });
  });
  it('EXIT.RDMSR.OUTSIDE: does not exit: ECX = 1FFFH is the last low MSR (not present: #GP)', () => {
    expect(run(guest(SKYLAKE, bitmaps, regs({ 1: 0x1fffn })), ins({ op: 'RDMSR' })).o).toMatchObject({ kind: 'delivered', vector: 13 });
  });
  it('EXIT.WRMSR.OUTSIDE: exits: ECX = C0002000H', () => {
    expect(exitOf(run(guest(SKYLAKE, bitmaps, regs({ 1: 0xc000_2000n })), ins({ op: 'WRMSR' })).o)).toMatchObject({ reason: 32 });
  });
  it('EXIT.WRMSR.OUTSIDE: does not exit: ECX = C0001FFFH (not an MSR: #GP)', () => {
    expect(run(guest(SKYLAKE, bitmaps, regs({ 1: 0xc000_1fffn })), ins({ op: 'WRMSR' })).o).toMatchObject({ kind: 'delivered', vector: 13 });
  });
  it('EXIT.RDMSR.BITMAP.LOW: exits: read-low bit 277H', () => {
    expect(exitOf(run(guest(SKYLAKE, bitmaps, bitmapBit(L.msrBitmap, 0x277), regs({ 1: 0x277n })), ins({ op: 'RDMSR' })).o)).toMatchObject({ reason: 31 });
  });
  it('EXIT.RDMSR.BITMAP.LOW: does not exit: only the write-low bit is set', () => {
    expect(run(guest(SKYLAKE, bitmaps, bitmapBit(L.msrBitmap + 2048n, 0x277), regs({ 1: 0x277n })), ins({ op: 'RDMSR' })).o.kind).toBe('retired');
  });
  it('EXIT.RDMSR.BITMAP.HIGH: exits: read-high bit 80H for IA32_EFER', () => {
    expect(exitOf(run(guest(SKYLAKE, bitmaps, bitmapBit(L.msrBitmap + 1024n, 0x80), regs({ 1: 0xc000_0080n })), ins({ op: 'RDMSR' })).o)).toMatchObject({ reason: 31 });
  });
  it('EXIT.RDMSR.BITMAP.HIGH: does not exit: RDMSR IA32_EFER returns EFER', () => {
    const r = run(guest(SKYLAKE, bitmaps, regs({ 1: 0xc000_0080n })), ins({ op: 'RDMSR' }));
    expect(r.after.cpu.gpr[0]).toBe(0xd00n);
  });
  it('EXIT.WRMSR.BITMAP.LOW: exits: write-low bit 174H', () => {
    expect(exitOf(run(guest(SKYLAKE, bitmaps, bitmapBit(L.msrBitmap + 2048n, 0x174), regs({ 1: 0x174n })), ins({ op: 'WRMSR' })).o)).toMatchObject({ reason: 32 });
  });
  it('EXIT.WRMSR.BITMAP.LOW: does not exit: only the read-low bit is set', () => {
    expect(run(guest(SKYLAKE, bitmaps, bitmapBit(L.msrBitmap, 0x174), regs({ 1: 0x174n })), ins({ op: 'WRMSR' })).o.kind).toBe('retired');
  });
  it('EXIT.WRMSR.BITMAP.HIGH: exits: write-high bit 103H for IA32_TSC_AUX', () => {
    expect(exitOf(run(guest(SKYLAKE, bitmaps, bitmapBit(L.msrBitmap + 3072n, 0x103), regs({ 1: 0xc000_0103n })), ins({ op: 'WRMSR' })).o)).toMatchObject({ reason: 32 });
  });
  it('EXIT.WRMSR.BITMAP.HIGH: does not exit: WRMSR IA32_TSC_AUX stores it', () => {
    const r = run(guest(SKYLAKE, bitmaps, regs({ 1: 0xc000_0103n, 0: 7n })), ins({ op: 'WRMSR' }));
    expect(r.after.cpu.msrs.get(0xc000_0103)).toBe(7n);
  });
  it('CHANGED.RDMSR.TSC: RDMSR of the TSC adds the TSC offset', () => {
    const s = guest(SKYLAKE, bitmaps, on('proc.USE_TSC_OFFSETTING'), fields({ TSC_OFFSET: 0x1_0000_0010n }), cpu({ tsc: 5n }), regs({ 1: 0x10n }));
    const r = run(s, ins({ op: 'RDMSR' }));
    expect([r.after.cpu.gpr[0], r.after.cpu.gpr[2]]).toEqual([0x15n, 1n]);
  });
  it('CHANGED.RDTSC.OFFSET: RDTSC adds the TSC offset; CHANGED.TSC.SCALING multiplies first', () => {
    const s = guest(SKYLAKE, on('proc.USE_TSC_OFFSETTING', 'proc2.USE_TSC_SCALING'), fields({ TSC_OFFSET: 3n, TSC_MULTIPLIER: 2n << 48n }), cpu({ tsc: 10n }));
    expect(run(s, ins({ op: 'RDTSC' })).after.cpu.gpr[0]).toBe(23n);
  });
});
