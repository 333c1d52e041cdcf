/**
 * SDM §26.2.1.1 "VM-Execution Control Fields": the checks VM entry performs on the pin-based,
 * processor-based (primary, secondary, tertiary) controls and the fields they enable. Every failure
 * is VMfailValid(7). Rows marked post-2016 come from newer SDMs as read through Bochs/KVM
 * (docs/notes/post-2016-vmx-facts.md).
 */
import { VF7, type EntryCheckSpec } from './rule.js';

const S = '26.2.1.1';
const CONTROLS = 'controls' as const;

export const EXECUTION_CONTROLS_CHECKS = {
  'CTL.PIN.RSVD0': {
    section: S, phase: CONTROLS,
    statement: 'Every pin-based control whose allowed-0 bit (IA32_VMX_[TRUE_]PINBASED_CTLS[31:0]) is 1 is set',
    precondition: 'always', failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.PIN.RSVD1': {
    section: S, phase: CONTROLS,
    statement: 'No pin-based control is set whose allowed-1 bit (IA32_VMX_PINBASED_CTLS[63:32]) is 0',
    precondition: 'always', failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.PROC.RSVD0': {
    section: S, phase: CONTROLS,
    statement: 'Every primary processor-based control whose allowed-0 bit (IA32_VMX_[TRUE_]PROCBASED_CTLS[31:0]) is 1 is set',
    precondition: 'always', failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.PROC.RSVD1': {
    section: S, phase: CONTROLS,
    statement: 'No primary processor-based control is set whose allowed-1 bit (IA32_VMX_PROCBASED_CTLS[63:32]) is 0',
    precondition: 'always', failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.PROC2.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'No secondary processor-based control is set whose allowed-1 bit (IA32_VMX_PROCBASED_CTLS2[63:32]) is 0',
    precondition: 'primary control bit 31 (activate secondary controls) = 1',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.PROC3.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'The 64-bit tertiary processor-based controls set only bits that IA32_VMX_PROCBASED_CTLS3 (MSR 492H) reports as 1',
    precondition: 'primary control bit 17 (activate tertiary controls) = 1',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'TERTIARY_VM_EXEC_CONTROL'], since: 'post-2016', confidence: '1',
  },
  'CTL.CR3TGT.COUNT': {
    section: S, phase: CONTROLS,
    statement: 'The CR3-target count is at most the number of CR3-target values IA32_VMX_MISC[24:16] reports (4 on every known CPU)',
    precondition: 'always', failure: VF7, reads: ['CR3_TARGET_COUNT'], since: '2016', confidence: '2+',
  },
  'CTL.IOBMP.A.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'I/O-bitmap A address has bits 11:0 = 0 and no bit at or above the physical-address width (bit 32 if IA32_VMX_BASIC[48])',
    precondition: 'primary control bit 25 (use I/O bitmaps) = 1',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'IO_BITMAP_A'], since: '2016', confidence: '2+',
  },
  'CTL.IOBMP.B.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'I/O-bitmap B address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'primary control bit 25 (use I/O bitmaps) = 1',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'IO_BITMAP_B'], since: '2016', confidence: '2+',
  },
  'CTL.MSRBMP.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'MSR-bitmap address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'primary control bit 28 (use MSR bitmaps) = 1',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'MSR_BITMAP'], since: '2016', confidence: '2+',
  },
  'CTL.VAPIC.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'Virtual-APIC address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'primary control bit 21 (use TPR shadow) = 1',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'VIRTUAL_APIC_PAGE_ADDR'], since: '2016', confidence: '2+',
  },
  'CTL.TPR.THRESH.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'TPR threshold bits 31:4 = 0',
    precondition: 'use TPR shadow (primary bit 21) = 1 and virtual-interrupt delivery (secondary bit 9) = 0',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL', 'TPR_THRESHOLD'], since: '2016', confidence: '2+',
  },
  'CTL.TPR.THRESH.VTPR': {
    section: S, phase: CONTROLS,
    statement: 'TPR threshold bits 3:0 do not exceed bits 7:4 of VTPR, the byte at offset 80H of the virtual-APIC page',
    precondition: 'use TPR shadow = 1, virtualize APIC accesses (secondary bit 0) = 0 and virtual-interrupt delivery = 0',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL', 'TPR_THRESHOLD', 'VIRTUAL_APIC_PAGE_ADDR'],
    since: '2016', confidence: '2+',
  },
  'CTL.VNMI.NEEDS.NMIEXIT': {
    section: S, phase: CONTROLS,
    statement: 'Virtual NMIs (pin bit 5) = 0',
    precondition: 'NMI exiting (pin bit 3) = 0',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.NMIWIN.NEEDS.VNMI': {
    section: S, phase: CONTROLS,
    statement: 'NMI-window exiting (primary bit 22) = 0',
    precondition: 'virtual NMIs (pin bit 5) = 0',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'CPU_BASED_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.APICACC.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'APIC-access address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'virtualize APIC accesses (secondary bit 0) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'APIC_ACCESS_ADDR'], since: '2016', confidence: '2+',
  },
  'CTL.APICV.NEEDS.TPRSHADOW': {
    section: S, phase: CONTROLS,
    statement: 'Virtualize x2APIC mode (secondary bit 4), APIC-register virtualization (bit 8) and virtual-interrupt delivery (bit 9) are all 0',
    precondition: 'use TPR shadow (primary bit 21) = 0',
    failure: VF7, reads: ['CPU_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.X2APIC.VS.APICACC': {
    section: S, phase: CONTROLS,
    statement: 'Virtualize APIC accesses (secondary bit 0) = 0',
    precondition: 'virtualize x2APIC mode (secondary bit 4) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.VID.NEEDS.EXTINTEXIT': {
    section: S, phase: CONTROLS,
    statement: 'External-interrupt exiting (pin bit 0) = 1',
    precondition: 'virtual-interrupt delivery (secondary bit 9) = 1',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.PI.NEEDS.VID': {
    section: S, phase: CONTROLS,
    statement: 'Virtual-interrupt delivery (secondary bit 9) = 1',
    precondition: 'process posted interrupts (pin bit 7) = 1',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL'], since: '2016', confidence: 'S',
  },
  'CTL.PI.NEEDS.ACKEXIT': {
    section: S, phase: CONTROLS,
    statement: 'Acknowledge interrupt on exit (VM-exit control bit 15) = 1',
    precondition: 'process posted interrupts (pin bit 7) = 1',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'VM_EXIT_CONTROLS'], since: '2016', confidence: '2+',
  },
  'CTL.PI.VECTOR': {
    section: S, phase: CONTROLS,
    statement: 'Posted-interrupt notification vector bits 15:8 = 0',
    precondition: 'process posted interrupts (pin bit 7) = 1',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'POSTED_INTR_NV'], since: '2016', confidence: 'S',
  },
  'CTL.PI.DESC.ALIGN': {
    section: S, phase: CONTROLS,
    statement: 'Posted-interrupt descriptor address bits 5:0 = 0 (64-byte aligned)',
    precondition: 'process posted interrupts (pin bit 7) = 1',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'POSTED_INTR_DESC_ADDR'], since: '2016', confidence: '!',
  },
  'CTL.PI.DESC.PAW': {
    section: S, phase: CONTROLS,
    statement: 'Posted-interrupt descriptor address has no bit at or above the physical-address width',
    precondition: 'process posted interrupts (pin bit 7) = 1',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'POSTED_INTR_DESC_ADDR'], since: '2016', confidence: '!',
  },
  'CTL.VPID.NONZERO': {
    section: S, phase: CONTROLS,
    statement: 'The VPID field is not 0000H',
    precondition: 'enable VPID (secondary bit 5) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'VIRTUAL_PROCESSOR_ID'], since: '2016', confidence: '2+',
  },
  'CTL.EPTP.MEMTYPE': {
    section: S, phase: CONTROLS,
    statement: 'EPTP bits 2:0 name a supported memory type: 0 (UC) if IA32_VMX_EPT_VPID_CAP[8], 6 (WB) if EPT_VPID_CAP[14]',
    precondition: 'enable EPT (secondary bit 1) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'EPT_POINTER'], since: '2016', confidence: '2+',
  },
  'CTL.EPTP.WALKLEN': {
    section: S, phase: CONTROLS,
    statement: 'EPTP bits 5:3 (page-walk length − 1) = 3, or 4 when IA32_VMX_EPT_VPID_CAP[7] reports 5-level walks',
    precondition: 'enable EPT (secondary bit 1) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'EPT_POINTER'], since: '2016', confidence: '!',
  },
  'CTL.EPTP.AD': {
    section: S, phase: CONTROLS,
    statement: 'EPTP bit 6 (enable accessed/dirty flags) = 0 unless IA32_VMX_EPT_VPID_CAP[21] = 1',
    precondition: 'enable EPT (secondary bit 1) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'EPT_POINTER'], since: '2016', confidence: '2+',
  },
  'CTL.EPTP.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'EPTP bits 11:8 = 0, bit 7 = 0 unless IA32_VMX_EPT_VPID_CAP[23], and no bit at or above the physical-address width',
    precondition: 'enable EPT (secondary bit 1) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'EPT_POINTER'], since: '2016', confidence: '!',
  },
  'CTL.PML.NEEDS.EPT': {
    section: S, phase: CONTROLS,
    statement: 'Enable EPT (secondary bit 1) = 1',
    precondition: 'enable PML (secondary bit 17) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.PML.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'PML address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'enable PML (secondary bit 17) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'PML_ADDRESS'], since: '2016', confidence: '2+',
  },
  'CTL.UG.NEEDS.EPT': {
    section: S, phase: CONTROLS,
    statement: 'Enable EPT (secondary bit 1) = 1',
    precondition: 'unrestricted guest (secondary bit 7) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.MBEC.NEEDS.EPT': {
    section: S, phase: CONTROLS,
    statement: 'Enable EPT (secondary bit 1) = 1',
    precondition: 'mode-based execute control for EPT (secondary bit 22) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL'], since: 'post-2016', confidence: '1',
  },
  'CTL.SPP.NEEDS.EPT': {
    section: S, phase: CONTROLS,
    statement: 'Enable EPT (secondary bit 1) = 1',
    precondition: 'sub-page write permissions for EPT (secondary bit 23) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL'], since: 'post-2016', confidence: '1',
  },
  'CTL.SPP.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'SPPTP has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'sub-page write permissions for EPT (secondary bit 23) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'SPPT_POINTER'], since: 'post-2016', confidence: '1',
  },
  'CTL.VMFUNC.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'The 64-bit VM-function controls set only bits that IA32_VMX_VMFUNC (MSR 491H) reports as 1',
    precondition: 'enable VM functions (secondary bit 13) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'VM_FUNCTION_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.VMFUNC.EPTPSW.NEEDS.EPT': {
    section: S, phase: CONTROLS,
    statement: 'Enable EPT (secondary bit 1) = 1',
    precondition: 'enable VM functions (secondary bit 13) = 1 and VM-function control bit 0 (EPTP switching) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'VM_FUNCTION_CONTROL'], since: '2016', confidence: '2+',
  },
  'CTL.VMFUNC.EPTPLIST.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'EPTP-list address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'enable VM functions (secondary bit 13) = 1 and VM-function control bit 0 (EPTP switching) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'VM_FUNCTION_CONTROL', 'EPTP_LIST_ADDRESS'], since: '2016', confidence: '2+',
  },
  'CTL.SHADOW.VMREAD.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'VMREAD-bitmap address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'VMCS shadowing (secondary bit 14) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'VMREAD_BITMAP'], since: '2016', confidence: '2+',
  },
  'CTL.SHADOW.VMWRITE.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'VMWRITE-bitmap address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'VMCS shadowing (secondary bit 14) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'VMWRITE_BITMAP'], since: '2016', confidence: '2+',
  },
  'CTL.VE.INFO.ADDR': {
    section: S, phase: CONTROLS,
    statement: 'Virtualization-exception information address has bits 11:0 = 0 and no bit at or above the physical-address width',
    precondition: 'EPT-violation #VE (secondary bit 18) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'VE_INFORMATION_ADDRESS'], since: '2016', confidence: '2+',
  },
  'CTL.TSCSCALE.NONZERO': {
    section: S, phase: CONTROLS,
    statement: 'The TSC multiplier is not 0 (a Bochs rule; no SDM text seen)',
    precondition: 'use TSC scaling (secondary bit 25) = 1',
    failure: VF7, reads: ['SECONDARY_VM_EXEC_CONTROL', 'TSC_MULTIPLIER'], since: 'post-2016', confidence: '1',
  },
} as const satisfies Record<string, EntryCheckSpec>;
