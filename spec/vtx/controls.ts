/**
 * VMX controls: every control bit of the pin-based, primary/secondary/tertiary processor-based,
 * primary/secondary VM-exit and VM-entry control vectors (SDM Vol. 3C §24.6–24.8, Tables 24-5
 * to 24-12, June 2016 edition), plus the bits later SDMs added (marked `since: 'post-2016'`; see
 * docs/notes/post-2016-vmx-facts.md for their sources).
 *
 * Keys are `<vector>.<NAME>`; names are the SDM's, upper-cased. A bit not listed is reserved.
 */

export type ControlVector = 'pin' | 'proc' | 'proc2' | 'proc3' | 'exit' | 'exit2' | 'entry';

export interface ControlBitSpec {
  readonly vector: ControlVector;
  readonly bit: number;
  /** The SDM's name of the control. */
  readonly title: string;
  readonly section: string;
  readonly since: '2016' | 'post-2016';
}

/** Where each control vector lives, which capability MSR reports it, and how wide it is. */
export const CONTROL_VECTORS = {
  pin: { field: 'PIN_BASED_VM_EXEC_CONTROL', msr: 0x481, trueMsr: 0x48d, width: 32, section: '24.6.1' },
  proc: { field: 'CPU_BASED_VM_EXEC_CONTROL', msr: 0x482, trueMsr: 0x48e, width: 32, section: '24.6.2' },
  proc2: { field: 'SECONDARY_VM_EXEC_CONTROL', msr: 0x48b, trueMsr: null, width: 32, section: '24.6.2' },
  proc3: { field: 'TERTIARY_VM_EXEC_CONTROL', msr: 0x492, trueMsr: null, width: 64, section: '24.6.2 (post-2016)' },
  exit: { field: 'VM_EXIT_CONTROLS', msr: 0x483, trueMsr: 0x48f, width: 32, section: '24.7.1' },
  exit2: { field: 'SECONDARY_VM_EXIT_CONTROLS', msr: 0x493, trueMsr: null, width: 64, section: '24.7.1 (post-2016)' },
  entry: { field: 'VM_ENTRY_CONTROLS', msr: 0x484, trueMsr: 0x490, width: 32, section: '24.8.1' },
} as const satisfies Record<ControlVector, {
  field: string; msr: number; trueMsr: number | null; width: 32 | 64; section: string;
}>;

/**
 * The default1 class of each 32-bit vector (SDM Appendix A.2): reserved bits that must be 1
 * unless the TRUE_ capability MSR (IA32_VMX_BASIC[55] = 1) allows 0. CR3-load/store exiting
 * (proc bits 15, 16) belong to the class: the first VMX processors supported only their 1-setting.
 */
export const DEFAULT1_CLASS = {
  pin: [1, 2, 4],
  proc: [1, 4, 5, 6, 8, 13, 14, 15, 16, 26],
  proc2: [],
  proc3: [],
  exit: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 16, 17],
  exit2: [],
  entry: [0, 1, 2, 3, 4, 5, 6, 7, 8, 12],
} as const satisfies Record<ControlVector, readonly number[]>;

const c = (vector: ControlVector, bit: number, title: string, since: '2016' | 'post-2016' = '2016') =>
  ({ vector, bit, title, section: CONTROL_VECTORS[vector].section, since }) as const;

