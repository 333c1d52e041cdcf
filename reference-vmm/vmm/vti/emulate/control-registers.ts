/**
 * mov to / from a control register (causes 4 and 5). Every guest CR lives in VPD vcr[] (LK/XEN keep
 * dcr, itm, iva, pta, CR16-25, tpr, itv, pmv, cmcv, lrr there); the external-interrupt CRs are the
 * virtual LSAPIC's (IVR acknowledges, EOI retires, IRR0-3 are its pending set), and ITM and ITV
 * also program the machine timer, which the VMM lends the guest. ITJ's MOV-from-PTA example is `mov r1 = cr8`: the result comes from the
 * guest's PTA in the VPD, never the machine's (which the VMM may have relocated).
 */
import { INTERRUPTION_CRS } from '../../../../spec/vti/control-registers.js';
import { acknowledge, endOfInterrupt, irrWord } from '../vlsapic.js';
import type { Vm } from '../vm.js';
import { completed, fault, guestIc, natConsumption, setResult, val, type Emu, type Emulation } from './common.js';

const CR = { itm: 1, iva: 2, ivr: 65, eoi: 67, irr0: 68, irr3: 71, itv: 72 } as const;

/** CR16-CR25 (not CR18), and iib0/iib1 where the processor has them: accessible only with PSR.ic = 0. */
export const isInterruptionCr = (vm: Vm, cr: number): boolean =>
  (cr >= INTERRUPTION_CRS.first && cr <= INTERRUPTION_CRS.last && cr !== 18) || (vm.profile.optional.iib && (cr === 26 || cr === 27));

/**
 * The guest's PSR.ic is virtual, so the processor cannot apply the interruption-CR check to an
 * intercepted access (VTI.MOV_CR.INTERRUPTION_CR_IC); the VMM does, with vpsr.ic.
 */
const icCheck = (e: Emu, cr: number): Emulation | null =>
  isInterruptionCr(e.vm, cr) && guestIc(e) ? fault('illegalOperation') : null;

export const movFromCr = (e: Emu, r1: number, cr: number): Emulation => {
  const bad = icCheck(e, cr);
  if (bad !== null) return bad;
  let v: bigint;
  if (cr === CR.ivr) v = BigInt(acknowledge(e.vm));
  else if (cr === CR.eoi) v = 0n;
  else if (cr >= CR.irr0 && cr <= CR.irr3) v = irrWord(e.vm, cr - CR.irr0);
  else v = e.vm.host.vpd().vcr.get(cr) ?? 0n;
  setResult(e, r1, v);
  return completed;
};

export const movToCr = (e: Emu, cr: number, r2: number): Emulation => {
  // The PSR.ic check is an operand check: it comes before NaT consumption (SDM 3:175).
  const bad = icCheck(e, cr) ?? natConsumption(e, [r2]);
  if (bad !== null) return bad;
  const v = val(e, r2);
  if (cr === CR.eoi) {
    endOfInterrupt(e.vm);
    return completed;
  }
  // IVA{14:0} are ignored: the IVT is 32 KiB aligned (SDM 2:§3.3.3).
  const stored = cr === CR.iva ? v & ~0x7fffn : v;
  e.vm.host.updateVpd((vpd) => ({ ...vpd, vcr: new Map(vpd.vcr).set(cr, stored) }));
  // The guest's timer is the machine's: it fires when the guest's ITC (machine ITC + offset)
  // reaches the guest's ITM, with the guest's ITV vector and mask.
  if (cr === CR.itm) e.vm.host.movToCr(CR.itm, (v - e.vm.shadow.itcOffset) & ((1n << 64n) - 1n));
  if (cr === CR.itv) e.vm.host.movToCr(CR.itv, v);
  return completed;
};
