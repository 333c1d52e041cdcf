/**
 * Branches, the register stack and branch registers (VTI.NATIVE.BRANCH, VTI.NATIVE.ALLOC,
 * VTI.NATIVE.COMPUTE for mov br): br.call, br.ret, br.cond, alloc, mov b1 = r2, mov r1 = b2.
 * A taken branch to an unimplemented address traps (Ctx.branch).
 */
import { AR } from '../../../../spec/vti/machine/instructions.js';
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { fieldOf, PSR_CPL, u64, withField } from '../bits.js';
import type { Ctx } from '../context.js';
import { callFrame, frameMarker, markerSizes, MAX_SOF, returnFrame } from '../rse.js';

const validBr = (b: number): boolean => Number.isInteger(b) && b >= 0 && b < 8;

/** br.call b1 = target: b1 = the next bundle; AR.PFS = {ppl = cpl, pec = AR.EC, pfm = CFM}; the outputs become the callee's frame. */
export const brCall = (c: Ctx, b1: number, target: bigint): VtiObservation => {
  if (!validBr(b1)) return c.illegal();
  const m = c.m;
  m.br[b1] = u64((m.ip & ~0xfn) + 16n);
  m.ar.set(AR.pfs, (BigInt(m.cpl) << 62n) | ((m.arValue(AR.ec) & 0x3fn) << 52n) | frameMarker(m));
  callFrame(m);
  return c.branch(target);
};

/** br.ret b2: the caller's frame from AR.PFS.pfm, AR.EC = PFS.pec, and PSR.cpl = PFS.ppl when that is less privileged. */
export const brRet = (c: Ctx, b2: number): VtiObservation => {
  if (!validBr(b2)) return c.illegal();
  const m = c.m;
  const pfs = m.arValue(AR.pfs);
  const ppl = fieldOf(pfs, 63, 62);
  if (ppl > BigInt(m.cpl)) m.psr = withField(m.psr, PSR_CPL[0], PSR_CPL[1], ppl);
  m.ar.set(AR.ec, fieldOf(pfs, 57, 52));
  const { sof, sol } = markerSizes(pfs & 0x3f_ffff_ffffn);
  returnFrame(m, sof, sol);
  return c.branch(m.br[b2] ?? 0n);
};

export const brCond = (c: Ctx, qp: number, target: bigint): VtiObservation => {
  if (!Number.isInteger(qp) || qp < 0 || qp > 63) return c.illegal();
  return ((c.m.pr >> BigInt(qp)) & 1n) === 1n ? c.branch(target) : c.done();
};

/** alloc r1 = ar.pfs, sof, sol: the target is checked against the new frame (SDM alloc). */
export const alloc = (c: Ctx, r1: number, sof: number, sol: number): VtiObservation => {
  if (!Number.isInteger(sof) || !Number.isInteger(sol) || sof < 0 || sof > MAX_SOF || sol < 0 || sol > sof) return c.illegal('VTI.NATIVE.ALLOC');
  if (!c.tgt(r1, sof)) return c.illegal();
  const v = c.m.arValue(AR.pfs);
  c.m.sof = sof;
  c.m.sol = sol;
  c.m.setGr(r1, v);
  return c.done(v);
};

export const movToBr = (c: Ctx, b1: number, r2: number): VtiObservation => {
  if (!validBr(b1) || !c.src(r2)) return c.illegal();
  if (c.nat(r2)) return c.natConsumption();
  c.m.br[b1] = c.val(r2);
  return c.done();
};

export const movFromBr = (c: Ctx, r1: number, b2: number): VtiObservation => {
  if (!validBr(b2) || !c.tgt(r1)) return c.illegal();
  const v = c.m.br[b2] ?? 0n;
  c.m.setGr(r1, v);
  return c.done(v);
};