export const CONTROLS = {
  // Table 24-5
  'pin.EXTERNAL_INTERRUPT_EXITING': c('pin', 0, 'External-interrupt exiting'),
  'pin.NMI_EXITING': c('pin', 3, 'NMI exiting'),
  'pin.VIRTUAL_NMIS': c('pin', 5, 'Virtual NMIs'),
  'pin.ACTIVATE_VMX_PREEMPTION_TIMER': c('pin', 6, 'Activate VMX-preemption timer'),
  'pin.PROCESS_POSTED_INTERRUPTS': c('pin', 7, 'Process posted interrupts'),
  // Table 24-6
  'proc.INTERRUPT_WINDOW_EXITING': c('proc', 2, 'Interrupt-window exiting'),
  'proc.USE_TSC_OFFSETTING': c('proc', 3, 'Use TSC offsetting'),
  'proc.HLT_EXITING': c('proc', 7, 'HLT exiting'),
  'proc.INVLPG_EXITING': c('proc', 9, 'INVLPG exiting'),
  'proc.MWAIT_EXITING': c('proc', 10, 'MWAIT exiting'),
  'proc.RDPMC_EXITING': c('proc', 11, 'RDPMC exiting'),
  'proc.RDTSC_EXITING': c('proc', 12, 'RDTSC exiting'),
  'proc.CR3_LOAD_EXITING': c('proc', 15, 'CR3-load exiting'),
  'proc.CR3_STORE_EXITING': c('proc', 16, 'CR3-store exiting'),
  'proc.ACTIVATE_TERTIARY_CONTROLS': c('proc', 17, 'Activate tertiary controls', 'post-2016'),
  'proc.CR8_LOAD_EXITING': c('proc', 19, 'CR8-load exiting'),
  'proc.CR8_STORE_EXITING': c('proc', 20, 'CR8-store exiting'),
  'proc.USE_TPR_SHADOW': c('proc', 21, 'Use TPR shadow'),
  'proc.NMI_WINDOW_EXITING': c('proc', 22, 'NMI-window exiting'),
  'proc.MOV_DR_EXITING': c('proc', 23, 'MOV-DR exiting'),
  'proc.UNCONDITIONAL_IO_EXITING': c('proc', 24, 'Unconditional I/O exiting'),
  'proc.USE_IO_BITMAPS': c('proc', 25, 'Use I/O bitmaps'),
  'proc.MONITOR_TRAP_FLAG': c('proc', 27, 'Monitor trap flag'),
  'proc.USE_MSR_BITMAPS': c('proc', 28, 'Use MSR bitmaps'),
  'proc.MONITOR_EXITING': c('proc', 29, 'MONITOR exiting'),
  'proc.PAUSE_EXITING': c('proc', 30, 'PAUSE exiting'),
  'proc.ACTIVATE_SECONDARY_CONTROLS': c('proc', 31, 'Activate secondary controls'),
  // Table 24-7
  'proc2.VIRTUALIZE_APIC_ACCESSES': c('proc2', 0, 'Virtualize APIC accesses'),
  'proc2.ENABLE_EPT': c('proc2', 1, 'Enable EPT'),
  'proc2.DESCRIPTOR_TABLE_EXITING': c('proc2', 2, 'Descriptor-table exiting'),
  'proc2.ENABLE_RDTSCP': c('proc2', 3, 'Enable RDTSCP'),
  'proc2.VIRTUALIZE_X2APIC_MODE': c('proc2', 4, 'Virtualize x2APIC mode'),
  'proc2.ENABLE_VPID': c('proc2', 5, 'Enable VPID'),
  'proc2.WBINVD_EXITING': c('proc2', 6, 'WBINVD exiting'),
  'proc2.UNRESTRICTED_GUEST': c('proc2', 7, 'Unrestricted guest'),
  'proc2.APIC_REGISTER_VIRTUALIZATION': c('proc2', 8, 'APIC-register virtualization'),
  'proc2.VIRTUAL_INTERRUPT_DELIVERY': c('proc2', 9, 'Virtual-interrupt delivery'),
  'proc2.PAUSE_LOOP_EXITING': c('proc2', 10, 'PAUSE-loop exiting'),
  'proc2.RDRAND_EXITING': c('proc2', 11, 'RDRAND exiting'),
  'proc2.ENABLE_INVPCID': c('proc2', 12, 'Enable INVPCID'),
  'proc2.ENABLE_VM_FUNCTIONS': c('proc2', 13, 'Enable VM functions'),
  'proc2.VMCS_SHADOWING': c('proc2', 14, 'VMCS shadowing'),
  'proc2.ENABLE_ENCLS_EXITING': c('proc2', 15, 'Enable ENCLS exiting'),
  'proc2.RDSEED_EXITING': c('proc2', 16, 'RDSEED exiting'),
  'proc2.ENABLE_PML': c('proc2', 17, 'Enable PML'),
  'proc2.EPT_VIOLATION_VE': c('proc2', 18, 'EPT-violation #VE'),
  'proc2.CONCEAL_VMX_FROM_PT': c('proc2', 19, 'Conceal VMX from Intel PT'),
  'proc2.ENABLE_XSAVES_XRSTORS': c('proc2', 20, 'Enable XSAVES/XRSTORS'),
  'proc2.MODE_BASED_EXECUTE_CONTROL_FOR_EPT': c('proc2', 22, 'Mode-based execute control for EPT', 'post-2016'),
  'proc2.SUB_PAGE_WRITE_PERMISSIONS_FOR_EPT': c('proc2', 23, 'Sub-page write permissions for EPT', 'post-2016'),
  'proc2.PT_USES_GUEST_PHYSICAL_ADDRESSES': c('proc2', 24, 'Intel PT uses guest physical addresses', 'post-2016'),
  'proc2.USE_TSC_SCALING': c('proc2', 25, 'Use TSC scaling'),
  'proc2.ENABLE_USER_WAIT_AND_PAUSE': c('proc2', 26, 'Enable user wait and pause', 'post-2016'),
  'proc2.ENABLE_ENCLV_EXITING': c('proc2', 28, 'Enable ENCLV exiting', 'post-2016'),
  // Tertiary processor-based controls (64 bits; newer SDMs)
  'proc3.LOADIWKEY_EXITING': c('proc3', 0, 'LOADIWKEY exiting', 'post-2016'),
  'proc3.ENABLE_HLAT': c('proc3', 1, 'Enable HLAT', 'post-2016'),
  'proc3.EPT_PAGING_WRITE_CONTROL': c('proc3', 2, 'EPT paging-write control', 'post-2016'),
  'proc3.GUEST_PAGING_VERIFICATION': c('proc3', 3, 'Guest-paging verification', 'post-2016'),
  'proc3.IPI_VIRTUALIZATION': c('proc3', 4, 'IPI virtualization', 'post-2016'),
  'proc3.VIRTUALIZE_IA32_SPEC_CTRL': c('proc3', 7, 'Virtualize IA32_SPEC_CTRL', 'post-2016'),
  // Table 24-10
  'exit.SAVE_DEBUG_CONTROLS': c('exit', 2, 'Save debug controls'),
  'exit.HOST_ADDRESS_SPACE_SIZE': c('exit', 9, 'Host address-space size'),
  'exit.LOAD_IA32_PERF_GLOBAL_CTRL': c('exit', 12, 'Load IA32_PERF_GLOBAL_CTRL'),
  'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT': c('exit', 15, 'Acknowledge interrupt on exit'),
  'exit.SAVE_IA32_PAT': c('exit', 18, 'Save IA32_PAT'),
  'exit.LOAD_IA32_PAT': c('exit', 19, 'Load IA32_PAT'),
  'exit.SAVE_IA32_EFER': c('exit', 20, 'Save IA32_EFER'),
  'exit.LOAD_IA32_EFER': c('exit', 21, 'Load IA32_EFER'),
  'exit.SAVE_VMX_PREEMPTION_TIMER_VALUE': c('exit', 22, 'Save VMX-preemption timer value'),
  'exit.CLEAR_IA32_BNDCFGS': c('exit', 23, 'Clear IA32_BNDCFGS'),
  'exit.CONCEAL_VM_EXITS_FROM_PT': c('exit', 24, 'Conceal VM exits from Intel PT'),
  'exit.CLEAR_IA32_RTIT_CTL': c('exit', 25, 'Clear IA32_RTIT_CTL', 'post-2016'),
  'exit.CLEAR_IA32_LBR_CTL': c('exit', 26, 'Clear IA32_LBR_CTL', 'post-2016'),
  'exit.CLEAR_UINV': c('exit', 27, 'Clear UINV', 'post-2016'),
  'exit.LOAD_CET_STATE': c('exit', 28, 'Load CET state', 'post-2016'),
  'exit.LOAD_PKRS': c('exit', 29, 'Load PKRS', 'post-2016'),
  'exit.SAVE_IA32_PERF_GLOBAL_CTRL': c('exit', 30, 'Save IA32_PERF_GLOBAL_CTRL', 'post-2016'),
  'exit.ACTIVATE_SECONDARY_CONTROLS': c('exit', 31, 'Activate secondary controls', 'post-2016'),
  // Secondary VM-exit controls (64 bits; newer SDMs)
  'exit2.SAVE_IA32_FRED': c('exit2', 0, 'Save IA32_FRED', 'post-2016'),
  'exit2.LOAD_IA32_FRED': c('exit2', 1, 'Load IA32_FRED', 'post-2016'),
  'exit2.PREMATURELY_BUSY_SHADOW_STACK': c('exit2', 2, 'Prematurely busy shadow stack', 'post-2016'),
  // Table 24-12
  'entry.LOAD_DEBUG_CONTROLS': c('entry', 2, 'Load debug controls'),
  'entry.IA32E_MODE_GUEST': c('entry', 9, 'IA-32e mode guest'),
  'entry.ENTRY_TO_SMM': c('entry', 10, 'Entry to SMM'),
  'entry.DEACTIVATE_DUAL_MONITOR_TREATMENT': c('entry', 11, 'Deactivate dual-monitor treatment'),
  'entry.LOAD_IA32_PERF_GLOBAL_CTRL': c('entry', 13, 'Load IA32_PERF_GLOBAL_CTRL'),
  'entry.LOAD_IA32_PAT': c('entry', 14, 'Load IA32_PAT'),
  'entry.LOAD_IA32_EFER': c('entry', 15, 'Load IA32_EFER'),
  'entry.LOAD_IA32_BNDCFGS': c('entry', 16, 'Load IA32_BNDCFGS'),
  'entry.CONCEAL_VM_ENTRIES_FROM_PT': c('entry', 17, 'Conceal VM entries from Intel PT'),
  'entry.LOAD_IA32_RTIT_CTL': c('entry', 18, 'Load IA32_RTIT_CTL', 'post-2016'),
  'entry.LOAD_UINV': c('entry', 19, 'Load UINV', 'post-2016'),
  'entry.LOAD_CET_STATE': c('entry', 20, 'Load CET state', 'post-2016'),
  'entry.LOAD_GUEST_IA32_LBR_CTL': c('entry', 21, 'Load guest IA32_LBR_CTL', 'post-2016'),
  'entry.LOAD_PKRS': c('entry', 22, 'Load PKRS', 'post-2016'),
  'entry.LOAD_IA32_FRED': c('entry', 23, 'Load IA32_FRED', 'post-2016'),
} as const satisfies Record<string, ControlBitSpec>;

export type ControlName = keyof typeof CONTROLS;
