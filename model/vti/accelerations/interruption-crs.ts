/**
 * The interruption-CR accelerations (SDM rev 2.3 §11.7.4.2; ITJ "Frequent Access to Privileged
 * Resources"): with vac.a_from_int_cr / a_to_int_cr, guest reads and writes of CR16-CR25 use the VPD
 * copy vcr[n] without an intercept. The Illegal Operation check of vpsr.ic = 1 comes before, with
 * the operand checks (../operands.ts).
 */
import { because, type Decision } from '../outcome.js';
import { setVpd } from '../vpd-memory.js';
import { complete, gr, natConsumption, val, type Ctx } from '../native/common.js';
import type { VpRef } from './vp.js';

/** mov r1 = cr (CR16-CR25) under vac.a_from_int_cr. Implements VTI.VAC.a_from_int_cr. */
export const fromIntCr = (ctx: Ctx, vp: VpRef, r1: number, cr: number): Decision => {
  const t = [because('VTI.VAC.a_from_int_cr', `vac.a_from_int_cr = 1: r${r1} = VPD vcr[${cr}], no intercept`)];
  return complete(ctx, ctx.state, t, { r1, g: gr(vp.vpd.vcr.get(cr) ?? 0n) });
};

/** mov cr = r2 (CR16-CR25) under vac.a_to_int_cr. Implements VTI.VAC.a_to_int_cr. */
export const toIntCr = (ctx: Ctx, vp: VpRef, cr: number, r2: number): Decision => {
  const t = [because('VTI.VAC.a_to_int_cr', `vac.a_to_int_cr = 1: VPD vcr[${cr}] = r${r2}, no intercept`)];
  const nat = natConsumption(ctx, [r2], t);
  if (nat !== null) return nat;
  const vcr = new Map(vp.vpd.vcr);
  vcr.set(cr, val(ctx, r2));
  return complete(ctx, setVpd(ctx.state, vp.base, { ...vp.vpd, vcr }), t);
};
