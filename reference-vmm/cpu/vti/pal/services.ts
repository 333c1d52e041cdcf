/**
 * The PAL_VPS_* services (SDM §11.11): each service's effect and its undefined cases
 * (spec/vti/machine/rules.ts PAL_SERVICE_ERRORS), every rule named at its own check. The returning services come back with status 0 and,
 * for THASH / TTAG, the result in GR31; the RESUME services enter the guest.
 *
 * Where a call is undefined (the calling convention's PSR, a VPD that is not the restored VP, a vac
 * copy that does not match, …) our one choice is: nothing happens and the call returns (status 0, no
 * values). README.md lists it.
 */
import type { PalServiceCall } from '../../../../spec/vti/machine/events.js';
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import type { VtiProfile } from '../../../../spec/vti/machine/profile.js';
import { VPD_OFFSETS } from '../../../../spec/vti/machine/state.js';
import { PSR_FIELDS } from '../../../../spec/vti/psr.js';
import { VPS_CALLING_CONVENTION } from '../../../../spec/vti/pal.js';
import { bitOf, lowMask, PSR_BIT } from '../bits.js';
import { effectiveVaMsb, longHash, vhptTag } from '../address.js';
import { CR } from '../interruption.js';
import type { Machine, MutableVp } from '../machine.js';
import { returnFromInterruption } from '../instructions/rfi-bsw-cover.js';
import { word } from '../vpd-words.js';

const psrMask = (names: readonly string[]): bigint => names.reduce((mask, n) => {
  const f = PSR_FIELDS.find((x) => x.name === n);
  if (f === undefined) return mask;
  return mask | (lowMask(f.bits[0] - f.bits[1] + 1) << BigInt(f.bits[1]));
}, 0n);
const MUST_BE_0 = psrMask(VPS_CALLING_CONVENTION.psrMustBe0);
const MUST_BE_1 = psrMask(VPS_CALLING_CONVENTION.psrMustBe1);

/**
 * SDM §11.11.1: the PSR the services must be called with (the RESUME services also need PSR.bn = 0).
 * Any other PSR is undefined: VTI.PAL.VPS_RESUME_NORMAL.PSR, VTI.PAL.VPS_RESUME_HANDLER.PSR,
 * VTI.PAL.VPS_SYNC_READ.PSR, VTI.PAL.VPS_SYNC_WRITE.PSR, VTI.PAL.VPS_SET_PENDING_INTERRUPT.PSR,
 * VTI.PAL.VPS_THASH.PSR, VTI.PAL.VPS_TTAG.PSR, VTI.PAL.VPS_RESTORE.PSR, VTI.PAL.VPS_SAVE.PSR.
 */
const conventionHolds = (m: Machine, resume: boolean): boolean =>
  (m.psr & MUST_BE_0) === 0n && (m.psr & MUST_BE_1) === MUST_BE_1 && !(resume && m.psrBit(PSR_BIT.bn));

const returned = (values: readonly bigint[] = []): VtiObservation => ({ kind: 'pal-return', status: 0, values: [...values] });
const UNDEFINED = returned;

const current = (m: Machine, vpd: bigint): MutableVp | null =>
  m.env !== null && m.env.current === vpd ? m.env.vps.get(vpd) ?? null : null;

/**
 * The RESUME services: BR0 = the guest's BR0 (GR24), then the return half of rfi (PSR = IPSR, IP = IIP,
 * the covered frame when IFS.v = 1), with CFLE = `cfle` (ITJ "Access to Hidden State").
 */
const resume = (m: Machine, vbr0: bigint, cfle: boolean): VtiObservation => {
  m.br[0] = vbr0;
  returnFromInterruption(m);
  m.cfle = cfle;
  return { kind: 'guest-resumed', ip: m.ip };
};

