/** Model-specific choices every built-in profile starts from (see VtxProfile.choices). */
import type { VtxProfile } from '../profile.js';

export const DEFAULT_CHOICES: VtxProfile['choices'] = {
  // The 2016 SDM text of §26.2.1.3: bits 31:15 of the VM-entry exception error code must be 0.
  entryErrorCodeReservedMask: 0xffff8000,
  // IA32_DEBUGCTL bits 0, 1, 6–15 (LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS/USR, FREEZE_*, ENABLE_UNCORE_PMI, FREEZE_WHILE_SMM, RTM_DEBUG).
  debugctlValidMask: 0xffc3n,
  // Four general-purpose and three fixed-function counters (CPUID leaf 0AH).
  perfGlobalCtrlValidMask: 0x7_0000_000fn,
  // Microcode-update MSRs (79H IA32_BIOS_UPDT_TRIG, 8BH IA32_BIOS_SIGN_ID): refused by KVM, a
  // documented example of "model-specific reasons" in §26.4.
  msrLoadRejected: [0x79, 0x8b],
};
