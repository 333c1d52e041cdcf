/**
 * Ordinary computation (Vol. 2): moves, the six ALU operations with their arithmetic flags (AF of the
 * logical operations, undefined in the SDM, is cleared), naturally aligned loads and stores with the
 * MOV merge rule (8- and 16-bit destinations keep the other bits, 32-bit ones zero-extend), PUSH/POP,
 * near branches (a non-canonical target is #GP(0) before RIP changes), CALL and RET.
 */
import type { AluOp, GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import { GuestFault, MASK64, RFLAGS, type Guest } from '../guest.js';
import { operandAddress, readLinear, writeLinear } from '../memory.js';
import type { Exec } from './common.js';
import { peek, pop, push } from './system.js';

const ARITH = RFLAGS.CF | RFLAGS.PF | RFLAGS.AF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.OF;
const SIGN = 1n << 63n;

const parity = (v: bigint): boolean => {
  let b = Number(v & 0xffn);
  let ones = 0;
  while (b !== 0) { ones += b & 1; b >>= 1; }
  return ones % 2 === 0;
};

const alu = (g: Guest, fn: AluOp, a: bigint, b: bigint): bigint => {
  let r: bigint;
  let cf = false;
  let of = false;
  let af = false;
  switch (fn) {
    case 'add':
      r = (a + b) & MASK64;
      cf = a + b > MASK64;
      of = ((a ^ r) & (b ^ r) & SIGN) !== 0n;
      af = ((a ^ b ^ r) & 0x10n) !== 0n;
      break;
    case 'sub': case 'cmp':
      r = (a - b) & MASK64;
      cf = a < b;
      of = ((a ^ b) & (a ^ r) & SIGN) !== 0n;
      af = ((a ^ b ^ r) & 0x10n) !== 0n;
      break;
    case 'and': r = a & b; break;
    case 'or': r = a | b; break;
    case 'xor': r = a ^ b; break;
  }
  let flags = 0n;
  if (cf) flags |= RFLAGS.CF;
  if (parity(r)) flags |= RFLAGS.PF;
  if (af) flags |= RFLAGS.AF;
  if (r === 0n) flags |= RFLAGS.ZF;
  if ((r & SIGN) !== 0n) flags |= RFLAGS.SF;
  if (of) flags |= RFLAGS.OF;
  g.cpu.rflags = (g.cpu.rflags & ~ARITH) | flags;
  return r;
};

const branchTarget = (g: Guest, target: bigint): bigint => {
  const t = target & (g.mode64 ? MASK64 : 0xffff_ffffn);
  if (g.longMode && !g.caps.canonical(t)) throw new GuestFault(13, 0);
  return t;
};

const mergeLoad = (g: Guest, dst: number, size: number, value: bigint): void => {
  if (size === 8) g.setReg(dst, value);
  else if (size === 4) g.setReg32(dst, value);
  else {
    const mask = (1n << BigInt(8 * size)) - 1n;
    g.setReg(dst, (g.reg(dst) & ~mask) | value);
  }
};

export const executeCompute = (g: Guest, i: GuestInstruction, x: Exec): boolean => {
  switch (i.op) {
    case 'NOP': return true;
    case 'MOV_RI': g.setReg(i.dst, i.imm & MASK64); return true;
    case 'MOV_RR': g.setReg(i.dst, g.reg(i.src)); return true;
    case 'ALU': {
      const r = alu(g, i.fn, g.reg(i.dst), g.reg(i.src));
      if (i.fn !== 'cmp') g.setReg(i.dst, r);
      return true;
    }
    case 'LOAD': mergeLoad(g, i.dst, i.size, readLinear(g, operandAddress(g, i.mem), i.size)); return true;
    case 'STORE': {
      const mask = i.size === 8 ? MASK64 : (1n << BigInt(8 * i.size)) - 1n;
      writeLinear(g, operandAddress(g, i.mem), i.size, g.reg(i.src) & mask);
      return true;
    }
    case 'PUSH': push(g, g.reg(i.src)); return true;
    case 'POP': {
      const v = pop(g);
      g.setOperand(i.dst, v);
      return true;
    }
    case 'JMP': x.branch = branchTarget(g, i.target); return true;
    case 'JCC': {
      const zf = (g.cpu.rflags & RFLAGS.ZF) !== 0n;
      if (zf === (i.cond === 'z')) x.branch = branchTarget(g, i.target);
      return true;
    }
    case 'CALL': {
      const t = branchTarget(g, i.target);
      push(g, x.next);
      x.branch = t;
      return true;
    }
    case 'RET': {
      x.branch = branchTarget(g, peek(g));
      pop(g);
      return true;
    }
    default: return false;
  }
};
