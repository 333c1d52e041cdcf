/**
 * TLB inserts and purges with nothing virtualized (SDM 3: itc, itr, ptc, ptr): on the abstract TLB
 * of ../tlb.ts, single logical processor (ptc.g / ptc.ga purge locally).
 */
import type { TlbSide } from '../../../spec/vti/machine/instructions.js';
import { bits, hex } from '../bits.js';
import { vaImplemented } from '../address-space.js';
import { raise } from '../interruption.js';
import { because, type Decision } from '../outcome.js';
import { entryFromIfa, insertTc, insertTr, pageBase, purgeTc, purgeTr, ridOf } from '../tlb.js';
import { complete, natConsumption, val, type Ctx } from './common.js';

/** CR.IFA, the address itc/itr insert, must be implemented (VTI.UNIMPL_VA.DATA). */
const ifaCheck = (ctx: Ctx): Decision | null => {
  const ifa = ctx.state.cr.get(20) ?? 0n;
  return vaImplemented(ctx.profile, ctx.state.psr, ifa) ? null
    : raise(ctx.state, 'unimplementedDataAddress', [because('VTI.UNIMPL_VA.DATA', `CR.IFA ${hex(ifa)} is unimplemented`)], { ifa });
};

/** itc.i / itc.d r2. Implements VTI.NATIVE.ITC. */
export const itc = (ctx: Ctx, side: TlbSide, r2: number): Decision => {
  const nat = natConsumption(ctx, [r2]) ?? ifaCheck(ctx);
  if (nat !== null) return nat;
  const e = entryFromIfa(ctx.state, val(ctx, r2));
  return complete(ctx, { ...ctx.state, tlb: insertTc(ctx.state.tlb, side, e) }, [because('VTI.NATIVE.ITC', `${side}TC += ${hex(e.vadr)} (2^${e.ps})`)]);
};

/** itr.i / itr.d itr[r3] = r2. Implements VTI.NATIVE.ITR. */
export const itr = (ctx: Ctx, side: TlbSide, r3: number, r2: number): Decision => {
  const nat = natConsumption(ctx, [r3, r2]);
  if (nat !== null) return nat;
  const slot = Number(val(ctx, r3) & 0xffn);
  const count = side === 'i' ? ctx.profile.itrCount : ctx.profile.dtrCount;
  if (slot >= count) return raise(ctx.state, 'reservedRegisterField', [because('VTI.NATIVE.ITR', `slot ${slot} >= ${count} implemented ${side}TRs`)]);
  const bad = ifaCheck(ctx);
  if (bad !== null) return bad;
  const e = entryFromIfa(ctx.state, val(ctx, r2));
  return complete(ctx, { ...ctx.state, tlb: insertTr(ctx.state.tlb, side, slot, e) }, [because('VTI.NATIVE.ITR', `${side}TR[${slot}] = ${hex(e.vadr)} (2^${e.ps})`)]);
};

const purgeRange = (ctx: Ctx, r3: number, r2: number, rule: string) => {
  const nat = natConsumption(ctx, [r3, r2]);
  if (nat !== null) return { ok: false, fault: nat } as const;
  const vadr = val(ctx, r3);
  if (!vaImplemented(ctx.profile, ctx.state.psr, vadr)) {
    return { ok: false, fault: raise(ctx.state, 'unimplementedDataAddress', [because('VTI.UNIMPL_VA.DATA', `${hex(vadr)} is unimplemented`)], { ifa: vadr }) } as const;
  }
  const ps = Number(bits(val(ctx, r2), 7, 2));
  return { ok: true, rid: ridOf(ctx.state, vadr), base: pageBase(vadr, ps), ps, rule } as const;
};

/** ptc.l / ptc.g / ptc.ga r3, r2. Implements VTI.NATIVE.PTC. */
export const ptc = (ctx: Ctx, r3: number, r2: number): Decision => {
  const p = purgeRange(ctx, r3, r2, 'VTI.NATIVE.PTC');
  if (!p.ok) return p.fault;
  return complete(ctx, { ...ctx.state, tlb: purgeTc(ctx.state.tlb, 'both', p.rid, p.base, p.ps) }, [because('VTI.NATIVE.PTC', `TC purged at ${hex(p.base)} (2^${p.ps})`)]);
};

/** ptc.e r3. Implements VTI.NATIVE.PTC. */
export const ptcE = (ctx: Ctx, r3: number): Decision =>
  natConsumption(ctx, [r3]) ?? complete(ctx, { ...ctx.state, tlb: { ...ctx.state.tlb, itc: [], dtc: [] } }, [because('VTI.NATIVE.PTC', 'the whole TC purged')]);

/** ptr.i / ptr.d r3, r2. Implements VTI.NATIVE.PTR. */
export const ptr = (ctx: Ctx, side: TlbSide, r3: number, r2: number): Decision => {
  const p = purgeRange(ctx, r3, r2, 'VTI.NATIVE.PTR');
  if (!p.ok) return p.fault;
  const tlb = purgeTc(purgeTr(ctx.state.tlb, side, p.rid, p.base, p.ps), side, p.rid, p.base, p.ps);
  return complete(ctx, { ...ctx.state, tlb }, [because('VTI.NATIVE.PTR', `${side}TRs and ${side}TC purged at ${hex(p.base)} (2^${p.ps})`)]);
};
