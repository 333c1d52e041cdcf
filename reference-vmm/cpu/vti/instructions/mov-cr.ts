/**
 * mov cr = r2 / mov r1 = cr (SDM 3:175; VTI.NATIVE.MOV_CR, VTI.INTERCEPT.MOV_TO_CR,
 * VTI.INTERCEPT.MOV_FROM_CR, VTI.VAC.a_from_int_cr, VTI.VAC.a_to_int_cr, VTI.VDC.d_extint,
 * VTI.VDC.d_itm, VTI.MOV_CR.INTERRUPTION_CR_IC, VTI.EXTINT.IVR, VTI.EXTINT.EOI).
 *
 * Order (SDM rev 2.3, 3:175): operand checks (register outside the frame, reserved CR, write of a
 * read-only CR), the interruption-CR PSR.ic check, cpl; then the from-form intercepts, while the
 * to-form checks GR[r2].NaT first (and the reserved fields, which we do not model) and intercepts
 * after it. With PSR.vm = 1 the ic check
 * is made against vpsr.ic when the access is accelerated, and not at all when it intercepts (the
 * guest runs with the physical PSR.ic = 1, so checking it would fault every guest handler's access).
 */
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { D_EXTINT_CRS, INTERRUPTION_CRS, RESERVED_CR_RANGES } from '../../../../spec/vti/control-registers.js';
import type { VtiProfile } from '../../../../spec/vti/machine/profile.js';
import { bitOf, PSR_BIT } from '../bits.js';
import type { Ctx } from '../context.js';
import { CR } from '../interruption.js';
import { acknowledge, CR_EOI, CR_IRR0, CR_ITM, CR_IVR, endOfInterrupt } from '../lsapic.js';

const IIB = [26, 27];

export const crExists = (p: VtiProfile, n: number): boolean =>
  Number.isInteger(n) && n >= 0 && n < 128 && (IIB.includes(n) ? p.optional.iib : !RESERVED_CR_RANGES.some(([a, b]) => n >= a && n <= b));

const readOnly = (n: number): boolean => n === CR_IVR || (n >= CR_IRR0 && n < CR_IRR0 + 4);

export const interruptionCr = (p: VtiProfile, n: number): boolean =>
  (n >= INTERRUPTION_CRS.first && n <= INTERRUPTION_CRS.last) || (p.optional.iib && IIB.includes(n));

const extintCr = (n: number): boolean => n >= D_EXTINT_CRS.first && n <= D_EXTINT_CRS.last;

/**
 * Does a guest access to CR `n` act on the real register (a vdc disable applies)? VTI.VDC.d_extint for
 * CR65-CR71, VTI.VDC.d_itm for CR1 (ITM).
 */
const disabled = (c: Ctx, n: number): boolean => (extintCr(n) && c.vdcOn('d_extint')) || (n === CR_ITM && c.vdcOn('d_itm'));

/** The interruption-CR check: native PSR.ic, or vpsr.ic for an accelerated guest access. */
const icFault = (c: Ctx, n: number, accelerated: boolean): boolean => {
  if (!interruptionCr(c.profile, n)) return false;
  if (!c.guest) return c.m.psrBit(PSR_BIT.ic);
  return accelerated && bitOf(c.vpsr(), PSR_BIT.ic);
};

/**
 * mov cr = r2: VTI.NATIVE.MOV_CR natively (an EOI write is VTI.EXTINT.EOI); with PSR.vm = 1 at cpl 0,
 * after the NaT check, VTI.INTERCEPT.MOV_TO_CR unless the write goes to vcr[] (VTI.VAC.a_to_int_cr, an
 * interruption CR) or to the real register (VTI.VDC.d_extint, VTI.VDC.d_itm).
 */
export const movToCr = (c: Ctx, n: number, r2: number): VtiObservation => {
  if (!c.src(r2) || !crExists(c.profile, n) || readOnly(n)) return c.illegal();
  const accelerated = c.guest && interruptionCr(c.profile, n) && c.vacOn('a_to_int_cr');
  if (icFault(c, n, accelerated)) return c.illegal('VTI.MOV_CR.INTERRUPTION_CR_IC');
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r2)) return c.natConsumption();
  if (c.guest && !accelerated && !disabled(c, n)) return c.intercept('EVENT_MOV_TO_CR');
  const v = c.val(r2);
  if (accelerated) {
    c.setVcr(n, v);
    return c.done();
  }
  if (n === CR_EOI) endOfInterrupt(c.m);
  // SDM 2:§3.3.3: IVA{14:0} are ignored (ignored_field_mask); other CR fields are stored as written (README.md).
  else c.m.setCr(n, n === CR.iva ? v & ~0x7fffn : v);
  return c.done();
};

/**
 * mov r1 = cr: VTI.NATIVE.MOV_CR natively (an IVR read is VTI.EXTINT.IVR); with PSR.vm = 1 at cpl 0,
 * VTI.INTERCEPT.MOV_FROM_CR unless the read comes from vcr[] (VTI.VAC.a_from_int_cr, an interruption
 * CR) or from the real register (VTI.VDC.d_extint, VTI.VDC.d_itm).
 */
export const movFromCr = (c: Ctx, r1: number, n: number): VtiObservation => {
  if (!c.tgt(r1) || !crExists(c.profile, n)) return c.illegal();
  const accelerated = c.guest && interruptionCr(c.profile, n) && c.vacOn('a_from_int_cr');
  if (icFault(c, n, accelerated)) return c.illegal('VTI.MOV_CR.INTERRUPTION_CR_IC');
  if (c.cpl !== 0) return c.privileged();
  if (c.guest && !accelerated && !disabled(c, n)) return c.intercept('EVENT_MOV_FROM_CR');
  const v = accelerated ? c.vcr(n) : n === CR_IVR ? acknowledge(c.m) : n === CR_EOI ? 0n : c.m.crValue(n);
  c.m.setGr(r1, v);
  return c.done(v);
};
