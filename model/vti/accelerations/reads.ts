/**
 * The read accelerations (SDM rev 2.3 §11.7.4.2): mov from psr served from vpsr (vac.a_from_psr) and
 * mov from cpuid served from VPD vcpuid[] (vac.a_from_cpuid), both without an intercept.
 */
import { PSR_MOV_FROM_MASK } from '../../../spec/vti/psr.js';
import { raise } from '../interruption.js';
import { because, type Decision } from '../outcome.js';
import { complete, gr, natConsumption, val, type Ctx } from '../native/common.js';
import type { VpRef } from './vp.js';

/**
 * The user mask PSR{5:0} (be, up, ac, mfl, mfh): a guest changes it with mov psr.um at any cpl, and
 * that never intercepts (SDM 2:§3.3.2, Table 3-1), so the VPD's vpsr cannot hold its current value; the
 * physical PSR does (XEN vmx_vcpu_get_psr takes these bits from the machine IPSR for that reason).
 */
const USER_MASK = 0x3fn;

/**
 * mov r1 = psr under vac.a_from_psr. Implements VTI.VAC.a_from_psr: vpsr{31:0, 36:35}, the user mask
 * from the physical PSR. The SDM's text for this acceleration was not retrieved; serving the user mask
 * from vpsr would show the guest stale bits after its own mov psr.um, which no VMM could repair
 * (nothing intercepts in between), so that reading is not permitted.
 */
export const fromPsr = (ctx: Ctx, vp: VpRef, r1: number): Decision => {
  const t = [because('VTI.VAC.a_from_psr', 'vac.a_from_psr = 1: r1 = vpsr{31:6, 36:35} with PSR{5:0} (the user mask), no intercept')];
  const v = ((vp.vpd.vpsr & ~USER_MASK) | (ctx.state.psr & USER_MASK)) & PSR_MOV_FROM_MASK;
  return complete(ctx, ctx.state, t, { r1, g: gr(v) });
};

/** mov r1 = cpuid[r3] under vac.a_from_cpuid. Implements VTI.VAC.a_from_cpuid. */
export const fromCpuid = (ctx: Ctx, vp: VpRef, r1: number, r3: number): Decision => {
  const t = [because('VTI.VAC.a_from_cpuid', 'vac.a_from_cpuid = 1: r1 = VPD vcpuid[r3], no intercept')];
  const nat = natConsumption(ctx, [r3], t);
  if (nat !== null) return nat;
  const i = val(ctx, r3);
  if (i >= BigInt(vp.vpd.vcpuid.length)) {
    return raise(ctx.state, 'reservedRegisterField', [...t, because('VTI.NATIVE.CPUID', `vcpuid[${i}] does not exist`)]);
  }
  return complete(ctx, ctx.state, t, { r1, g: gr(vp.vpd.vcpuid[Number(i)] ?? 0n) });
};
