/**
 * The capability profile decoded into the numbers the checks test (SDM Appendix A). Decoding is done
 * once per profile by the caller (`decodeCapabilities`), so a VM entry reads plain numbers.
 */
import type { VtxProfile } from '../../spec/vtx/profile.js';
import { loOf, hiOf } from './u64.js';

export interface Capabilities {
  readonly profile: VtxProfile;
  /** IA32_VMX_BASIC[30:0]. */
  readonly revisionId: number;
  /** IA32_VMX_BASIC[48]: VMXON/VMCS/structure addresses limited to 32 bits. */
  readonly addresses32: boolean;
  /** IA32_VMX_BASIC[49]. */
  readonly dualMonitor: boolean;
  /** IA32_VMX_BASIC[55]: the TRUE_ control MSRs exist and give the allowed-0 settings. */
  readonly trueControls: boolean;
  /** IA32_VMX_BASIC[56]: a hardware exception may be injected with or without an error code. */
  readonly errorCodeAnyVector: boolean;
  /** Allowed 0-settings (a 1 bit = the control must be 1) and allowed 1-settings per vector. */
  readonly pin0: number; readonly pin1: number;
  readonly proc0: number; readonly proc1: number;
  /** Allowed 1-settings of the secondary controls (0 when IA32_VMX_PROCBASED_CTLS2 does not exist). */
  readonly proc2_1: number;
  readonly proc3_1Lo: number; readonly proc3_1Hi: number;
  readonly exit0: number; readonly exit1: number;
  readonly exit2_1Lo: number; readonly exit2_1Hi: number;
  readonly entry0: number; readonly entry1: number;
  /** IA32_VMX_MISC bits 8:6 shifted down: bit 0 HLT, bit 1 shutdown, bit 2 wait-for-SIPI supported. */
  readonly activityStates: number;
  readonly cr3TargetCount: number;
  /** 512 · (IA32_VMX_MISC[27:25] + 1). */
  readonly maxMsrListEntries: number;
  /** IA32_VMX_MISC[29]: VMWRITE may write VM-exit information fields. */
  readonly vmwriteAnyField: boolean;
  /** IA32_VMX_MISC[30]: zero-length software-event injection allowed. */
  readonly zeroLengthInjection: boolean;
  readonly cr0Fixed0Lo: number; readonly cr0Fixed0Hi: number;
  readonly cr0Fixed1Lo: number; readonly cr0Fixed1Hi: number;
  readonly cr4Fixed0Lo: number; readonly cr4Fixed0Hi: number;
  readonly cr4Fixed1Lo: number; readonly cr4Fixed1Hi: number;
  readonly eptVpidCapLo: number; readonly eptVpidCapHi: number;
  readonly vmfuncLo: number; readonly vmfuncHi: number;
  /** IA32_VMX_VMCS_ENUM[9:1]: the highest field index the processor uses. */
  readonly vmcsEnumMaxIndex: number;
  readonly maxPhysAddr: number;
  readonly linearAddressWidth: number;
  readonly intel64: boolean;
  /** The profile's valid-bit masks of IA32_DEBUGCTL and IA32_PERF_GLOBAL_CTRL, as halves. */
  readonly debugctlValidLo: number; readonly debugctlValidHi: number;
  readonly perfGlobalCtrlValidLo: number; readonly perfGlobalCtrlValidHi: number;
}

