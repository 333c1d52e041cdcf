/**
 * RDMSR and WRMSR (SDM §25.1.3): CPL > 0 is #GP(0) first (PRIORITY.CPL); then "use MSR bitmaps" = 0
 * exits every access, an ECX outside 00000000H–00001FFFH and C0000000H–C0001FFFH always exits, and
 * otherwise the bit of the read/write bitmap for low or high MSRs decides (§24.6.9). Without an exit
 * RDMSR of IA32_TIME_STAMP_COUNTER applies TSC offsetting (CHANGED.RDMSR.TSC); other MSRs per
 * ../msr-access.ts; an MSR that cannot be read or written is #GP(0).
 * Rules: EXIT.RDMSR.NOBITMAP, EXIT.WRMSR.NOBITMAP, EXIT.RDMSR.OUTSIDE, EXIT.WRMSR.OUTSIDE,
 * EXIT.RDMSR.BITMAP.LOW, EXIT.RDMSR.BITMAP.HIGH, EXIT.WRMSR.BITMAP.LOW, EXIT.WRMSR.BITMAP.HIGH.
 */
import type { GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import { readMsr, wrmsrAccepted, writeMsr } from '../msr-access.js';
import type { Guest } from '../guest.js';
import { gp0, instructionExit, requireCpl0, type Exec } from './common.js';
import { guestTsc } from './time.js';

const msrExits = (g: Guest, index: number, write: boolean): boolean => {
  if (!g.on('proc.USE_MSR_BITMAPS')) return true;
  const low = index <= 0x1fff;
  const high = index >= 0xc000_0000 && index <= 0xc000_1fff;
  if (!low && !high) return true;
  const offset = (write ? 2048n : 0n) + (high ? 1024n : 0n);
  const n = index & 0x1fff;
  const byte = g.m.read8(g.f('MSR_BITMAP') + offset + BigInt(n >> 3));
  return ((byte >> (n & 7)) & 1) === 1;
};

export const executeMsr = (g: Guest, i: GuestInstruction, x: Exec): boolean => {
  if (i.op !== 'RDMSR' && i.op !== 'WRMSR') return false;
  requireCpl0(g);
  const index = Number(g.reg(1) & 0xffff_ffffn);
  if (i.op === 'RDMSR') {
    if (msrExits(g, index, false)) instructionExit(g, x, 31);
    const value = index === 0x10 ? guestTsc(g) : readMsr(g.m, index);
    if (value === null) throw gp0();
    g.setReg32(0, value & 0xffff_ffffn);
    g.setReg32(2, value >> 32n);
    return true;
  }
  if (msrExits(g, index, true)) instructionExit(g, x, 32);
  const value = ((g.reg(2) & 0xffff_ffffn) << 32n) | (g.reg(0) & 0xffff_ffffn);
  if (!wrmsrAccepted(g.cpu, g.caps, index, value)) throw gp0();
  writeMsr(g.m, index, value);
  return true;
};
