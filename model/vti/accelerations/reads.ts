/**
 * The read accelerations (SDM rev 2.3 §11.7.4.2): mov from psr served from vpsr (vac.a_from_psr) and
 * mov from cpuid served from VPD vcpuid[] (vac.a_from_cpuid), both without an intercept.
 */
import { PSR_MOV_FROM_MASK } from '../../../spec/vti/psr.js';
import { raise } from '../interruption.js';
import { because, type Decision } from '../outcome.js';
import { complete, gr, natConsumption, val, type Ctx } from '../native/common.js';
import type { VpRef } from './vp.js';

/** PSR bits that run on the physical PSR even for a guest (be, up, ac, mfl, mfh; LK/XEN vcpu_get_psr). */
const NATIVE_BITS = 0x3en;

/**
 * mov r1 = psr under vac.a_from_psr. Implements VTI.VAC.a_from_psr. Which bits come from vpsr is not
 * retrieved (VAC_BITS note): canonical is all of them; taking be/up/ac/mfl/mfh from the physical PSR,
 * as the VMMs' emulation does, is permitted.
 */
export const fromPsr = (ctx: Ctx, vp: VpRef, r1: number): Decision => {
  const t = [because('VTI.VAC.a_from_psr', 'vac.a_from_psr = 1: r1 = vpsr{31:0, 36:35}, no intercept')];
  const canonical = complete(ctx, ctx.state, t, { r1, g: gr(vp.vpd.vpsr & PSR_MOV_FROM_MASK) });
  const mixed = complete(ctx, ctx.state, t, { r1, g: gr(((vp.vpd.vpsr & ~NATIVE_BITS) | (ctx.state.psr & NATIVE_BITS)) & PSR_MOV_FROM_MASK) });
  return { ...canonical, alternatives: [{ observation: mixed.observation, state: mixed.state }] };
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