export const decodeCapabilities = (profile: VtxProfile): Capabilities => {
  const m = profile.msrs;
  const basic = m.IA32_VMX_BASIC;
  const trueControls = ((basic >> 55n) & 1n) === 1n;
  const ctl = (plain: bigint, tru: bigint | undefined) => {
    const v = trueControls && tru !== undefined ? tru : plain;
    // allowed-0 settings come from the TRUE MSR when it exists; allowed-1 from either (Appendix A.3).
    return { zero: loOf(v), one: hiOf(plain) };
  };
  const pin = ctl(m.IA32_VMX_PINBASED_CTLS, m.IA32_VMX_TRUE_PINBASED_CTLS);
  const proc = ctl(m.IA32_VMX_PROCBASED_CTLS, m.IA32_VMX_TRUE_PROCBASED_CTLS);
  const exit = ctl(m.IA32_VMX_EXIT_CTLS, m.IA32_VMX_TRUE_EXIT_CTLS);
  const entry = ctl(m.IA32_VMX_ENTRY_CTLS, m.IA32_VMX_TRUE_ENTRY_CTLS);
  const misc = m.IA32_VMX_MISC;
  const proc2 = (proc.one >>> 31) & 1 ? m.IA32_VMX_PROCBASED_CTLS2 ?? 0n : 0n;
  const proc3 = (proc.one >>> 17) & 1 ? m.IA32_VMX_PROCBASED_CTLS3 ?? 0n : 0n;
  const exit2 = (exit.one >>> 31) & 1 ? m.IA32_VMX_EXIT_CTLS2 ?? 0n : 0n;
  return {
    profile,
    revisionId: loOf(basic) & 0x7fff_ffff,
    addresses32: ((basic >> 48n) & 1n) === 1n,
    dualMonitor: ((basic >> 49n) & 1n) === 1n,
    trueControls,
    errorCodeAnyVector: ((basic >> 56n) & 1n) === 1n,
    pin0: pin.zero, pin1: pin.one,
    proc0: proc.zero, proc1: proc.one,
    proc2_1: hiOf(proc2),
    proc3_1Lo: loOf(proc3), proc3_1Hi: hiOf(proc3),
    exit0: exit.zero, exit1: exit.one,
    exit2_1Lo: loOf(exit2), exit2_1Hi: hiOf(exit2),
    entry0: entry.zero, entry1: entry.one,
    activityStates: Number((misc >> 6n) & 7n),
    cr3TargetCount: Number((misc >> 16n) & 0x1ffn),
    maxMsrListEntries: 512 * (Number((misc >> 25n) & 7n) + 1),
    vmwriteAnyField: ((misc >> 29n) & 1n) === 1n,
    zeroLengthInjection: ((misc >> 30n) & 1n) === 1n,
    cr0Fixed0Lo: loOf(m.IA32_VMX_CR0_FIXED0), cr0Fixed0Hi: hiOf(m.IA32_VMX_CR0_FIXED0),
    cr0Fixed1Lo: loOf(m.IA32_VMX_CR0_FIXED1), cr0Fixed1Hi: hiOf(m.IA32_VMX_CR0_FIXED1),
    cr4Fixed0Lo: loOf(m.IA32_VMX_CR4_FIXED0), cr4Fixed0Hi: hiOf(m.IA32_VMX_CR4_FIXED0),
    cr4Fixed1Lo: loOf(m.IA32_VMX_CR4_FIXED1), cr4Fixed1Hi: hiOf(m.IA32_VMX_CR4_FIXED1),
    eptVpidCapLo: loOf(m.IA32_VMX_EPT_VPID_CAP ?? 0n), eptVpidCapHi: hiOf(m.IA32_VMX_EPT_VPID_CAP ?? 0n),
    vmfuncLo: loOf(m.IA32_VMX_VMFUNC ?? 0n), vmfuncHi: hiOf(m.IA32_VMX_VMFUNC ?? 0n),
    vmcsEnumMaxIndex: Number((m.IA32_VMX_VMCS_ENUM >> 1n) & 0x1ffn),
    maxPhysAddr: profile.maxPhysAddr,
    linearAddressWidth: profile.linearAddressWidth,
    intel64: profile.intel64,
    debugctlValidLo: loOf(profile.choices.debugctlValidMask), debugctlValidHi: hiOf(profile.choices.debugctlValidMask),
    perfGlobalCtrlValidLo: loOf(profile.choices.perfGlobalCtrlValidMask), perfGlobalCtrlValidHi: hiOf(profile.choices.perfGlobalCtrlValidMask),
  };
};
