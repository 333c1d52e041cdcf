/**
 * The bit layouts of the VMX capability MSRs (SDM Vol. 3D Appendix A, June 2016 edition) and of
 * IA32_FEATURE_CONTROL (Vol. 3C §23.7, Vol. 4 Table 2-2), as data, with a small pure decoder that
 * `vtspec profile show` prints. Bits added by newer SDMs are marked "(post-2016)" in their meaning;
 * sources in docs/notes/post-2016-vmx-facts.md. Bit ranges not listed as a field are reserved;
 * every layout below covers bits 63:0 exactly once (the tests check this), so the decoder reports a
 * reserved range that is not 0.
 */
import { fieldValue, type BitField } from '../bit-field.js';
import { CAPABILITY_MSRS, type CapabilityMsrName } from './profile.js';

export type LayoutMsrName = CapabilityMsrName | 'IA32_FEATURE_CONTROL';

/** The capability-MSR values a profile enumerates; absent = not enumerated. */
export type CapabilityMsrValues = Readonly<Partial<Record<CapabilityMsrName, bigint>>>;

/** One field of a capability-MSR layout. */
export type MsrFieldSpec = BitField;

export interface MsrLayoutSpec {
  readonly index: number;
  readonly name: LayoutMsrName;
  readonly section: string;
  readonly existsWhen: {
    readonly text: string;
    /** Whether the MSR exists, given the values of the other capability MSRs. */
    readonly holds: (msrs: CapabilityMsrValues) => boolean;
  };
  readonly fields: readonly MsrFieldSpec[];
}

const bit = (value: bigint | undefined, n: number): boolean => value !== undefined && ((value >> BigInt(n)) & 1n) === 1n;

const fld = (name: string, hi: number, lo: number, meaning: string): MsrFieldSpec => ({ name, bits: [hi, lo], meaning });
const rsvd = (hi: number, lo: number): MsrFieldSpec => fld('reserved', hi, lo, 'reserved; reads as 0');

const ALWAYS = { text: 'every processor that supports VMX (CPUID.1:ECX.VMX[5] = 1)', holds: () => true } as const;
const IF_TRUE_CTLS = {
  text: 'IA32_VMX_BASIC bit 55 = 1',
  holds: (m: CapabilityMsrValues) => bit(m.IA32_VMX_BASIC, 55),
} as const;
const IF_SECONDARY = {
  text: 'IA32_VMX_PROCBASED_CTLS bit 63 = 1 (the "activate secondary controls" control may be 1)',
  holds: (m: CapabilityMsrValues) => bit(m.IA32_VMX_PROCBASED_CTLS, 63),
} as const;

/** The two halves every 32-bit control capability MSR reports (Appendix A.3–A.5). */
const controlHalves = (what: string): readonly MsrFieldSpec[] => [
  fld('allowed0', 31, 0, `allowed 0-settings of the ${what}: a 1 in bit i means control bit i must be 1`),
  fld('allowed1', 63, 32, `allowed 1-settings of the ${what}: a 0 in bit 32+i means control bit i must be 0`),
];

const layout = (
  name: LayoutMsrName, section: string, existsWhen: MsrLayoutSpec['existsWhen'], fields: readonly MsrFieldSpec[],
): MsrLayoutSpec => ({
  index: name === 'IA32_FEATURE_CONTROL' ? 0x3a : CAPABILITY_MSRS[name],
  name, section, existsWhen, fields,
});

