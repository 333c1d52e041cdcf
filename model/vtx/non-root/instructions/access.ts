/**
 * Data and stack accesses of guest instructions, through the guest's segmentation, paging and EPT
 * (../memory.ts, which also enforces the abstraction's natural-alignment rule and canonical addresses).
 * Every successful access returns the state after it (accessed/dirty flags the walk set), which the
 * instruction carries on. Stack pushes and pops use the operand width of the mode (8 bytes in 64-bit
 * mode); the processor's own descriptor-table and TSS reads are supervisor accesses.
 */
import type { AccessSize, Gpr, MemOperand } from '../../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { linearAddress, readLinear, writeLinear, writeLinearBytes, type Access, type AccessOptions } from '../memory.js';
import { in64BitMode, inRealMode, mergeReg, operandBytes, reg, U32, U64, widthMask, withReg } from './operands.js';

export type { Access };

export const RSP: Gpr = 4;

/**
 * The linear address of a memory operand (../memory.ts). A base of RSP means state.cpu.rsp, the
 * stack pointer VM entries load and VM exits save (gpr[4] is not used as RSP).
 */
export const operandLinear = (s: VtxState, m: MemOperand): bigint =>
  linearAddress(m.base === RSP ? { ...s, cpu: { ...s.cpu, gpr: s.cpu.gpr.map((v, i) => (i === RSP ? s.cpu.rsp : v)) } } : s, m);

export const readAt = (
  caps: Capabilities, s: VtxState, linear: bigint, size: AccessSize, decisions: readonly Decision[], opts: AccessOptions = {},
): Access<bigint> => readLinear(caps, s, linear, size, decisions, opts);

export const writeAt = (
  caps: Capabilities, s: VtxState, linear: bigint, size: AccessSize, value: bigint, decisions: readonly Decision[], opts: AccessOptions = {},
): Access<VtxState> => writeLinear(caps, s, linear, size, value & widthMask(size), decisions, opts);

/** A supervisor-mode read of a system structure (GDT, LDT, TSS) at a linear address. */
export const readSystem = (caps: Capabilities, s: VtxState, linear: bigint, size: AccessSize, decisions: readonly Decision[]): Access<bigint> =>
  readLinear(caps, s, linear, size, decisions, { implicitSupervisor: true });

export const readOperand = (caps: Capabilities, s: VtxState, m: MemOperand, size: AccessSize, decisions: readonly Decision[]): Access<bigint> =>
  readAt(caps, s, operandLinear(s, m), size, decisions);

/** Width of the stack pointer: 64 bits in 64-bit mode, else 32 with SS.B = 1, else 16. */
const stackPointerBytes = (s: VtxState): 2 | 4 | 8 =>
  in64BitMode(s) ? 8 : !inRealMode(s) && ((s.cpu.segments.ss.accessRights >> 14) & 1) === 1 ? 4 : 2;

/** The linear address of the stack slot at RSP + offset. */
export const stackLinear = (s: VtxState, offset: bigint): bigint => operandLinear(s, { base: RSP, disp: offset, segment: 'ss' });

/** RSP after moving it by `delta` bytes, within the stack-pointer width. */
export const movedRsp = (s: VtxState, delta: bigint): bigint => {
  const bytes = stackPointerBytes(s);
  const width = bytes === 8 ? U64 : bytes === 4 ? U32 : 0xffffn;
  return mergeReg(reg(s, RSP), (reg(s, RSP) + delta) & width, bytes);
};

/** Pushes one operand-sized value; the new state has memory written and RSP decremented. */
export const push = (caps: Capabilities, s: VtxState, value: bigint, decisions: readonly Decision[]): Access<VtxState> => {
  const w = BigInt(operandBytes(s));
  const written = writeAt(caps, s, stackLinear(s, -w), Number(w) as AccessSize, value, decisions, { stack: true });
  if (!written.ok) return written;
  const after = written.state;
  const next = { ...after, cpu: { ...after.cpu, ...withReg(after.cpu, RSP, movedRsp(s, -w)) } };
  return { ok: true, value: next, state: next };
};

/** Reads the operand-sized stack slot `index` slots above RSP (0 = top of stack) without moving RSP. */
export const peek = (caps: Capabilities, s: VtxState, index: number, decisions: readonly Decision[], opts: AccessOptions = {}): Access<bigint> => {
  const w = operandBytes(s);
  return readAt(caps, s, stackLinear(s, BigInt(index * w)), w, decisions, { ...opts, stack: true });
};

/** Reads `count` consecutive stack slots from the top, threading the state; the first failure ends it. */
export const peekMany = (
  caps: Capabilities, s: VtxState, from: number, count: number, decisions: readonly Decision[], opts: AccessOptions = {},
): Access<readonly bigint[]> => {
  const values: bigint[] = [];
  let state = s;
  for (let k = 0; k < count; k++) {
    const r = peek(caps, state, from + k, decisions, opts);
    if (!r.ok) return r;
    values.push(r.value);
    state = r.state;
  }
  return { ok: true, value: values, state };
};


/**
 * Stores `n` bytes of `value` at `at` as one store: every byte is translated (and may fault) against the
 * state before the store, then all are written — so a store into the guest's own paging structures
 * cannot change the translation of its later bytes. For operands the alignment rule does not cover
 * (the 10-byte pseudo-descriptor of SGDT/SIDT).
 */
export const storeBytes = (
  caps: Capabilities, s: VtxState, at: bigint, n: number, value: bigint, decisions: readonly Decision[],
): Access<VtxState> => writeLinearBytes(caps, s, at, n, value, decisions);
