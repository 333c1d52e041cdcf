/**
 * VMX basic exit reasons (SDM Vol. 3D Appendix C, June 2016 edition) and the layout of the 32-bit
 * exit-reason field (§24.9.1). Reasons 65 and up come from newer SDMs; their numbers and sources are
 * in docs/notes/post-2016-vmx-facts.md §4 (`since: 'post-2016'`). Numbers 35, 38 and 42 are unused
 * in the 2016 edition and are absent here, as is 71, which only Intel's TDX module names.
 *
 * `governedBy` is our own one-line summary of what makes the exit happen; `section` is where the
 * SDM describes that cause (every reason is also listed in Appendix C).
 */

export interface ExitReasonSpec {
  readonly reason: number;
  /** The SDM's name of the basic exit reason. */
  readonly name: string;
  readonly governedBy: string;
  readonly section: string;
  readonly since: '2016' | 'post-2016';
}

const r = (reason: number, name: string, governedBy: string, section: string) =>
  ({ reason, name, governedBy, section, since: '2016' }) as const;
const later = (reason: number, name: string, governedBy: string) =>
  ({ reason, name, governedBy, section: 'App. C (post-2016)', since: 'post-2016' }) as const;

export const EXIT_REASONS = [
  r(0, 'Exception or non-maskable interrupt (NMI)', 'exception bitmap bit of the vector (#PF also filtered by error-code mask/match); NMI exiting for NMIs', '25.2'),
  r(1, 'External interrupt', 'external-interrupt exiting', '25.2'),
  r(2, 'Triple fault', 'always', '25.2'),
  r(3, 'INIT signal', 'always', '25.2'),
  r(4, 'Start-up IPI (SIPI)', 'always, when a SIPI arrives in the wait-for-SIPI activity state', '25.2'),
  r(5, 'I/O system-management interrupt (SMI)', 'SMI right after an I/O instruction, under dual-monitor treatment (SMM VM exit)', '34.15.2'),
  r(6, 'Other SMI', 'any other SMI under dual-monitor treatment (SMM VM exit)', '34.15.2'),
  r(7, 'Interrupt window', 'interrupt-window exiting, once RFLAGS.IF = 1 and nothing blocks interrupts', '25.2'),
  r(8, 'NMI window', 'NMI-window exiting, once nothing blocks NMIs', '25.2'),
  r(9, 'Task switch', 'always', '25.2'),
  r(10, 'CPUID', 'always', '25.1.2'),
  r(11, 'GETSEC', 'always', '25.1.2'),
  r(12, 'HLT', 'HLT exiting', '25.1.3'),
  r(13, 'INVD', 'always', '25.1.2'),
  r(14, 'INVLPG', 'INVLPG exiting', '25.1.3'),
  r(15, 'RDPMC', 'RDPMC exiting', '25.1.3'),
  r(16, 'RDTSC', 'RDTSC exiting', '25.1.3'),
  r(17, 'RSM', 'RSM executed in SMM under dual-monitor treatment', '25.1.3'),
  r(18, 'VMCALL', 'always', '25.1.2'),
  r(19, 'VMCLEAR', 'always', '25.1.2'),
  r(20, 'VMLAUNCH', 'always', '25.1.2'),
  r(21, 'VMPTRLD', 'always', '25.1.2'),
  r(22, 'VMPTRST', 'always', '25.1.2'),
  r(23, 'VMREAD', 'always, unless VMCS shadowing is on and the VMREAD-bitmap bit of the field is 0', '25.1.3'),
  r(24, 'VMRESUME', 'always', '25.1.2'),
  r(25, 'VMWRITE', 'always, unless VMCS shadowing is on and the VMWRITE-bitmap bit of the field is 0', '25.1.3'),
  r(26, 'VMXOFF', 'always', '25.1.2'),
  r(27, 'VMXON', 'always', '25.1.2'),
  r(28, 'Control-register accesses', 'CR0/CR4 guest/host masks and read shadows, CR3-load/store exiting and CR3-target values, CR8-load/store exiting, TPR shadow', '25.1.3'),
  r(29, 'MOV DR', 'MOV-DR exiting', '25.1.3'),
  r(30, 'I/O instruction', 'unconditional I/O exiting, or the I/O bitmaps when they are used', '25.1.3'),
  r(31, 'RDMSR', 'the MSR read bitmaps when MSR bitmaps are used, otherwise always', '25.1.3'),
  r(32, 'WRMSR', 'the MSR write bitmaps when MSR bitmaps are used, otherwise always', '25.1.3'),
  r(33, 'VM-entry failure due to invalid guest state', 'a guest-state check of VM entry fails (bit 31 set)', '26.3'),
  r(34, 'VM-entry failure due to MSR loading', 'an entry of the VM-entry MSR-load list cannot be loaded (bit 31 set)', '26.4'),
  r(36, 'MWAIT', 'MWAIT exiting', '25.1.3'),
  r(37, 'Monitor trap flag', 'monitor trap flag', '25.5.2'),
  r(39, 'MONITOR', 'MONITOR exiting', '25.1.3'),
  r(40, 'PAUSE', 'PAUSE exiting, or PAUSE-loop exiting at CPL 0', '25.1.3'),
  r(41, 'VM-entry failure due to machine-check event', 'a machine check during VM entry (bit 31 set)', '26.8'),
  r(43, 'TPR below threshold', 'use TPR shadow: the virtual TPR drops below the TPR threshold', '29.1.2'),
  r(44, 'APIC access', 'virtualize APIC accesses: an access to the APIC-access page that is not virtualized', '29.4'),
  r(45, 'Virtualized EOI', 'virtual-interrupt delivery: EOI virtualization of a vector set in the EOI-exit bitmap', '29.1.4'),
  r(46, 'Access to GDTR or IDTR', 'descriptor-table exiting (LGDT, LIDT, SGDT, SIDT)', '25.1.3'),
  r(47, 'Access to LDTR or TR', 'descriptor-table exiting (LLDT, LTR, SLDT, STR)', '25.1.3'),
  r(48, 'EPT violation', 'enable EPT: an access the EPT paging structures do not permit', '28.2.3'),
  r(49, 'EPT misconfiguration', 'enable EPT: a misconfigured EPT paging-structure entry', '28.2.3'),
  r(50, 'INVEPT', 'always', '25.1.2'),
  r(51, 'RDTSCP', 'RDTSC exiting (with enable RDTSCP)', '25.1.3'),
  r(52, 'VMX-preemption timer expired', 'activate VMX-preemption timer: the timer counts down to 0', '25.5.1'),
  r(53, 'INVVPID', 'always', '25.1.2'),
  r(54, 'WBINVD', 'WBINVD exiting', '25.1.3'),
  r(55, 'XSETBV', 'always', '25.1.2'),
  r(56, 'APIC write', 'APIC-register virtualization or virtual-interrupt delivery: a write to the APIC-access page that needs the VMM (trap-like)', '29.4.3.3'),
  r(57, 'RDRAND', 'RDRAND exiting', '25.1.3'),
  r(58, 'INVPCID', 'INVLPG exiting (with enable INVPCID)', '25.1.3'),
  r(59, 'VMFUNC', 'enable VM functions: a disabled VM function, or an invalid EPTP index / list entry', '25.5.5'),
  r(60, 'ENCLS', 'enable ENCLS exiting and the ENCLS-exiting bitmap bit of the leaf', '25.1.3'),
  r(61, 'RDSEED', 'RDSEED exiting', '25.1.3'),
  r(62, 'Page-modification log full', 'enable PML: a log write finds the PML index out of range', '28.2.6'),
  r(63, 'XSAVES', 'enable XSAVES/XRSTORS and the XSS-exiting bitmap', '25.1.3'),
  r(64, 'XRSTORS', 'enable XSAVES/XRSTORS and the XSS-exiting bitmap', '25.1.3'),
  later(65, 'PCONFIG', 'enable PCONFIG and the PCONFIG-exiting bitmap'),
  later(66, 'SPP-related event', 'sub-page write permissions for EPT: a sub-page permission violation or misconfiguration'),
  later(67, 'UMWAIT', 'enable user wait and pause with RDTSC exiting'),
  later(68, 'TPAUSE', 'enable user wait and pause with RDTSC exiting'),
  later(69, 'LOADIWKEY', 'LOADIWKEY exiting (tertiary controls)'),
  later(70, 'ENCLV', 'enable ENCLV exiting and the ENCLV-exiting bitmap'),
  later(72, 'ENQCMD PASID translation failure', 'PASID translation: ENQCMD finds no valid translation'),
  later(73, 'ENQCMDS PASID translation failure', 'PASID translation: ENQCMDS finds no valid translation'),
  later(74, 'Bus lock', 'VM exit on bus lock (trap-like)'),
  later(75, 'Instruction timeout', 'instruction-timeout (notify) VM exiting: no event window within the notify window'),
  later(76, 'SEAMCALL', 'always (SEAM / TDX)'),
  later(77, 'TDCALL', 'always (SEAM / TDX)'),
  later(78, 'RDMSRLIST', 'MSR bitmaps, per listed MSR (single weak source)'),
  later(79, 'WRMSRLIST', 'MSR bitmaps, per listed MSR (single weak source)'),
  later(80, 'URDMSR', 'MSR bitmaps (single weak source)'),
  later(81, 'UWRMSR', 'MSR bitmaps (single weak source)'),
] as const satisfies readonly ExitReasonSpec[];

