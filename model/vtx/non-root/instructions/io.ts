/**
 * I/O instructions in VMX non-root operation (§25.1.3; rules EXIT.IO.UNCONDITIONAL, EXIT.IO.BITMAP,
 * EXIT.IO.BITMAP.WRAP; priorities PRIORITY.IO.TSS and PRIORITY.INSOUTS). With "use I/O bitmaps" = 0
 * every I/O instruction exits iff "unconditional I/O exiting" = 1; with it 1 the bitmaps decide (A:
 * ports 0000–7FFFH, B: 8000–FFFFH, one bit per port; an access of n bytes at port p touches p … p+n−1)
 * and an access that wraps past FFFFH always exits. The TSS I/O-permission check (CPL > IOPL or
 * virtual-8086 mode, Vol. 1 §18.5.2) comes first; an INS/OUTS exit comes before the faults of its
 * memory access.
 *
 * Exit information (§27.2.1 Table 27-5, §27.2.4): size − 1, direction, string, REP, immediate operand,
 * port; for INS/OUTS the guest-linear address (ES:RDI for INS, DS:RSI for OUTS, when the segment is
 * usable) and, when IA32_VMX_BASIC[54] = 1, the instruction information (address size, segment).
 *
 * Without an exit (the platform has no I/O devices): IN reads all ones, OUT has no effect; INS writes
 * all ones to ES:RDI and OUTS reads DS:RSI, stepping RDI/RSI by the size (down when RFLAGS.DF = 1).
 * A REP INS/OUTS performs one iteration per step and stays at the same RIP until RCX reaches 0 (the
 * iterations are interruptible, Vol. 2 "REP"); RCX = 0 completes at once.
 */
