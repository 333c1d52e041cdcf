/**
 * The PSR instructions (SDM 3:185 mov psr, ssm, rsm; VTI.NATIVE.MOV_PSR, VTI.NATIVE.SSM_RSM,
 * VTI.INTERCEPT.MOV_TO_PSR, VTI.INTERCEPT.MOV_FROM_PSR, VTI.INTERCEPT.SSM, VTI.INTERCEPT.RSM,
 * VTI.VAC.a_from_psr).
 *
 * mov psr.l, mov from psr, ssm and rsm are privileged; the user-mask forms are not, and VT-i does not
 * virtualize them (they act on the physical PSR.um). Order (SDM rev 2.3, 3:185): mov from psr
 * intercepts right after the cpl check; mov psr.l checks GR[r2].NaT and the reserved PSR{31:0} fields
 * first and intercepts after them. ssm / rsm follow mov psr.l (their reserved-field check on imm24
 * before the intercept is by analogy).
 */
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { PSR_L_MASK, PSR_MOV_FROM_MASK } from '../../../../spec/vti/psr.js';
import { lowMask, PSR_BIT, PSR_RESERVED } from '../bits.js';
import type { Ctx } from '../context.js';

const UM = lowMask(6);
const SM = lowMask(24);

/** mov psr.l = r2: VTI.NATIVE.MOV_PSR; with PSR.vm = 1, after the NaT and reserved-field checks, VTI.INTERCEPT.MOV_TO_PSR. */
export const movToPsrL = (c: Ctx, r2: number): VtiObservation => {
  if (!c.src(r2)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r2)) return c.natConsumption();
  const v = c.val(r2) & PSR_L_MASK;
  if ((v & PSR_RESERVED) !== 0n) return c.reservedField('VTI.NATIVE.MOV_PSR');
  if (c.guest) return c.intercept('EVENT_MOV_TO_PSR');
  c.m.psr = (c.m.psr & ~PSR_L_MASK) | v;
  return c.done();
};

/** mov psr.um = r2: VTI.NATIVE.MOV_PSR at any cpl, not virtualized. */
export const movToPsrUm = (c: Ctx, r2: number): VtiObservation => {
  if (!c.src(r2)) return c.illegal();
  if (c.nat(r2)) return c.natConsumption();
  const v = c.val(r2) & UM;
  if ((v & PSR_RESERVED) !== 0n) return c.reservedField('VTI.NATIVE.MOV_PSR');
  // SDM mov psr.um: PSR.up changes only while PSR.sp = 0.
  const keep = c.m.psrBit(PSR_BIT.sp) ? 1n << BigInt(PSR_BIT.up) : 0n;
  c.m.psr = (c.m.psr & ~(UM & ~keep)) | (v & ~keep);
  return c.done();
};

/**
 * mov r1 = psr: VTI.NATIVE.MOV_PSR (PSR{31:0} and {36:35}); with PSR.vm = 1 at cpl 0
 * VTI.INTERCEPT.MOV_FROM_PSR, unless VTI.VAC.a_from_psr returns vpsr under the same mask — except
 * the user mask, which comes from the PSR itself: the guest changes it with mov psr.um at any cpl
 * without an intercept (SDM 2:§3.3.2, Table 3-1), so only the PSR holds its current value (XEN
 * vmx_vcpu_get_psr takes be, up, ac, mfl, mfh from the machine for that reason).
 */
export const movFromPsr = (c: Ctx, r1: number): VtiObservation => {
  if (!c.tgt(r1)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.guest && !c.vacOn('a_from_psr')) return c.intercept('EVENT_MOV_FROM_PSR');
  const v = (c.guest ? (c.vpsr() & ~UM) | (c.m.psr & UM) : c.m.psr) & PSR_MOV_FROM_MASK;
  c.m.setGr(r1, v);
  return c.done(v);
};

/** mov r1 = psr.um: VTI.NATIVE.MOV_PSR at any cpl, not virtualized. */
export const movFromPsrUm = (c: Ctx, r1: number): VtiObservation => {
  if (!c.tgt(r1)) return c.illegal();
  const v = c.m.psr & UM;
  c.m.setGr(r1, v);
  return c.done(v);
};

/**
 * ssm / rsm imm24 (VTI.NATIVE.SSM_RSM): set / clear PSR{23:0} bits; reserved bits in imm24 are a
 * Reserved Register/Field fault; with PSR.vm = 1 at cpl 0, VTI.INTERCEPT.SSM / VTI.INTERCEPT.RSM.
 */
export const systemMask = (c: Ctx, imm24: number, set: boolean): VtiObservation => {
  if (c.cpl !== 0) return c.privileged();
  const v = BigInt(imm24) & SM;
  if ((v & PSR_RESERVED) !== 0n) return c.reservedField('VTI.NATIVE.SSM_RSM');
  if (c.guest) return c.intercept(set ? 'EVENT_SSM' : 'EVENT_RSM');
  c.m.psr = set ? c.m.psr | v : c.m.psr & ~v;
  return c.done();
};
