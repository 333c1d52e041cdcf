/**
 * A capability profile: the processor a VT-x step is evaluated for. The IA32_VMX_* capability MSRs
 * (SDM Appendix A) decide which controls may be 0 or 1, the fixed CR0/CR4 bits, the VMCS revision
 * identifier and the optional features; CPUID facts decide address widths. Model-specific choices the
 * SDM leaves to the implementation are explicit parameters, never hidden defaults.
 */

export const CAPABILITY_MSRS = {
  IA32_VMX_BASIC: 0x480,
  IA32_VMX_PINBASED_CTLS: 0x481,
  IA32_VMX_PROCBASED_CTLS: 0x482,
  IA32_VMX_EXIT_CTLS: 0x483,
  IA32_VMX_ENTRY_CTLS: 0x484,
  IA32_VMX_MISC: 0x485,
  IA32_VMX_CR0_FIXED0: 0x486,
  IA32_VMX_CR0_FIXED1: 0x487,
  IA32_VMX_CR4_FIXED0: 0x488,
  IA32_VMX_CR4_FIXED1: 0x489,
  IA32_VMX_VMCS_ENUM: 0x48a,
  IA32_VMX_PROCBASED_CTLS2: 0x48b,
  IA32_VMX_EPT_VPID_CAP: 0x48c,
  IA32_VMX_TRUE_PINBASED_CTLS: 0x48d,
  IA32_VMX_TRUE_PROCBASED_CTLS: 0x48e,
  IA32_VMX_TRUE_EXIT_CTLS: 0x48f,
  IA32_VMX_TRUE_ENTRY_CTLS: 0x490,
  IA32_VMX_VMFUNC: 0x491,
  IA32_VMX_PROCBASED_CTLS3: 0x492,
  IA32_VMX_EXIT_CTLS2: 0x493,
} as const;

export type CapabilityMsrName = keyof typeof CAPABILITY_MSRS;

/** The MSRs every VMX processor enumerates; the others exist only when BASIC / PROCBASED_CTLS2 say so. */
export const REQUIRED_CAPABILITY_MSRS = [
  'IA32_VMX_BASIC', 'IA32_VMX_PINBASED_CTLS', 'IA32_VMX_PROCBASED_CTLS', 'IA32_VMX_EXIT_CTLS',
  'IA32_VMX_ENTRY_CTLS', 'IA32_VMX_MISC', 'IA32_VMX_CR0_FIXED0', 'IA32_VMX_CR0_FIXED1',
  'IA32_VMX_CR4_FIXED0', 'IA32_VMX_CR4_FIXED1', 'IA32_VMX_VMCS_ENUM',
] as const satisfies readonly CapabilityMsrName[];

export interface VtxProfile {
  readonly name: string;
  readonly description: string;
  /** Absent = not enumerated (RDMSR raises #GP). */
  readonly msrs: Readonly<Partial<Record<CapabilityMsrName, bigint>>> & Readonly<Record<(typeof REQUIRED_CAPABILITY_MSRS)[number], bigint>>;
  /** CPUID.80000008H:EAX[7:0]. */
  readonly maxPhysAddr: number;
  /** CPUID.80000008H:EAX[15:8]. */
  readonly linearAddressWidth: number;
  /** The processor supports Intel 64 architecture (the "[Intel 64]" checks of §26.2–26.3 apply). */
  readonly intel64: boolean;
  readonly cpuid: {
    /** CPUID.(EAX=7,ECX=0):EBX[2] — needed for enclave interruption (GUEST.INTR.ENCLAVE). */
    readonly sgx: boolean;
    /** CPUID.(EAX=7,ECX=0):EBX[11] — needed for the pending-debug RTM bit (GUEST.PDBG.RTM.CPU). */
    readonly rtm: boolean;
  };
  readonly choices: {
    /**
     * Bits of the VM-entry exception error code that must be 0 (CTL.INJ.ERRCODE.RSVD): the 2016 SDM
     * text says 31:15 (FFFF8000H); Bochs and KVM check 31:16 (FFFF0000H).
     */
    readonly entryErrorCodeReservedMask: number;
    /** Valid IA32_DEBUGCTL bits (the others are reserved; GUEST.DEBUGCTL.RSVD). */
    readonly debugctlValidMask: bigint;
    /** Valid IA32_PERF_GLOBAL_CTRL bits (depends on the number of counters). */
    readonly perfGlobalCtrlValidMask: bigint;
    /** MSRs this processor refuses in the VM-entry MSR-load list for model-specific reasons (MSRLOAD.MODEL). */
    readonly msrLoadRejected: readonly number[];
  };
}