export const palService = (m: Machine, p: VtiProfile, call: PalServiceCall): VtiObservation => {
  const isResume = call.name === 'PAL_VPS_RESUME_NORMAL' || call.name === 'PAL_VPS_RESUME_HANDLER';
  // The calling-convention PSR of every service (the .PSR rules, listed at conventionHolds).
  if (!conventionHolds(m, isResume)) return UNDEFINED();
  const guestMsb = effectiveVaMsb(p.implVaMsb, true);
  switch (call.name) {
    case 'PAL_VPS_THASH': {
      // VTI.PAL.VPS_THASH.OK: the guest's long-format hash (our function, address.ts longHash) in GR31.
      const v = longHash(call.vadr, call.vrr, call.vpta, guestMsb);
      m.setGr(31, v);
      return returned([v]);
    }
    case 'PAL_VPS_TTAG': {
      // VTI.PAL.VPS_TTAG.OK: the guest's long-format tag (our function, address.ts vhptTag) in GR31.
      const v = vhptTag(call.vadr, call.vrr, guestMsb);
      m.setGr(31, v);
      return returned([v]);
    }
    case 'PAL_VPS_RESTORE': {
      // VTI.PAL.VPS_RESTORE.UNKNOWN_VP: vpd is not a created VP.
      const vp = m.env?.vps.get(call.vpd);
      if (m.env === null || vp === undefined) return UNDEFINED();
      // VTI.PAL.VPS_RESTORE.OK: the VP becomes current, CR.IVA = its host IVT, its vhpi is latched.
      m.env.current = call.vpd;
      m.setCr(CR.iva, vp.hostIva);
      m.pendingVirtualInterrupt = word(vp.words, VPD_OFFSETS.vhpi);
      return returned();
    }
    default:
      break;
  }
  // The environment is not initialised or vpd is not the VP restored here: undefined.
  // VTI.PAL.VPS_RESUME_NORMAL.NOT_CURRENT, VTI.PAL.VPS_RESUME_HANDLER.NOT_CURRENT,
  // VTI.PAL.VPS_SYNC_READ.NOT_CURRENT, VTI.PAL.VPS_SYNC_WRITE.NOT_CURRENT,
  // VTI.PAL.VPS_SET_PENDING_INTERRUPT.NOT_CURRENT, VTI.PAL.VPS_SAVE.NOT_CURRENT.
  const vp = current(m, call.vpd);
  if (vp === null || m.env === null) return UNDEFINED();
  switch (call.name) {
    case 'PAL_VPS_RESUME_NORMAL': {
      // VTI.PAL.VPS_RESUME_NORMAL.VPSR_IC: vpsr.ic = 0 with some vac or vdc bit set is undefined.
      const anyControl = word(vp.words, VPD_OFFSETS.vac) !== 0n || word(vp.words, VPD_OFFSETS.vdc) !== 0n;
      if (!bitOf(word(vp.words, VPD_OFFSETS.vpsr), PSR_BIT.ic) && anyControl) return UNDEFINED();
      // VTI.PAL.VPS_RESUME_NORMAL.OK: resume the guest, CFLE = 1. The fr_pmc freeze of the counters is
      // not modelled (the PMDs do not count), so there is nothing to re-enable.
      return resume(m, call.vbr0, true);
    }
    case 'PAL_VPS_RESUME_HANDLER':
      // VTI.PAL.VPS_RESUME_HANDLER.VAC_MISMATCH: GR26{62:0} must be the VPD's vac.
      if ((call.vacCfle & lowMask(63)) !== word(vp.words, VPD_OFFSETS.vac)) return UNDEFINED();
      // VTI.PAL.VPS_RESUME_HANDLER.OK: resume into the guest handler, CFLE = GR26{63}.
      return resume(m, call.vbr0, bitOf(call.vacCfle, 63));
    case 'PAL_VPS_SYNC_READ':
    case 'PAL_VPS_SYNC_WRITE':
      // VTI.PAL.VPS_SYNC_READ.OK, VTI.PAL.VPS_SYNC_WRITE.OK: no hidden copy of VPD state in this CPU
      // (accelerations act on the VPD words themselves), so both syncs have nothing to move.
      return returned();
    case 'PAL_VPS_SET_PENDING_INTERRUPT':
      // VTI.PAL.VPS_SET_PENDING_INTERRUPT.OK: latch the VPD's vhpi for the a_int logic (events.ts).
      m.pendingVirtualInterrupt = word(vp.words, VPD_OFFSETS.vhpi);
      return returned();
    case 'PAL_VPS_SAVE':
      // VTI.PAL.VPS_SAVE.OK: no VP is current; CR.IVA keeps pointing at its host IVT.
      m.env.current = null;
      return returned();
  }
};
