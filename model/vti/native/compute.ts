/**
 * Ordinary computation (SDM 3: movl, add, cmp, nop, break): enough for guests to compute, with NaT
 * propagation through add and NaT sources clearing both cmp targets.
 */
import type { CmpRelation } from '../../../spec/vti/machine/instructions.js';
import { signed64, u64 } from '../bits.js';
import { raise } from '../interruption.js';
import { because, type Decision } from '../outcome.js';
import { readGr } from '../registers.js';
import { complete, gr, type Ctx } from './common.js';

/** movl r1 = imm64. Implements VTI.NATIVE.COMPUTE. */
export const movImm = (ctx: Ctx, r1: number, imm: bigint): Decision =>
  complete(ctx, ctx.state, [because('VTI.NATIVE.COMPUTE', `r${r1} = immediate`)], { r1, g: gr(u64(imm)) });

/** add r1 = r2, r3. Implements VTI.NATIVE.COMPUTE. */
export const add = (ctx: Ctx, r1: number, r2: number, r3: number): Decision => {
  const a = readGr(ctx.state, r2);
  const b = readGr(ctx.state, r3);
  return complete(ctx, ctx.state, [because('VTI.NATIVE.COMPUTE', `r${r1} = r${r2} + r${r3}`)], { r1, g: gr(u64(a.value + b.value), a.nat || b.nat) });
};

const relation = (rel: CmpRelation, a: bigint, b: bigint): boolean => {
  switch (rel) {
    case 'eq': return a === b;
    case 'ne': return a !== b;
    case 'lt': return signed64(a) < signed64(b);
    case 'ltu': return a < b;
  }
};

const setPr = (pr: bigint, p: number, v: boolean): bigint => (p === 0 ? pr : v ? pr | (1n << BigInt(p)) : pr & ~(1n << BigInt(p)));

/** cmp.rel p1, p2 = r2, r3. Implements VTI.NATIVE.COMPUTE. */
export const cmp = (ctx: Ctx, rel: CmpRelation, p1: number, p2: number, r2: number, r3: number): Decision => {
  const a = readGr(ctx.state, r2);
  const b = readGr(ctx.state, r3);
  const nat = a.nat || b.nat;
  const t = !nat && relation(rel, a.value, b.value);
  const f = !nat && !t;
  const pr = setPr(setPr(ctx.state.pr, p1, t), p2, f) | 1n;
  return complete(ctx, { ...ctx.state, pr }, [because('VTI.NATIVE.COMPUTE', nat ? 'NaT source: both predicates cleared' : `p${p1} = ${t ? 1 : 0}, p${p2} = ${f ? 1 : 0}`)]);
};

/** nop. Implements VTI.NATIVE.COMPUTE. */
export const nop = (ctx: Ctx): Decision => complete(ctx, ctx.state, [because('VTI.NATIVE.COMPUTE', 'nop')]);

/** break imm21. Implements VTI.NATIVE.BREAK. */
export const breakInstruction = (ctx: Ctx, imm21: number): Decision =>
  raise(ctx.state, 'breakInstruction', [because('VTI.NATIVE.BREAK', `break 0x${imm21.toString(16)}`)], { iim: BigInt(imm21 & 0x1f_ffff) });
