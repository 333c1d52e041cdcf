/**
 * vmsw.0 / vmsw.1 (SDM 3:273, §11.7.4.3.1; VTI.VMSW.ILLEGAL, VTI.VMSW.SWITCH, VTI.INTERCEPT.VMSW,
 * VTI.VDC.d_vmsw): Illegal Operation where the VM features or vmsw are not implemented or enabled;
 * Privileged Operation at cpl > 0; PSR.vm = 0 / 1 without an intercept when PSR.it = 1, the page
 * holding the vmsw has access rights 7 and the restored VP's vdc.d_vmsw is 0; otherwise a
 * virtualization intercept (cause 40), whatever PSR.vm.
 */
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { vmswImplemented } from '../../../../spec/vti/machine/profile.js';
import { VPD_OFFSETS } from '../../../../spec/vti/machine/state.js';
import { bitOf, PSR_BIT, VDC } from '../bits.js';
import type { Ctx } from '../context.js';
import { instructionTranslation, pteAr } from '../tlb.js';
import { word } from '../vpd-words.js';

export const vmsw = (c: Ctx, to: 0 | 1): VtiObservation => {
  if (!vmswImplemented(c.profile)) return c.illegal('VTI.VMSW.ILLEGAL');
  if (c.cpl !== 0) return c.privileged();
  const vp = c.m.currentVp();
  const bit = VDC('d_vmsw');
  const disabled = vp !== null && bit !== null && bitOf(word(vp.words, VPD_OFFSETS.vdc), bit);
  // The access rights of the ITLB entry for the vmsw's own page. Its p bit is not looked at: an
  // instruction cannot have been fetched from a non-present page, and this abstraction fetches nothing.
  const page = instructionTranslation(c.m, c.m.ip);
  const ar7 = page !== null && pteAr(page.pte) === 7;
  if (!c.m.psrBit(PSR_BIT.it) || !ar7 || disabled) return c.intercept('EVENT_VMSW');
  c.m.setPsrBit(PSR_BIT.vm, to === 1);
  return c.done();
};