export const CAPABILITY_MSR_LAYOUTS = {
  IA32_FEATURE_CONTROL: layout('IA32_FEATURE_CONTROL', '23.7; Vol. 4 Table 2-2', {
    text: 'CPUID.1:ECX.VMX[5] = 1 or CPUID.1:ECX.SMX[6] = 1', holds: () => true,
  }, [
    fld('lock', 0, 0, 'lock: once 1, WRMSR to this MSR raises #GP(0) until reset; VMXON raises #GP(0) while it is 0'),
    fld('vmxInsideSmx', 1, 1, 'VMXON allowed inside SMX operation'),
    fld('vmxOutsideSmx', 2, 2, 'VMXON allowed outside SMX operation'),
    rsvd(7, 3),
    fld('senterLocalEnables', 14, 8, 'SENTER local function enables (one bit per function; SMX only)'),
    fld('senterGlobalEnable', 15, 15, 'SENTER global enable (SMX only)'),
    rsvd(16, 16),
    fld('sgxLaunchControl', 17, 17, 'SGX launch control enable (the launch-enclave hash MSRs are writable)'),
    fld('sgxGlobalEnable', 18, 18, 'SGX global enable'),
    rsvd(19, 19),
    fld('lmce', 20, 20, 'local machine-check exceptions enabled'),
    rsvd(63, 21),
  ]),
  IA32_VMX_BASIC: layout('IA32_VMX_BASIC', 'A.1', ALWAYS, [
    fld('revisionId', 30, 0, 'VMCS revision identifier'),
    fld('zero', 31, 31, 'always 0'),
    fld('regionSize', 44, 32, 'bytes to allocate for the VMXON region and each VMCS region (at most 4096)'),
    rsvd(47, 45),
    fld('physAddr32', 48, 48, 'physical addresses of the VMXON region, VMCS regions and the structures they reference are limited to 32 bits'),
    fld('dualMonitor', 49, 49, 'dual-monitor treatment of SMIs and SMM is supported'),
    fld('memoryType', 53, 50, 'memory type for VMCS regions and referenced structures (0 = UC, 6 = WB)'),
    fld('insOutsInfo', 54, 54, 'VM exits for INS/OUTS report instruction information'),
    fld('trueControls', 55, 55, 'the IA32_VMX_TRUE_* control MSRs (48DH-490H) exist and may allow 0 for default1 controls'),
    fld('noHwErrorCodeCheck', 56, 56, '(post-2016) VM entry may inject a hardware exception with or without an error code, whatever the vector'),
    rsvd(63, 57),
  ]),
  IA32_VMX_PINBASED_CTLS: layout('IA32_VMX_PINBASED_CTLS', 'A.3.1', ALWAYS, controlHalves('pin-based VM-execution controls')),
  IA32_VMX_PROCBASED_CTLS: layout('IA32_VMX_PROCBASED_CTLS', 'A.3.2', ALWAYS, controlHalves('primary processor-based VM-execution controls')),
  IA32_VMX_EXIT_CTLS: layout('IA32_VMX_EXIT_CTLS', 'A.4', ALWAYS, controlHalves('primary VM-exit controls')),
  IA32_VMX_ENTRY_CTLS: layout('IA32_VMX_ENTRY_CTLS', 'A.5', ALWAYS, controlHalves('VM-entry controls')),
  IA32_VMX_MISC: layout('IA32_VMX_MISC', 'A.6', ALWAYS, [
    fld('preemptionTimerRate', 4, 0, 'X: the VMX-preemption timer counts down by 1 each time bit X of the TSC changes'),
    fld('storesLma', 5, 5, 'VM exits store IA32_EFER.LMA into the "IA-32e mode guest" VM-entry control'),
    fld('activityHlt', 6, 6, 'activity state 1 (HLT) supported'),
    fld('activityShutdown', 7, 7, 'activity state 2 (shutdown) supported'),
    fld('activityWaitForSipi', 8, 8, 'activity state 3 (wait-for-SIPI) supported'),
    rsvd(13, 9),
    fld('ptInVmx', 14, 14, 'Intel PT may be used in VMX operation'),
    fld('rdmsrSmbase', 15, 15, 'RDMSR may read IA32_SMBASE (9EH) in SMM'),
    fld('cr3TargetCount', 24, 16, 'number of CR3-target values supported'),
    fld('maxMsrListN', 27, 25, 'N: recommended maximum number of entries in each MSR list is 512 * (N + 1)'),
    fld('smmMonitorCtlBit2', 28, 28, 'bit 2 of IA32_SMM_MONITOR_CTL may be set (VMXOFF then leaves SMIs blocked)'),
    fld('vmwriteAnyField', 29, 29, 'VMWRITE may write any supported field, including the VM-exit information fields'),
    fld('zeroLengthInjection', 30, 30, 'VM entry may inject software interrupts, software and privileged software exceptions with instruction length 0'),
    rsvd(31, 31),
    fld('msegRevisionId', 63, 32, 'MSEG revision identifier'),
  ]),
  IA32_VMX_CR0_FIXED0: layout('IA32_VMX_CR0_FIXED0', 'A.7', ALWAYS, [
    fld('mustBe1', 63, 0, 'bit i = 1: CR0 bit i must be 1 in VMX operation'),
  ]),
  IA32_VMX_CR0_FIXED1: layout('IA32_VMX_CR0_FIXED1', 'A.7', ALWAYS, [
    fld('mayBe1', 63, 0, 'bit i = 0: CR0 bit i must be 0 in VMX operation'),
  ]),
  IA32_VMX_CR4_FIXED0: layout('IA32_VMX_CR4_FIXED0', 'A.8', ALWAYS, [
    fld('mustBe1', 63, 0, 'bit i = 1: CR4 bit i must be 1 in VMX operation (includes VMXE, bit 13)'),
  ]),
  IA32_VMX_CR4_FIXED1: layout('IA32_VMX_CR4_FIXED1', 'A.8', ALWAYS, [
    fld('mayBe1', 63, 0, 'bit i = 0: CR4 bit i must be 0 in VMX operation'),
  ]),
  IA32_VMX_VMCS_ENUM: layout('IA32_VMX_VMCS_ENUM', 'A.9', ALWAYS, [
    rsvd(0, 0),
    fld('highestIndex', 9, 1, 'highest index value used in any VMCS field encoding (bits 9:1 of the encoding)'),
    rsvd(63, 10),
  ]),
  IA32_VMX_PROCBASED_CTLS2: layout('IA32_VMX_PROCBASED_CTLS2', 'A.3.3', IF_SECONDARY,
    controlHalves('secondary processor-based VM-execution controls')),
  IA32_VMX_EPT_VPID_CAP: layout('IA32_VMX_EPT_VPID_CAP', 'A.10', {
    text: 'IA32_VMX_PROCBASED_CTLS2 exists and its bit 33 (enable EPT) or bit 37 (enable VPID) is 1',
    holds: (m) => IF_SECONDARY.holds(m) && (bit(m.IA32_VMX_PROCBASED_CTLS2, 33) || bit(m.IA32_VMX_PROCBASED_CTLS2, 37)),
  }, [
    fld('executeOnly', 0, 0, 'EPT translations may be execute-only'),
    rsvd(5, 1),
    fld('pageWalk4', 6, 6, 'EPT page-walk length 4 supported'),
    fld('pageWalk5', 7, 7, '(post-2016) EPT page-walk length 5 supported'),
    fld('memtypeUc', 8, 8, 'EPT paging structures may be uncacheable (UC)'),
    rsvd(13, 9),
    fld('memtypeWb', 14, 14, 'EPT paging structures may be write-back (WB)'),
    rsvd(15, 15),
    fld('pde2M', 16, 16, 'EPT PDEs may map 2-MByte pages'),
    fld('pdpte1G', 17, 17, 'EPT PDPTEs may map 1-GByte pages'),
    rsvd(19, 18),
    fld('invept', 20, 20, 'INVEPT supported'),
    fld('accessedDirty', 21, 21, 'accessed and dirty flags for EPT supported'),
    fld('advancedExitInfo', 22, 22, 'EPT violations report advanced VM-exit information'),
    rsvd(24, 23),
    fld('inveptSingleContext', 25, 25, 'INVEPT type 1 (single-context) supported'),
    fld('inveptAllContext', 26, 26, 'INVEPT type 2 (all-context) supported'),
    rsvd(31, 27),
    fld('invvpid', 32, 32, 'INVVPID supported'),
    rsvd(39, 33),
    fld('invvpidIndividualAddress', 40, 40, 'INVVPID type 0 (individual address) supported'),
    fld('invvpidSingleContext', 41, 41, 'INVVPID type 1 (single context) supported'),
    fld('invvpidAllContext', 42, 42, 'INVVPID type 2 (all contexts) supported'),
    fld('invvpidSingleContextRetainingGlobals', 43, 43, 'INVVPID type 3 (single context, retaining globals) supported'),
    rsvd(63, 44),
  ]),
  IA32_VMX_TRUE_PINBASED_CTLS: layout('IA32_VMX_TRUE_PINBASED_CTLS', 'A.3.1', IF_TRUE_CTLS, controlHalves('pin-based VM-execution controls (default1 bits may be allowed 0)')),
  IA32_VMX_TRUE_PROCBASED_CTLS: layout('IA32_VMX_TRUE_PROCBASED_CTLS', 'A.3.2', IF_TRUE_CTLS, controlHalves('primary processor-based VM-execution controls (default1 bits may be allowed 0)')),
  IA32_VMX_TRUE_EXIT_CTLS: layout('IA32_VMX_TRUE_EXIT_CTLS', 'A.4', IF_TRUE_CTLS, controlHalves('primary VM-exit controls (default1 bits may be allowed 0)')),
  IA32_VMX_TRUE_ENTRY_CTLS: layout('IA32_VMX_TRUE_ENTRY_CTLS', 'A.5', IF_TRUE_CTLS, controlHalves('VM-entry controls (default1 bits may be allowed 0)')),
  IA32_VMX_VMFUNC: layout('IA32_VMX_VMFUNC', 'A.11', {
    text: 'IA32_VMX_PROCBASED_CTLS2 exists and its bit 45 (enable VM functions) is 1',
    holds: (m) => IF_SECONDARY.holds(m) && bit(m.IA32_VMX_PROCBASED_CTLS2, 45),
  }, [
    fld('eptpSwitching', 0, 0, 'VM function 0 (EPTP switching) may be enabled'),
    fld('otherFunctions', 63, 1, 'bit n = 1: VM function n may be enabled (none defined in 2016)'),
  ]),
  IA32_VMX_PROCBASED_CTLS3: layout('IA32_VMX_PROCBASED_CTLS3', 'A.3.4 (post-2016)', {
    text: 'IA32_VMX_PROCBASED_CTLS bit 49 = 1 (the "activate tertiary controls" control may be 1)',
    holds: (m) => bit(m.IA32_VMX_PROCBASED_CTLS, 49),
  }, [
    fld('allowed1', 63, 0, '(post-2016) allowed 1-settings of the 64-bit tertiary processor-based controls: bit i = 0 means control bit i must be 0'),
  ]),
  IA32_VMX_EXIT_CTLS2: layout('IA32_VMX_EXIT_CTLS2', 'A.4 (post-2016)', {
    text: 'IA32_VMX_EXIT_CTLS bit 63 = 1 (the "activate secondary controls" VM-exit control may be 1)',
    holds: (m) => bit(m.IA32_VMX_EXIT_CTLS, 63),
  }, [
    fld('allowed1', 63, 0, '(post-2016) allowed 1-settings of the 64-bit secondary VM-exit controls: bit i = 0 means control bit i must be 0'),
  ]),
} as const satisfies Record<LayoutMsrName, MsrLayoutSpec>;

export interface DecodedMsrField {
  readonly name: string;
  readonly bits: readonly [number, number];
  readonly value: bigint;
  readonly meaning: string;
}

/** Bits hi:lo of a 64-bit value. */
export const bitsOf = (value: bigint, hi: number, lo: number): bigint => fieldValue(value, [hi, lo]);

/** Split a capability-MSR value into its fields, low bits first (reserved ranges included). */
export const decodeCapabilityMsr = (name: LayoutMsrName, value: bigint): readonly DecodedMsrField[] =>
  CAPABILITY_MSR_LAYOUTS[name].fields.map((f) => ({
    name: f.name, bits: f.bits, value: bitsOf(value, f.bits[0], f.bits[1]), meaning: f.meaning,
  }));

/** Whether `name` exists on a processor whose other capability MSRs are `msrs` (Appendix A). */
export const capabilityMsrExists = (name: LayoutMsrName, msrs: CapabilityMsrValues): boolean =>
  CAPABILITY_MSR_LAYOUTS[name].existsWhen.holds(msrs);