export type ExitReasonNumber = (typeof EXIT_REASONS)[number]['reason'];

/** Numbers Appendix C (2016) leaves unused. */
export const UNUSED_EXIT_REASONS_2016 = [35, 38, 42] as const;

export const EXIT_REASON_BY_NUMBER: ReadonlyMap<number, ExitReasonSpec> = new Map(
  EXIT_REASONS.map((e) => [e.reason, e]),
);

/** The named bits of the 32-bit exit-reason field (§24.9.1); the bits not listed are 0. */
export const EXIT_REASON_LAYOUT = {
  basic: { bits: [15, 0], meaning: 'basic exit reason' },
  enclaveMode: { bits: [27, 27], meaning: 'the exit happened while the logical processor was in enclave mode' },
  pendingMtf: { bits: [28, 28], meaning: 'an MTF VM exit was pending (SMM VM exits only)' },
  fromVmxRoot: { bits: [29, 29], meaning: 'the exit came from VMX root operation (SMM VM exits only)' },
  entryFailure: { bits: [31, 31], meaning: 'VM-entry failure (basic reasons 33, 34, 41)' },
} as const satisfies Record<string, { bits: readonly [number, number]; meaning: string }>;

export interface DecodedExitReason {
  readonly basic: number;
  readonly enclaveMode: boolean;
  readonly pendingMtf: boolean;
  readonly fromVmxRoot: boolean;
  readonly entryFailure: boolean;
}

export const decodeExitReason = (value: number): DecodedExitReason => ({
  basic: value & 0xffff,
  enclaveMode: ((value >>> 27) & 1) === 1,
  pendingMtf: ((value >>> 28) & 1) === 1,
  fromVmxRoot: ((value >>> 29) & 1) === 1,
  entryFailure: ((value >>> 31) & 1) === 1,
});
