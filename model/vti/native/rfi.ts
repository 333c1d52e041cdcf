/**
 * rfi with nothing virtualized (SDM 3, rfi; ITJ "Access to Hidden State"): PSR = IPSR, IP = IIP at
 * slot IPSR.ri, the frame described by IFS restored when IFS.v = 1, and CFLE forced to 1.
 */
import { vmFeaturesEnabled } from '../../../spec/vti/machine/profile.js';
import { PSR_VM_BIT } from '../../../spec/vti/psr.js';
import { bit, mapGet, psrGet } from '../bits.js';
import { because } from '../outcome.js';
import { decodeCfm, popFrame, selectBank } from '../registers.js';
import { branchTo, type Ctx } from './common.js';

const PSR_VM = 1n << BigInt(PSR_VM_BIT);

/**
 * Implements VTI.NATIVE.RFI (its target checked by VTI.UNIMPL_VA.INSTRUCTION). PSR.vm exists only on a
 * processor with the VM features (PAL_PROC_GET_FEATURES bit 40; SDM 3:273: its implementation is
 * optional); elsewhere bit 46 of IPSR has nothing to load into.
 */
export const rfi = (ctx: Ctx) => {
  const s = ctx.state;
  const ipsr = mapGet(s.cr, 16) & (vmFeaturesEnabled(ctx.profile) ? ~0n : ~PSR_VM);
  const ifs = mapGet(s.cr, 23);
  const framed = bit(ifs, 63) ? popFrame(s, decodeCfm(ifs).sof, decodeCfm(ifs)) : s;
  const banked = selectBank(framed, psrGet(ipsr, 'bn') === 1n ? 1n : 0n);
  const after = { ...banked, psr: ipsr, rse: { ...banked.rse, cfle: true } };
  return branchTo(ctx, after, mapGet(s.cr, 19), [because('VTI.NATIVE.RFI', `PSR = IPSR, IP = IIP${bit(ifs, 63) ? ', frame restored from IFS' : ''}, CFLE = 1`)], psrGet(ipsr, 'ri'));
};
