/**
 * The ordinary computation of the abstract guest ISA (spec/vtx/guest/instructions.ts), unchanged by
 * VMX non-root operation except that its memory accesses go through guest paging and EPT (../memory.ts,
 * whose faults and EPT exits end the step): moves, ALU operations (64-bit, with the arithmetic flags of
 * Vol. 2; AF after AND/OR/XOR is undefined, so both values are permitted), naturally aligned loads (into the register as MOV
 * does: 1- and 2-byte loads keep the other bits) and stores, PUSH/POP, and near branches to absolute targets (a non-canonical target
 * in 64-bit mode, or one beyond the CS limit elsewhere, is #GP(0), Vol. 2 "JMP").
 */
import { match } from 'ts-pattern';
import type { AluOp, GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { instructionLength } from '../../../../spec/vtx/guest/length.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { isCanonical } from '../../../../spec/x86/msrs.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { movedRsp, operandLinear, peek, push, readOperand, RSP, writeAt } from './access.js';
import { gp, retire, retireWith } from './outcome.js';
import { in64BitMode, nextRip, operandBytes, reg, U32, U64, withReg } from './operands.js';

export type OrdinaryInstruction = Extract<GuestInstruction, {
  op: 'NOP' | 'MOV_RI' | 'MOV_RR' | 'ALU' | 'LOAD' | 'STORE' | 'PUSH' | 'POP' | 'JMP' | 'JCC' | 'CALL' | 'RET';
}>;

const CF = 1n, PF = 1n << 2n, AF = 1n << 4n, ZF = 1n << 6n, SF = 1n << 7n, OF = 1n << 11n;
const ARITH = CF | PF | AF | ZF | SF | OF;
const SIGN = 1n << 63n;

const evenParity = (v: bigint): boolean => {
  let b = Number(v & 0xffn);
  b ^= b >> 4; b ^= b >> 2; b ^= b >> 1;
  return (b & 1) === 0;
};

/**
 * The 64-bit result and RFLAGS of an ALU operation (Vol. 2 ADD, SUB, CMP, AND, OR, XOR): CF, PF, AF,
 * ZF, SF and OF as the instructions define them. AF is undefined after AND/OR/XOR: `afLoose` says so.
 */
const alu = (fn: AluOp, a: bigint, b: bigint): { readonly result: bigint; readonly flags: bigint; readonly afLoose: boolean } => {
  const common = (r: bigint, cf: boolean, of: boolean, af: boolean) =>
    (cf ? CF : 0n) | (of ? OF : 0n) | (af ? AF : 0n) | (r === 0n ? ZF : 0n) | ((r & SIGN) !== 0n ? SF : 0n) | (evenParity(r) ? PF : 0n);
  return match(fn)
    .with('add', () => {
      const r = (a + b) & U64;
      const of = ((a ^ r) & (b ^ r) & SIGN) !== 0n;
      return { result: r, flags: common(r, a + b > U64, of, ((a ^ b ^ r) & 0x10n) !== 0n), afLoose: false };
    })
    .with('sub', 'cmp', () => {
      const r = (a - b) & U64;
      const of = ((a ^ b) & (a ^ r) & SIGN) !== 0n;
      return { result: r, flags: common(r, a < b, of, ((a ^ b ^ r) & 0x10n) !== 0n), afLoose: false };
    })
    .with('and', 'or', 'xor', (op) => {
      const r = op === 'and' ? a & b : op === 'or' ? a | b : a ^ b;
      return { result: r, flags: common(r, false, false, false), afLoose: true };
    })
    .exhaustive();
};

/** A branch target the mode accepts, or null (#GP(0)). */
const target = (caps: Capabilities, s: VtxState, t: bigint): bigint | null => {
  if (in64BitMode(s)) return isCanonical(t, caps.linearAddressWidth) ? t & U64 : null;
  const eip = t & U32;
  return eip > BigInt(s.cpu.segments.cs.limit) ? null : eip;
};

const branch = (caps: Capabilities, s: VtxState, i: OrdinaryInstruction, t: bigint): NonRootResult => {
  const to = target(caps, s, t);
  return to === null ? gp(caps, s, []) : retire(s, i, s, { rip: to }, []);
};

export const executeOrdinary = (caps: Capabilities, s: VtxState, i: OrdinaryInstruction): NonRootResult =>
  match(i)
    .with({ op: 'NOP' }, () => retire(s, i, s, {}, []))
    .with({ op: 'MOV_RI' }, (v) => retire(s, i, s, { ...withReg(s.cpu, v.dst, v.imm) }, []))
    .with({ op: 'MOV_RR' }, (v) => retire(s, i, s, { ...withReg(s.cpu, v.dst, reg(s, v.src)) }, []))
    .with({ op: 'ALU' }, (v) => {
      const { result, flags, afLoose } = alu(v.fn, reg(s, v.dst), reg(s, v.src));
      const rflags = (s.cpu.rflags & ~ARITH & ~(1n << 16n)) | flags;
      const regs = v.fn === 'cmp' ? {} : withReg(s.cpu, v.dst, result);
      const done = retire(s, i, s, { ...regs, rflags }, []);
      // AND/OR/XOR leave AF undefined: the other value is permitted too.
      return afLoose ? { ...done, alternatives: [retire(s, i, s, { ...regs, rflags: rflags ^ AF }, [])] } : done;
    })
    .with({ op: 'LOAD' }, (v) => {
      const read = readOperand(caps, s, v.mem, v.size, []);
      // As MOV r, m: 1- and 2-byte loads keep the register's other bits, 4-byte loads zero-extend (Vol. 1 §3.4.1.1).
      return read.ok ? retireWith(s, i, read.state, new Map([[v.dst, read.value]]), v.size, {}, []) : read.result;
    })
    .with({ op: 'STORE' }, (v) => {
      const written = writeAt(caps, s, operandLinear(s, v.mem), v.size, reg(s, v.src), []);
      return written.ok ? retire(s, i, written.state, {}, []) : written.result;
    })
    .with({ op: 'PUSH' }, (v) => {
      const pushed = push(caps, s, reg(s, v.src), []);
      return pushed.ok ? retire(s, i, pushed.value, {}, []) : pushed.result;
    })
    .with({ op: 'POP' }, (v) => {
      const top = peek(caps, s, 0, []);
      if (!top.ok) return top.result;
      // POP into RSP leaves the popped value in RSP (Vol. 2 "POP").
      const changes = v.dst === RSP ? {} : { rsp: movedRsp(s, BigInt(operandBytes(s))) };
      return retireWith(s, i, top.state, new Map([[v.dst, top.value]]), operandBytes(s), changes, []);
    })
    .with({ op: 'JMP' }, (v) => branch(caps, s, i, v.target))
    .with({ op: 'JCC' }, (v) => {
      const zf = (s.cpu.rflags & ZF) !== 0n;
      return (v.cond === 'z') === zf ? branch(caps, s, i, v.target) : retire(s, i, s, {}, []);
    })
    .with({ op: 'CALL' }, (v) => {
      const to = target(caps, s, v.target);
      if (to === null) return gp(caps, s, []);
      const pushed = push(caps, s, nextRip(s, instructionLength(i)), []);
      return pushed.ok ? retire(s, i, pushed.value, { rip: to }, []) : pushed.result;
    })
    .with({ op: 'RET' }, () => {
      const top = peek(caps, s, 0, []);
      if (!top.ok) return top.result;
      const to = target(caps, s, top.value);
      if (to === null) return gp(caps, top.state, []);
      return retire(s, i, top.state, { rip: to, ...withReg(s.cpu, RSP, movedRsp(s, BigInt(operandBytes(s)))) }, []);
    })
    .exhaustive();
