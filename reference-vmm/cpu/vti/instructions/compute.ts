/**
 * Ordinary computation and memory (VTI.NATIVE.COMPUTE, VTI.NATIVE.MEMORY, VTI.NATIVE.BREAK,
 * VTI.UNIMPL_VA.DATA): movl, add, cmp, ld8, st8, nop, break.
 */
import type { CmpRelation } from '../../../../spec/vti/machine/instructions.js';
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { u64 } from '../bits.js';
import type { Ctx } from '../context.js';
import { ISR } from '../interruption.js';
import { load8, store8 } from '../memory.js';

export const movImm = (c: Ctx, r1: number, imm: bigint): VtiObservation => {
  if (!c.tgt(r1)) return c.illegal();
  const v = u64(imm);
  c.m.setGr(r1, v);
  return c.done(v);
};

/** add: NaT is the OR of the sources' NaTs (SDM 1: NaT propagation). */
export const add = (c: Ctx, r1: number, r2: number, r3: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r2) || !c.src(r3)) return c.illegal();
  const nat = c.nat(r2) || c.nat(r3);
  const v = u64(c.val(r2) + c.val(r3));
  c.m.setGr(r1, v, nat);
  return nat ? c.done(v, true) : c.done(v);
};

const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

const relation = (rel: CmpRelation, a: bigint, b: bigint): boolean => {
  switch (rel) {
    case 'eq': return a === b;
    case 'ne': return a !== b;
    case 'lt': return signed(a) < signed(b);
    case 'ltu': return u64(a) < u64(b);
  }
};

/** cmp.rel p1, p2 = r2, r3: p1 == p2 is an Illegal Operation fault; a NaT source clears both; writes to p0 are ignored. */
export const cmp = (c: Ctx, rel: CmpRelation, p1: number, p2: number, r2: number, r3: number): VtiObservation => {
  const pred = (p: number): boolean => Number.isInteger(p) && p >= 0 && p < 64;
  if (!pred(p1) || !pred(p2) || p1 === p2 || !c.src(r2) || !c.src(r3)) return c.illegal();
  const nat = c.nat(r2) || c.nat(r3);
  const r = !nat && relation(rel, c.val(r2), c.val(r3));
  const set = (p: number, on: boolean): void => {
    if (p !== 0) c.m.pr = on ? c.m.pr | (1n << BigInt(p)) : c.m.pr & ~(1n << BigInt(p));
  };
  set(p1, r);
  set(p2, !nat && !r);
  return c.done();
};

/**
 * The data-address checks of ld8 / st8, in SDM interruption priority order: Unimplemented Data Address
 * (with the PSR.vm-narrowed space), then Unaligned Data Reference (we fault on every misaligned 8-byte
 * access); IFA = the address, ISR.r or ISR.w.
 */
const dataAddress = (c: Ctx, addr: bigint, write: boolean): VtiObservation | null => {
  const isrBits = write ? ISR.w : ISR.r;
  if (!c.implemented(addr)) return c.fault('unimplementedDataAddress', { isrBits, ifa: addr }, 'VTI.UNIMPL_VA.DATA');
  if ((addr & 7n) !== 0n) return c.fault('unalignedReference', { isrBits, ifa: addr }, 'VTI.NATIVE.MEMORY');
  return null;
};

export const ld8 = (c: Ctx, r1: number, r3: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r3)) return c.illegal();
  if (c.nat(r3)) return c.natConsumption();
  const addr = u64(c.val(r3));
  const f = dataAddress(c, addr, false);
  if (f !== null) return f;
  const v = load8(c.m, addr);
  c.m.setGr(r1, v);
  return c.done(v);
};

export const st8 = (c: Ctx, r3: number, r2: number): VtiObservation => {
  if (!c.src(r2) || !c.src(r3)) return c.illegal();
  if (c.nat(r3) || c.nat(r2)) return c.natConsumption();
  const addr = u64(c.val(r3));
  const f = dataAddress(c, addr, true);
  if (f !== null) return f;
  store8(c.m, addr, c.val(r2));
  return c.done();
};

export const breakInstruction = (c: Ctx, imm21: number): VtiObservation =>
  c.fault('breakInstruction', { iim: BigInt(imm21) & 0x1f_ffffn }, 'VTI.NATIVE.BREAK');
