/**
 * Guest paging and EPT in the reference CPU (Vol. 3A ch. 4; §28.2): #PF error codes, accessed and
 * dirty flags, EPT violations with their qualification and addresses, misconfigurations, EPT A/D.
 */
import { describe, expect, it } from 'vitest';
import { readMemory64 } from '../../../../spec/vtx/state.js';
import { PROTECTED, protectedGuest } from '../../../../conformance/vtx/non-root/arbitraries.js';
import { cpl3, exitOf, fields, guest, GUEST_LAYOUT as L, ins, on, regs, run, SKYLAKE, words } from './test-support.js';

const EPTP = L.eptPml4 | (3n << 3n) | 6n;
const ept = [on('proc2.ENABLE_EPT'), fields({ EPT_POINTER: EPTP })];
const DATA = 0x20_0000n; // PD entry 1 (2 MiB page), EPT PD entry 1
const load = ins({ op: 'LOAD', size: 8, dst: 1, mem: { base: 3, disp: 0n } });
const store = ins({ op: 'STORE', size: 8, src: 1, mem: { base: 3, disp: 0n } });

describe('guest paging', () => {
  it('EXIT.EXCEPTION.PF: does not exit: a user write to a supervisor page is #PF with P, W, U', () => {
    expect(run(guest(SKYLAKE, cpl3, regs({ 3: DATA }), words([L.pd + 8n, DATA | 0x83n])), store).o)
      .toEqual({ kind: 'delivered', vector: 14, type: 'hardware-exception', errorCode: 7 });
  });
  it('EXIT.EXCEPTION.PF: does not exit: a reserved bit in the PDE gives RSVD (error code 9 for a read)', () => {
    expect(run(guest(SKYLAKE, regs({ 3: DATA }), words([L.pd + 8n, DATA | 0xe7n | (1n << 50n)])), load).o)
      .toMatchObject({ kind: 'delivered', vector: 14, errorCode: 9 });
  });
  it('EXIT.EXCEPTION.PF: does not exit: a write sets the accessed and dirty flags of the PDE', () => {
    const r = run(guest(SKYLAKE, regs({ 3: DATA }), words([L.pd + 8n, DATA | 0x87n])), store);
    expect(r.o.kind).toBe('retired');
    expect(readMemory64(r.after.memory, L.pd + 8n)).toBe(DATA | 0xe7n);
  });
  it('PAGING.32BIT: a 4-MiB page takes physical-address bits 39:32 from PDE bits 20:13; PDE bit 21 is reserved', () => {
    // PDE 4 (linear 16 MiB) in the low half of the word at PD + 10H; MAXPHYADDR 40 on this profile.
    const pde4 = (pde: bigint) => guest(SKYLAKE, protectedGuest, words([PROTECTED.pd + 0x10n, pde], [0x1_0000_0008n, 0x1122_3344n]),
      regs({ 3: 0x100_0008n }), fields({ EXCEPTION_BITMAP: 1n << 14n }));
    const ok = run(pde4((1n << 13n) | 0xe7n), ins({ op: 'LOAD', size: 4, dst: 1, mem: { base: 3, disp: 0n } }));
    expect(ok.o).toEqual({ kind: 'retired' });
    expect(ok.after.cpu.gpr[1]).toBe(0x1122_3344n);
    const bad = run(pde4((1n << 21n) | 0xe7n), ins({ op: 'LOAD', size: 4, dst: 1, mem: { base: 3, disp: 0n } }));
    expect(exitOf(bad.o)).toMatchObject({ reason: 0, qualification: 0x100_0008n, interruptionErrorCode: 9 });
  });
  it('PRIORITY.OPERAND: does not exit: a misaligned operand is #GP(0)', () => {
    expect(run(guest(SKYLAKE, regs({ 3: DATA + 4n })), load).o).toMatchObject({ kind: 'delivered', vector: 13, errorCode: 0 });
  });
});

describe('EPT', () => {
  it('EXIT.EPT.VIOLATION: exits: a write to a read-only EPT page; qualification, both addresses', () => {
    const r = run(guest(SKYLAKE, ...ept, regs({ 3: DATA + 0x18n }), words([L.eptPd + 8n, DATA | 0x80n | (6n << 3n) | 5n])), store);
    expect(exitOf(r.o)).toMatchObject({ reason: 48, qualification: 0x1aan, guestLinearAddress: DATA + 0x18n, guestPhysicalAddress: DATA + 0x18n });
    expect(r.field('GUEST_RFLAGS') & 0x1_0000n).toBe(0x1_0000n);
  });
  it('EXIT.EPT.VIOLATION: does not exit: a read of the same read-only page', () => {
    expect(run(guest(SKYLAKE, ...ept, regs({ 3: DATA }), words([L.eptPd + 8n, DATA | 0x80n | (6n << 3n) | 5n])), load).o.kind).toBe('retired');
  });
  it('EXIT.EPT.VIOLATION: exits: a not-present EPT entry met while reading a guest paging structure (bit 8 = 0)', () => {
    const r = run(guest(SKYLAKE, ...ept, regs({ 3: DATA }), words([L.eptPd, 0n])), load);
    expect(exitOf(r.o)).toMatchObject({ reason: 48, qualification: 0x81n, guestPhysicalAddress: L.pml4 });
  });
  it('EXIT.EPT.MISCONFIG: exits: write-without-read in an EPT entry', () => {
    const r = run(guest(SKYLAKE, ...ept, regs({ 3: DATA }), words([L.eptPd + 8n, DATA | 0x80n | (6n << 3n) | 2n])), load);
    expect(exitOf(r.o)).toMatchObject({ reason: 49, qualification: 0n, guestPhysicalAddress: DATA });
  });
  it('EXIT.EPT.MISCONFIG: does not exit: memory type 6 (WB) is valid', () => {
    expect(run(guest(SKYLAKE, ...ept, regs({ 3: DATA })), load).o.kind).toBe('retired');
  });
  it('EXIT.EPT.VIOLATION.AD: exits: with EPTP[6] guest paging-structure reads count as writes', () => {
    const s = guest(SKYLAKE, on('proc2.ENABLE_EPT'), fields({ EPT_POINTER: EPTP | 0x40n }), regs({ 3: DATA }), words([L.eptPd, 0x80n | (6n << 3n) | 5n]));
    expect(exitOf(run(s, load).o)).toMatchObject({ reason: 48, qualification: 0xabn, guestPhysicalAddress: L.pml4 });
  });
  it('EXIT.EPT.VIOLATION.AD: does not exit: the accessed flags of the EPT entries used are set', () => {
    const r = run(guest(SKYLAKE, on('proc2.ENABLE_EPT'), fields({ EPT_POINTER: EPTP | 0x40n }), regs({ 3: DATA })), load);
    expect(r.o.kind).toBe('retired');
    expect(readMemory64(r.after.memory, L.eptPd + 8n) & 0x100n).toBe(0x100n);
    expect(readMemory64(r.after.memory, L.eptPd) & 0x300n).toBe(0x300n); // guest paging structures: A and D
  });
});
