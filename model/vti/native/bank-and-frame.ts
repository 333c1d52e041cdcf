/**
 * bsw and cover with nothing virtualized (SDM 3:34, 3:48): the GR16-31 bank switch, and the empty
 * frame cover leaves (IFS written when PSR.ic = 0).
 */
import { mapSet, psrGet } from '../bits.js';
import { because } from '../outcome.js';
import { encodeCfm, pushFrame, selectBank } from '../registers.js';
import { complete, type Ctx } from './common.js';

/** bsw.0 / bsw.1. Implements VTI.NATIVE.BSW. */
export const bsw = (ctx: Ctx, bank: 0 | 1) =>
  complete(ctx, selectBank(ctx.state, bank === 1 ? 1n : 0n), [because('VTI.NATIVE.BSW', `GR16-31 = bank ${bank}, PSR.bn = ${bank}`)]);

/** cover. Implements VTI.NATIVE.COVER. */
export const cover = (ctx: Ctx) => {
  const s = ctx.state;
  const covered = pushFrame(s, s.rse.cfm.sof, { sof: 0, sol: 0 });
  const ic = psrGet(s.psr, 'ic') === 1n;
  const after = ic ? covered : { ...covered, cr: mapSet(covered.cr, 23, (1n << 63n) | encodeCfm(s.rse.cfm)) };
  return complete(ctx, after, [because('VTI.NATIVE.COVER', `frame of ${s.rse.cfm.sof} covered${ic ? '' : '; IFS = v | CFM (PSR.ic = 0)'}`)]);
};