import { match } from 'ts-pattern';
import type { AccessSize, GuestInstruction, IoSize } from '../../../../spec/vtx/guest/instructions.js';
import { readMemory8, type VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { operandLinear, readAt, readSystem, writeAt, type Access } from './access.js';
import { cite, controlOn, field, hex, said } from './controls.js';
import { UNUSABLE } from './descriptors.js';
import { gp, instructionExit, retire, retireWith } from './outcome.js';
import {
  addressSizeCode, in64BitMode, inRealMode, inV86Mode, iopl, reg, SEGMENT_NUMBER, U32, U64, widthMask,
} from './operands.js';

export type IoInstruction = Extract<GuestInstruction, { op: 'IN' | 'OUT' | 'INS' | 'OUTS' }>;

const IO_EXIT = 30;
const RAX = 0, RCX = 1, RDX = 2, RSI = 6, RDI = 7;
const DF = 1n << 10n;

const portOf = (s: VtxState, i: IoInstruction): number =>
  (i.op === 'IN' || i.op === 'OUT') && i.port !== 'dx' ? i.port & 0xff : Number(reg(s, RDX) & 0xffffn);

const ports = (port: number, size: IoSize): number[] => Array.from({ length: size }, (_, k) => port + k);

/** The I/O-permission bit map of the TSS allows the access (Vol. 1 §18.5.2: two bytes at I/O map base + port/8, within TR.limit). */
const tssPermits = (caps: Capabilities, s: VtxState, port: number, size: IoSize): Access<boolean> => {
  const tr = s.cpu.segments.tr;
  const type = tr.accessRights & 0xf;
  if ((tr.accessRights & UNUSABLE) !== 0 || (type !== 9 && type !== 11) || tr.limit < 0x67) return { ok: true, value: false, state: s };
  let state = s;
  const byte = (offset: number): Access<bigint> => {
    const r = readSystem(caps, state, tr.base + BigInt(offset), 1, []);
    if (r.ok) state = r.state;
    return r;
  };
  const lo = byte(0x66);
  if (!lo.ok) return lo;
  const hi = byte(0x67);
  if (!hi.ok) return hi;
  const offset = Number(lo.value | (hi.value << 8n)) + (port >> 3);
  if (offset + 1 > tr.limit) return { ok: true, value: false, state };
  const b0 = byte(offset);
  if (!b0.ok) return b0;
  const b1 = byte(offset + 1);
  if (!b1.ok) return b1;
  const bits = Number(b0.value | (b1.value << 8n));
  return { ok: true, value: (bits & (((1 << size) - 1) << (port & 7))) === 0, state };
};

/** Whether the access exits, with the decisions that say why. */
const ioExits = (s: VtxState, port: number, size: IoSize) => {
  if (!controlOn(s, 'proc.USE_IO_BITMAPS')) {
    const exits = controlOn(s, 'proc.UNCONDITIONAL_IO_EXITING');
    return { exits, decisions: [cite('EXIT.IO.UNCONDITIONAL', `"use I/O bitmaps" = 0, ${said(s, 'proc.UNCONDITIONAL_IO_EXITING')}${exits ? ': exits' : ''}`)] };
  }
  const last = port + size - 1;
  const wraps = last > 0xffff;
  const wrap = cite('EXIT.IO.BITMAP.WRAP', `ports ${hex(port)}–${hex(last)}${wraps ? ' wrap past FFFFH: exits whatever the bitmaps say' : ' do not wrap'}`);
  if (wraps) return { exits: true, decisions: [wrap] };
  const set = ports(port, size).filter((p) => {
    const base = field(s, p < 0x8000 ? 'IO_BITMAP_A' : 'IO_BITMAP_B');
    const n = p & 0x7fff;
    return ((readMemory8(s.memory, base + BigInt(n >> 3)) >> (n & 7)) & 1) === 1;
  });
  const verdict = set.length > 0
    ? `"use I/O bitmaps" = 1: the bitmap bit of port ${set.map((p) => hex(p)).join(', ')} is 1 (access ${hex(port)}–${hex(last)}): exits`
    : `"use I/O bitmaps" = 1: the bitmap bits of ports ${hex(port)}–${hex(last)} are 0 ("unconditional I/O exiting" is ignored)`;
  return { exits: set.length > 0, decisions: [wrap, cite('EXIT.IO.BITMAP', verdict)] };
};

const qualification = (i: IoInstruction, port: number): bigint => {
  const string = i.op === 'INS' || i.op === 'OUTS';
  const input = i.op === 'IN' || i.op === 'INS';
  const immediate = (i.op === 'IN' || i.op === 'OUT') && i.port !== 'dx';
  const rep = string && i.rep;
  return BigInt(i.size - 1) | (input ? 1n << 3n : 0n) | (string ? 1n << 4n : 0n) | (rep ? 1n << 5n : 0n) | (immediate ? 1n << 6n : 0n) | (BigInt(port) << 16n);
};

const stringExitDetails = (caps: Capabilities, s: VtxState, i: Extract<IoInstruction, { op: 'INS' | 'OUTS' }>) => {
  const segment = i.op === 'INS' ? 'es' : 'ds';
  const usable = (s.cpu.segments[segment].accessRights & UNUSABLE) === 0;
  const linear = operandLinear(s, { base: i.op === 'INS' ? RDI : RSI, disp: 0n, segment });
  const infoDefined = ((caps.profile.msrs.IA32_VMX_BASIC >> 54n) & 1n) === 1n;
  return {
    guestLinearAddress: usable ? linear : null,
    // Bits 17:15 name OUTS's segment; for INS they are undefined and written 0, like every undefined bit here.
    instructionInfo: infoDefined ? ((addressSizeCode(s) << 7) | (i.op === 'OUTS' ? SEGMENT_NUMBER.ds << 15 : 0)) >>> 0 : null,
  };
};

/** One iteration of INS/OUTS, or none when a REP prefix meets RCX = 0. */
const stringIteration = (caps: Capabilities, s: VtxState, i: Extract<IoInstruction, { op: 'INS' | 'OUTS' }>, ds: Parameters<typeof retire>[4]): NonRootResult => {
  const addressMask = in64BitMode(s) ? U64 : U32;
  const count = reg(s, RCX) & addressMask;
  if (i.rep && count === 0n) return retire(s, i, s, {}, ds);
  const index = i.op === 'INS' ? RDI : RSI;
  const step = (s.cpu.rflags & DF) !== 0n ? -BigInt(i.size) : BigInt(i.size);
  const linear = operandLinear(s, { base: index, disp: 0n, segment: i.op === 'INS' ? 'es' : 'ds' });
  const access = i.op === 'INS'
    ? writeAt(caps, s, linear, i.size as AccessSize, widthMask(i.size), ds)
    : readAt(caps, s, linear, i.size as AccessSize, ds);
  if (!access.ok) return access.result;
  const after = access.state;
  // Address-size updates of RDI/RSI and RCX: with a 32-bit address size bits 63:32 are undefined (retireWith).
  const bytes = in64BitMode(s) ? 8 : 4;
  const regs = new Map([[index, (reg(s, index) + step) & addressMask]]);
  if (!i.rep) return retireWith(s, i, after, regs, bytes, {}, ds);
  const left = (count - 1n) & addressMask;
  regs.set(RCX, left);
  const done = retireWith(s, i, after, regs, bytes, {}, ds);
  if (left === 0n) return done;
  // More iterations remain: the instruction has not completed, so RIP stays on it.
  const stay = (r: NonRootResult): NonRootResult => ({ ...r, state: { ...r.state, cpu: { ...r.state.cpu, rip: s.cpu.rip } } });
  return { ...stay(done), ...(done.alternatives === undefined ? {} : { alternatives: done.alternatives.map(stay) }) };
};

export const executeIo = (caps: Capabilities, before: VtxState, i: IoInstruction): NonRootResult => {
  const port = portOf(before, i);
  let s = before;
  if (!inRealMode(s) && (inV86Mode(s) || s.cpu.cpl > iopl(s))) {
    const checked = tssPermits(caps, s, port, i.size);
    if (!checked.ok) return checked.result;
    s = checked.state;
    if (!checked.value) {
      return gp(caps, s, [cite('PRIORITY.IO.TSS', `CPL ${s.cpu.cpl} > IOPL ${iopl(s)} and the TSS I/O-permission bit map denies ports ${hex(port)}–${hex(port + i.size - 1)}: #GP(0) before any I/O exit`)]);
    }
  }
  const { exits, decisions } = ioExits(s, port, i.size);
  if (exits) {
    if (i.op === 'INS' || i.op === 'OUTS') {
      return instructionExit(caps, s, i, IO_EXIT, { qualification: qualification(i, port), ...stringExitDetails(caps, s, i) }, [
        ...decisions, cite('PRIORITY.INSOUTS', `the ${i.op} exit comes before the #GP/#AC its memory access could raise`),
      ]);
    }
    return instructionExit(caps, s, i, IO_EXIT, { qualification: qualification(i, port) }, decisions);
  }
  return match(i)
    .with({ op: 'IN' }, (v) => retireWith(s, v, s, new Map([[RAX, widthMask(v.size)]]), v.size, {}, decisions))
    .with({ op: 'OUT' }, (v) => retire(s, v, s, {}, decisions))
    .with({ op: 'INS' }, { op: 'OUTS' }, (v) => stringIteration(caps, s, v, decisions))
    .exhaustive();
};
