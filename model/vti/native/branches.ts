/**
 * Branches and the register stack (SDM 3: br, alloc; SDM 1:§4.1): br.call, br.ret, br.cond, alloc
 * and the branch-register moves, on the abstract register stack of ../registers.ts.
 */
import { bit, mapGet, mapSet, psrGet, psrSet, hex } from '../bits.js';
import { because, type Decision } from '../outcome.js';
import { decodeCfm, encodeCfm, popFrame, pushFrame } from '../registers.js';
import { branchTo, complete, gr, natConsumption, val, type Ctx } from './common.js';

const PFS = 64;
const EC = 66;

/** br.call b1 = target. Implements VTI.NATIVE.BRANCH. */
export const brCall = (ctx: Ctx, b1: number, target: bigint): Decision => {
  const s = ctx.state;
  const { sof, sol } = s.rse.cfm;
  // AR.PFS = pfm (the CFM), pec (AR.EC, bits 57:52), ppl (the cpl, bits 63:62).
  const pfs = encodeCfm(s.rse.cfm) | ((mapGet(s.ar, EC) & 0x3fn) << 52n) | (psrGet(s.psr, 'cpl') << 62n);
  const pushed = pushFrame(s, sol, { sof: sof - sol, sol: 0 });
  const after = { ...pushed, ar: mapSet(pushed.ar, PFS, pfs), br: pushed.br.map((b, i) => (i === b1 ? s.ip + 16n : b)) };
  return branchTo(ctx, after, target, [because('VTI.NATIVE.BRANCH', `br.call to ${hex(target)}: b${b1} = next bundle, AR.PFS = CFM, EC, cpl, the ${sof - sol} outputs become the frame`)]);
};

/** br.ret b2. Implements VTI.NATIVE.BRANCH. */
export const brRet = (ctx: Ctx, b2: number): Decision => {
  const s = ctx.state;
  const pfs = mapGet(s.ar, PFS);
  const cfm = decodeCfm(pfs);
  const popped = popFrame(s, cfm.sol, cfm);
  const ppl = pfs >> 62n;
  const cpl = psrGet(s.psr, 'cpl');
  const after = { ...popped, ar: mapSet(popped.ar, EC, (pfs >> 52n) & 0x3fn), psr: ppl > cpl ? psrSet(popped.psr, 'cpl', ppl) : popped.psr };
  return branchTo(ctx, after, s.br[b2] ?? 0n, [because('VTI.NATIVE.BRANCH', `br.ret to b${b2}: CFM and EC from AR.PFS (sof ${cfm.sof}, sol ${cfm.sol})${ppl > cpl ? `, cpl lowered to ${ppl}` : ''}`)]);
};

/** (qp) br.cond target. Implements VTI.NATIVE.BRANCH. */
export const brCond = (ctx: Ctx, qp: number, target: bigint): Decision =>
  bit(ctx.state.pr, qp)
    ? branchTo(ctx, ctx.state, target, [because('VTI.NATIVE.BRANCH', `p${qp} = 1: taken to ${hex(target)}`)])
    : complete(ctx, ctx.state, [because('VTI.NATIVE.BRANCH', `p${qp} = 0: not taken`)]);

/** alloc r1 = ar.pfs, sof, sol. Implements VTI.NATIVE.ALLOC. */
export const alloc = (ctx: Ctx, r1: number, sof: number, sol: number): Decision => {
  const s = ctx.state;
  const after = { ...s, rse: { ...s.rse, cfm: { sof, sol } } };
  return complete(ctx, after, [because('VTI.NATIVE.ALLOC', `CFM = {sof ${sof}, sol ${sol}}, r${r1} = AR.PFS`)], { r1, g: gr(mapGet(s.ar, PFS)) });
};

/** mov b1 = r2. Implements VTI.NATIVE.COMPUTE. */
export const movToBr = (ctx: Ctx, b1: number, r2: number): Decision =>
  natConsumption(ctx, [r2]) ??
    complete(ctx, { ...ctx.state, br: ctx.state.br.map((b, i) => (i === b1 ? val(ctx, r2) : b)) }, [because('VTI.NATIVE.COMPUTE', `b${b1} = r${r2}`)]);

/** mov r1 = b2. Implements VTI.NATIVE.COMPUTE. */
export const movFromBr = (ctx: Ctx, r1: number, b2: number): Decision =>
  complete(ctx, ctx.state, [because('VTI.NATIVE.COMPUTE', `r${r1} = b${b2}`)], { r1, g: gr(ctx.state.br[b2] ?? 0n) });
