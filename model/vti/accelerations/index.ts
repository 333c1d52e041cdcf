/**
 * Dispatch of an accelerated guest instruction to its vac implementation (SDM rev 2.3 §11.7.4.2).
 * Returns null when the instruction has no acceleration of that name (the caller then intercepts).
 * Implements the dispatch for VTI.VAC.a_from_int_cr, VTI.VAC.a_to_int_cr, VTI.VAC.a_from_psr,
 * VTI.VAC.a_from_cpuid, VTI.VAC.a_cover and VTI.VAC.a_bsw.
 */
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { VacName } from '../../../spec/vti/vpd.js';
import type { Decision } from '../outcome.js';
import type { Ctx } from '../native/common.js';
import { bswAccelerated, coverAccelerated } from './bank-and-frame.js';
import { fromIntCr, toIntCr } from './interruption-crs.js';
import { fromCpuid, fromPsr } from './reads.js';
import type { VpRef } from './vp.js';

export const accelerate = (ctx: Ctx, vp: VpRef, i: VtiInstruction, vac: VacName): Decision | null => {
  if (vac === 'a_from_int_cr' && i.op === 'mov-from-cr') return fromIntCr(ctx, vp, i.r1, i.cr);
  if (vac === 'a_to_int_cr' && i.op === 'mov-to-cr') return toIntCr(ctx, vp, i.cr, i.r2);
  if (vac === 'a_from_psr' && i.op === 'mov-from-psr') return fromPsr(ctx, vp, i.r1);
  if (vac === 'a_from_cpuid' && i.op === 'mov-from-cpuid') return fromCpuid(ctx, vp, i.r1, i.r3);
  if (vac === 'a_cover' && i.op === 'cover') return coverAccelerated(ctx, vp);
  if (vac === 'a_bsw' && i.op === 'bsw') return bswAccelerated(ctx, vp, i.bank);
  return null;
};
