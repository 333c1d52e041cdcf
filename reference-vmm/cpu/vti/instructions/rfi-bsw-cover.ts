/**
 * rfi, bsw and cover (VTI.NATIVE.RFI, VTI.NATIVE.BSW, VTI.NATIVE.COVER, VTI.INTERCEPT.RFI,
 * VTI.INTERCEPT.BSW_0, VTI.INTERCEPT.BSW_1, VTI.INTERCEPT.COVER, VTI.VAC.a_bsw, VTI.VAC.a_cover).
 */
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { vmFeaturesEnabled } from '../../../../spec/vti/machine/profile.js';
import { VPD_OFFSETS } from '../../../../spec/vti/machine/state.js';
import { bitOf, PSR_BIT, u64 } from '../bits.js';
import type { Ctx } from '../context.js';
import { CR } from '../interruption.js';
import type { Machine } from '../machine.js';
import { ifsValid, ifsValue, markerSizes, popWholeFrame, pushWholeFrame } from '../rse.js';
import { setWord, word } from '../vpd-words.js';

/**
 * The return half of rfi (SDM 3: rfi), shared with the PAL_VPS_RESUME services: PSR = IPSR (slot
 * IPSR.ri), IP = IIP's bundle, the covered frame restored when IFS.v = 1.
 */
export const returnFromInterruption = (m: Machine): void => {
  const ifs = m.crValue(CR.ifs);
  m.psr = m.crValue(CR.ipsr);
  m.ip = u64(m.crValue(CR.iip)) & ~0xfn;
  if (ifsValid(ifs)) {
    const { sof, sol } = markerSizes(ifs);
    popWholeFrame(m, sof, sol);
  }
};

/**
 * rfi (VTI.NATIVE.RFI): privileged; with PSR.vm = 1 it intercepts (VTI.INTERCEPT.RFI). CFLE is forced
 * to 1 (ITJ, spec/vti/machine/state.ts). A processor without the VM features has no PSR.vm (SDM
 * 3:273: implementing it is optional), so IPSR bit 46 sets nothing there.
 */
export const rfi = (c: Ctx): VtiObservation => {
  if (c.cpl !== 0) return c.privileged();
  if (c.guest) return c.intercept('EVENT_RFI');
  if (c.icBefore) c.m.lastIp = c.m.ip;
  returnFromInterruption(c.m);
  if (!vmFeaturesEnabled(c.profile)) c.m.setPsrBit(PSR_BIT.vm, false);
  c.m.cfle = true;
  return c.afterTransfer();
};

/**
 * bsw.0 / bsw.1 (SDM 3:34; VTI.NATIVE.BSW). With PSR.vm = 1 at cpl 0 VTI.INTERCEPT.BSW_0 /
 * VTI.INTERCEPT.BSW_1, unless accelerated (VTI.VAC.a_bsw), as LK vcpu_bsw0/1 do it: when the guest's bank
 * really changes, its outgoing GR16-31 (with NaTs) are saved in the VPD image of that bank (vgr for
 * bank 1, vbgr for bank 0), the incoming ones are loaded from the other image, and vpsr.bn flips.
 */
export const bsw = (c: Ctx, bank: 0 | 1): VtiObservation => {
  if (c.cpl !== 0) return c.privileged();
  if (c.guest && !c.vacOn('a_bsw')) return c.intercept(bank === 0 ? 'EVENT_BSW_0' : 'EVENT_BSW_1');
  if (!c.guest) {
    c.m.setPsrBit(PSR_BIT.bn, bank === 1);
    return c.done();
  }
  const vpsr = c.vpsr();
  const from = bitOf(vpsr, PSR_BIT.bn) ? 1 : 0;
  if (from !== bank && c.vp !== null) {
    const w = c.vp.words;
    const save = from === 1 ? VPD_OFFSETS.vgr : VPD_OFFSETS.vbgr;
    const saveNat = from === 1 ? VPD_OFFSETS.vnat : VPD_OFFSETS.vbnat;
    const load = from === 1 ? VPD_OFFSETS.vbgr : VPD_OFFSETS.vgr;
    const loadNat = from === 1 ? VPD_OFFSETS.vbnat : VPD_OFFSETS.vnat;
    const inNats = word(w, loadNat);
    let outNats = 0n;
    for (let i = 0; i < 16; i++) {
      const v = c.m.grValue(16 + i);
      if (c.m.grNat(16 + i)) outNats |= 1n << BigInt(i);
      c.m.setGr(16 + i, word(w, load + 8 * i), bitOf(inNats, i));
      setWord(w, save + 8 * i, v);
    }
    setWord(w, saveNat, outNats);
    c.setVpsr(bank === 1 ? vpsr | (1n << BigInt(PSR_BIT.bn)) : vpsr & ~(1n << BigInt(PSR_BIT.bn)));
  }
  return c.done();
};

/**
 * cover (SDM 3:48): not privileged; intercepts only at cpl 0 with PSR.vm = 1 (VTI.INTERCEPT.COVER).
 * Natively (and for guest user code) the frame is covered and, when PSR.ic = 0, IFS = v | CFM
 * (VTI.NATIVE.COVER). Accelerated (VTI.VAC.a_cover) the frame is covered and the virtual IFS (vcr[23])
 * is written when vpsr.ic = 0.
 */
export const cover = (c: Ctx): VtiObservation => {
  const guestKernel = c.guest && c.cpl === 0;
  if (guestKernel && !c.vacOn('a_cover')) return c.intercept('EVENT_COVER');
  const ifs = ifsValue(c.m);
  if (guestKernel) {
    if (!bitOf(c.vpsr(), PSR_BIT.ic)) c.setVcr(CR.ifs, ifs);
  } else if (!c.m.psrBit(PSR_BIT.ic)) {
    c.m.setCr(CR.ifs, ifs);
  }
  pushWholeFrame(c.m);
  return c.done();
};
