/**
 * SDM §26.2.1.2 "VM-Exit Control Fields": the checks VM entry performs on the VM-exit controls
 * (primary and, post-2016, secondary) and on the VM-exit MSR-store and MSR-load areas. Every failure
 * is VMfailValid(7).
 */
import { VF7, type EntryCheckSpec } from './rule.js';

const S = '26.2.1.2';
const CONTROLS = 'controls' as const;

export const EXIT_CONTROLS_CHECKS = {
  'CTL.EXIT.RSVD0': {
    section: S, phase: CONTROLS,
    statement: 'Every VM-exit control whose allowed-0 bit (IA32_VMX_[TRUE_]EXIT_CTLS[31:0]) is 1 is set',
    precondition: 'always', failure: VF7, reads: ['VM_EXIT_CONTROLS'], since: '2016', confidence: '2+',
  },
  'CTL.EXIT.RSVD1': {
    section: S, phase: CONTROLS,
    statement: 'No VM-exit control is set whose allowed-1 bit (IA32_VMX_EXIT_CTLS[63:32]) is 0',
    precondition: 'always', failure: VF7, reads: ['VM_EXIT_CONTROLS'], since: '2016', confidence: '2+',
  },
  'CTL.EXIT2.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'The 64-bit secondary VM-exit controls set only bits that IA32_VMX_EXIT_CTLS2 (MSR 493H) reports as 1',
    precondition: 'VM-exit control bit 31 (activate secondary VM-exit controls) = 1',
    failure: VF7, reads: ['VM_EXIT_CONTROLS', 'SECONDARY_VM_EXIT_CONTROLS'], since: 'post-2016', confidence: '1',
  },
  'CTL.EXIT.SAVETIMER': {
    section: S, phase: CONTROLS,
    statement: 'Save VMX-preemption timer value (VM-exit control bit 22) = 0',
    precondition: 'activate VMX-preemption timer (pin bit 6) = 0',
    failure: VF7, reads: ['PIN_BASED_VM_EXEC_CONTROL', 'VM_EXIT_CONTROLS'], since: '2016', confidence: '2+',
  },
  'CTL.EXIT.MSRSTORE.ALIGN': {
    section: S, phase: CONTROLS,
    statement: 'VM-exit MSR-store address has bits 3:0 = 0 and no bit at or above the physical-address width (bit 32 if IA32_VMX_BASIC[48])',
    precondition: 'VM-exit MSR-store count ≠ 0',
    failure: VF7, reads: ['VM_EXIT_MSR_STORE_COUNT', 'VM_EXIT_MSR_STORE_ADDR'], since: '2016', confidence: '2+',
  },
  'CTL.EXIT.MSRSTORE.END': {
    section: S, phase: CONTROLS,
    statement: 'The last byte of the VM-exit MSR-store area, address + 16·count − 1 computed without wrap, is below 2^(physical-address width)',
    precondition: 'VM-exit MSR-store count ≠ 0',
    failure: VF7, reads: ['VM_EXIT_MSR_STORE_COUNT', 'VM_EXIT_MSR_STORE_ADDR'], since: '2016', confidence: '2+',
  },
  'CTL.EXIT.MSRLOAD.ALIGN': {
    section: S, phase: CONTROLS,
    statement: 'VM-exit MSR-load address has bits 3:0 = 0 and no bit at or above the physical-address width (bit 32 if IA32_VMX_BASIC[48])',
    precondition: 'VM-exit MSR-load count ≠ 0',
    failure: VF7, reads: ['VM_EXIT_MSR_LOAD_COUNT', 'VM_EXIT_MSR_LOAD_ADDR'], since: '2016', confidence: '2+',
  },
  'CTL.EXIT.MSRLOAD.END': {
    section: S, phase: CONTROLS,
    statement: 'The last byte of the VM-exit MSR-load area, address + 16·count − 1 computed without wrap, is below 2^(physical-address width)',
    precondition: 'VM-exit MSR-load count ≠ 0',
    failure: VF7, reads: ['VM_EXIT_MSR_LOAD_COUNT', 'VM_EXIT_MSR_LOAD_ADDR'], since: '2016', confidence: '2+',
  },
} as const satisfies Record<string, EntryCheckSpec>;
