/**
 * The handler-prologue accelerations (SDM rev 2.3 §11.7.4.2; ITJ on the bank-switch optimization):
 * cover (vac.a_cover) writes the virtual IFS when vpsr.ic = 0, and bsw (vac.a_bsw) exchanges GR16-31
 * with the VPD banks vgr/vbgr and flips vpsr.bn, both without an intercept.
 */
import { ZERO_GR } from '../../../spec/vti/machine/initial.js';
import { psrGet, psrSet } from '../bits.js';
import { because, type Decision } from '../outcome.js';
import { encodeCfm, pushFrame } from '../registers.js';
import { setVpd } from '../vpd-memory.js';
import { complete, type Ctx } from '../native/common.js';
import type { VpRef } from './vp.js';

/** cover at guest cpl 0 under vac.a_cover. Implements VTI.VAC.a_cover. */
export const coverAccelerated = (ctx: Ctx, vp: VpRef): Decision => {
  const s = ctx.state;
  const covered = pushFrame(s, s.rse.cfm.sof, { sof: 0, sol: 0 });
  const vic = psrGet(vp.vpd.vpsr, 'ic') === 1n;
  const vcr = new Map(vp.vpd.vcr);
  if (!vic) vcr.set(23, (1n << 63n) | encodeCfm(s.rse.cfm));
  return complete(ctx, setVpd(covered, vp.base, { ...vp.vpd, vcr }),
    [because('VTI.VAC.a_cover', `vac.a_cover = 1: frame covered${vic ? '' : ', VPD vIFS = v | CFM (vpsr.ic = 0)'}, no intercept`)]);
};

/**
 * bsw.0 / bsw.1 under vac.a_bsw. Implements VTI.VAC.a_bsw: the guest's registers of the bank it
 * leaves go to the VPD (vgr holds bank 1 while bank 0 is active, vbgr bank 0 while bank 1 is), the
 * other bank comes from it; a bsw to the current bank changes nothing.
 */
export const bswAccelerated = (ctx: Ctx, vp: VpRef, bank: 0 | 1): Decision => {
  const s = ctx.state;
  const current = psrGet(vp.vpd.vpsr, 'bn');
  const t = [because('VTI.VAC.a_bsw', `vac.a_bsw = 1: guest bank ${current} -> ${bank} through VPD vgr/vbgr, no intercept`)];
  if (current === BigInt(bank)) return complete(ctx, s, t);
  const active = s.gr.slice(16, 32).map((g) => g ?? ZERO_GR);
  const incoming = bank === 0 ? vp.vpd.vbgr : vp.vpd.vgr;
  const gr = [...s.gr];
  for (let i = 0; i < 16; i++) gr[16 + i] = incoming[i] ?? ZERO_GR;
  const vpd = bank === 0
    ? { ...vp.vpd, vgr: active, vpsr: psrSet(vp.vpd.vpsr, 'bn', 0n) }
    : { ...vp.vpd, vbgr: active, vpsr: psrSet(vp.vpd.vpsr, 'bn', 1n) };
  return complete(ctx, setVpd({ ...s, gr }, vp.base, vpd), t);
};
