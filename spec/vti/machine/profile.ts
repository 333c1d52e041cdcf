/**
 * The processor a VT-i step runs on: the implementation-specific facts the architecture leaves to
 * PAL_VM_SUMMARY, PAL_PROC_GET_FEATURES, PAL_VP_ENV_INFO and CPUID, and the optional features.
 */

export interface VtiProfile {
  readonly name: string;
  /** IMPL_VA_MSB (PAL_VM_SUMMARY): bits IMPL_VA_MSB:0 of each region are implemented (50..60). */
  readonly implVaMsb: number;
  /** PAL_PROC_GET_FEATURES enabled features: bit 40 = PSR.vm features, bit 54 = vmsw (spec/vti/pal.ts). */
  readonly palProcFeatures: bigint;
  /** PAL_VP_ENV_INFO returns. */
  readonly envBufferSize: bigint;
  readonly vpEnvInfo: bigint;
  /** The PAL_VPS_* service base PAL_VP_INIT_ENV returns (where PAL put its services: implementation-specific). */
  readonly vsaBase: bigint;
  /** config_options.gitc is supported (otherwise it is a reserved bit). */
  readonly gitc: boolean;
  /** SDM rev 2.3 optional features. */
  readonly optional: {
    /** probe intercepts (cause 41) with PSR.vm = 1. */
    readonly probeIntercept: boolean;
    /** CR26/CR27 (iib0, iib1) exist. */
    readonly iib: boolean;
  };
  readonly itrCount: number;
  readonly dtrCount: number;
  readonly pkrCount: number;
  /** CPUID[0..]: CPUID[3]{7:0} = index of the last implemented one. */
  readonly cpuid: readonly bigint[];
}

export const PAL_FEATURE_VM = 40n;
export const PAL_FEATURE_VMSW = 54n;

export const vmFeaturesEnabled = (p: VtiProfile): boolean => ((p.palProcFeatures >> PAL_FEATURE_VM) & 1n) === 1n;
export const vmswImplemented = (p: VtiProfile): boolean => vmFeaturesEnabled(p) && ((p.palProcFeatures >> PAL_FEATURE_VMSW) & 1n) === 1n;

/** A Montecito-like part: 51 implemented VA bits, VT-i and vmsw enabled, 8 ITRs and DTRs, 16 PKRs. */
export const DEFAULT_VTI_PROFILE: VtiProfile = {
  name: 'montecito-like',
  implVaMsb: 50,
  palProcFeatures: (1n << PAL_FEATURE_VM) | (1n << PAL_FEATURE_VMSW),
  envBufferSize: 0x10_0000n,
  vpEnvInfo: 0n,
  vsaBase: 0xe000_0000_fff0_0000n,
  gitc: false,
  optional: { probeIntercept: false, iib: false },
  itrCount: 8,
  dtrCount: 8,
  pkrCount: 16,
  // "GenuineIntel", 0, version (family 0x20, number = 4), features.
  cpuid: [0x4965_6e69_756e_6547n, 0x6c65_746en, 0n, 0x0000_0000_2000_0004n, 0n],
};

/** A processor without VT-i (PAL_PROC_GET_FEATURES bit 40 clear). */
export const NO_VT_PROFILE: VtiProfile = { ...DEFAULT_VTI_PROFILE, name: 'no-vt', palProcFeatures: 0n };
