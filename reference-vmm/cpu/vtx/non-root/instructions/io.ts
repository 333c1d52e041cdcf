/**
 * I/O instructions IN, OUT, INS, OUTS (SDM §25.1.3): the TSS I/O-permission check when CPL > IOPL
 * comes first (PRIORITY.IO.TSS, Vol. 1 §18.5.2), then unconditional I/O exiting or the I/O bitmaps
 * (every port of a multi-byte access; a wrap past FFFFH always exits). INS/OUTS exits come before
 * their memory-operand faults (PRIORITY.INSOUTS). Qualification: Table 27-5; INS/OUTS also report the
 * guest-linear address and the instruction information (Table 27-8). The platform has no devices:
 * reads return all ones, writes go nowhere. REP INS/OUTS do one iteration per step.
 * Rules: EXIT.IO.UNCONDITIONAL, EXIT.IO.BITMAP, EXIT.IO.BITMAP.WRAP, PRIORITY.IO.TSS, PRIORITY.INSOUTS.
 */
import type { GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import { RFLAGS, type Guest } from '../guest.js';
import { linearOf, readLinear, writeLinear } from '../memory.js';
import { addressSizeCode, gp0, instructionExit, type Exec } from './common.js';

const ioPermitted = (g: Guest, port: number, size: number): boolean => {
  if (!g.protectedMode || (g.cpu.cpl <= g.iopl && !g.v86)) return true;
  const tr = g.cpu.segments.tr;
  if (tr.limit < 0x67) return false;
  const mapBase = Number(readLinear(g, tr.base + 0x66n, 2, { align: 1, supervisor: true }));
  const last = mapBase + ((port + size - 1) >> 3);
  if (last + 1 > tr.limit) return false;
  const bits = Number(readLinear(g, tr.base + BigInt(mapBase + (port >> 3)), 2, { align: 1, supervisor: true }));
  return ((bits >> (port & 7)) & ((1 << size) - 1)) === 0;
};

const bitmapExits = (g: Guest, port: number, size: number): boolean => {
  if (port + size - 1 > 0xffff) return true;
  for (let p = port; p < port + size; p++) {
    const base = p < 0x8000 ? g.f('IO_BITMAP_A') : g.f('IO_BITMAP_B');
    const at = base + BigInt((p & 0x7fff) >> 3);
    if (((g.m.read8(at) >> (p & 7)) & 1) === 1) return true;
  }
  return false;
};

const ioExits = (g: Guest, port: number, size: number): boolean =>
  g.on('proc.USE_IO_BITMAPS') ? bitmapExits(g, port, size) : g.on('proc.UNCONDITIONAL_IO_EXITING');

const ALL_ONES = { 1: 0xffn, 2: 0xffffn, 4: 0xffff_ffffn } as const;

export const executeIo = (g: Guest, i: GuestInstruction, x: Exec): boolean => {
  if (i.op !== 'IN' && i.op !== 'OUT' && i.op !== 'INS' && i.op !== 'OUTS') return false;
  const string = i.op === 'INS' || i.op === 'OUTS';
  const input = i.op === 'IN' || i.op === 'INS';
  const fixedPort = 'port' in i && typeof i.port === 'number' ? i.port & 0xff : null;
  const immediate = fixedPort !== null;
  const port = fixedPort ?? Number(g.reg(2) & 0xffffn);
  const size = i.size;
  const rep = 'rep' in i && i.rep;
  if (!ioPermitted(g, port, size)) throw gp0();
  if (ioExits(g, port, size)) {
    const q = BigInt(size - 1) | (input ? 8n : 0n) | (string ? 16n : 0n) | (rep ? 32n : 0n) | (immediate ? 64n : 0n) | (BigInt(port) << 16n);
    if (!string) instructionExit(g, x, 30, { qualification: q });
    const segment = i.op === 'INS' ? 'es' : 'ds';
    const linear = linearOf(g, segment, i.op === 'INS' ? g.operand(7) : g.operand(6));
    // IA32_VMX_BASIC[54]: INS/OUTS exits report instruction information (else the field is undefined).
    // INS/OUTS exits write the guest-linear address of the string operand (VMEXIT.INFO.ADDRESSES).
    const reported = ((g.caps.basic >> 54n) & 1n) === 1n;
    const info = (addressSizeCode(g) << 7) | (i.op === 'OUTS' ? 3 << 15 : 0);
    instructionExit(g, x, 30, { qualification: q, guestLinearAddress: linear, ...(reported ? { instructionInfo: info } : {}) });
  }
  if (!string) {
    if (input) {
      if (size === 4) g.setReg32(0, ALL_ONES[4]);
      else g.setReg(0, (g.reg(0) & ~ALL_ONES[size]) | ALL_ONES[size]);
    }
    return true;
  }
  // One iteration per step: the iterations of a REP string instruction are boundaries at which
  // events may be taken (Vol. 2B REP); RIP moves on with the last one.
  if (rep && g.operand(1) === 0n) return true;
  const step = BigInt(size) * ((g.cpu.rflags & RFLAGS.DF) === 0n ? 1n : -1n);
  if (i.op === 'INS') {
    writeLinear(g, linearOf(g, 'es', g.operand(7)), size, ALL_ONES[size]);
    g.addAddress(7, step);
  } else {
    readLinear(g, linearOf(g, 'ds', g.operand(6)), size);
    g.addAddress(6, step);
  }
  if (rep) {
    g.addAddress(1, -1n);
    x.repeat = g.operand(1) !== 0n;
  }
  return true;
};

