/**
 * SDM §26.2.1.3 "VM-Entry Control Fields": the checks VM entry performs on the VM-entry controls,
 * on the event-injection fields (interruption information: 7:0 vector, 10:8 type, 11 deliver error
 * code, 30:12 reserved, 31 valid) and on the VM-entry MSR-load area. Every failure is VMfailValid(7).
 */
import { VF7, type EntryCheckSpec } from './rule.js';

const S = '26.2.1.3';
const CONTROLS = 'controls' as const;
const INJ = 'VM-entry interruption-information bit 31 (valid) = 1';

export const ENTRY_CONTROLS_CHECKS = {
  'CTL.ENTRY.RSVD0': {
    section: S, phase: CONTROLS,
    statement: 'Every VM-entry control whose allowed-0 bit (IA32_VMX_[TRUE_]ENTRY_CTLS[31:0]) is 1 is set',
    precondition: 'always', failure: VF7, reads: ['VM_ENTRY_CONTROLS'], since: '2016', confidence: '2+',
  },
  'CTL.ENTRY.RSVD1': {
    section: S, phase: CONTROLS,
    statement: 'No VM-entry control is set whose allowed-1 bit (IA32_VMX_ENTRY_CTLS[63:32]) is 0',
    precondition: 'always', failure: VF7, reads: ['VM_ENTRY_CONTROLS'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.TYPE1': {
    section: S, phase: CONTROLS,
    statement: 'Interruption type (bits 10:8) is not 1 (reserved)',
    precondition: INJ, failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.TYPE7': {
    section: S, phase: CONTROLS,
    statement: 'Interruption type 7 (other event) only if the processor allows the 1-setting of monitor trap flag (primary bit 27)',
    precondition: INJ, failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.NMI.VEC': {
    section: S, phase: CONTROLS,
    statement: 'Type 2 (NMI) is injected with vector 2',
    precondition: INJ, failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.HWEXC.VEC': {
    section: S, phase: CONTROLS,
    statement: 'Type 3 (hardware exception) is injected with a vector of at most 31',
    precondition: INJ, failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.OTHER.VEC': {
    section: S, phase: CONTROLS,
    statement: 'Type 7 (other event) is injected with vector 0 (pending MTF VM exit)',
    precondition: INJ, failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.ERRCODE.REQ': {
    section: S, phase: CONTROLS,
    statement: 'Deliver-error-code (bit 11) = 1 when unrestricted guest = 0 or guest CR0.PE = 1, the type is 3 and the vector is 8, 10–14 or 17',
    precondition: `${INJ} and IA32_VMX_BASIC[56] = 0`,
    failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD', 'SECONDARY_VM_EXEC_CONTROL', 'GUEST_CR0'], since: '2016', confidence: 'S',
  },
  'CTL.INJ.ERRCODE.FORBID': {
    section: S, phase: CONTROLS,
    statement: 'Deliver-error-code (bit 11) = 0 unless (unrestricted guest = 0 or guest CR0.PE = 1), type 3 and vector 8, 10–14 or 17 (any vector if IA32_VMX_BASIC[56])',
    precondition: INJ, failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD', 'SECONDARY_VM_EXEC_CONTROL', 'GUEST_CR0'], since: '2016', confidence: 'S',
  },
  'CTL.INJ.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'Interruption-information bits 30:12 = 0',
    precondition: INJ, failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.ERRCODE.RSVD': {
    section: S, phase: CONTROLS,
    statement: 'VM-entry exception error code has no bit set in the profile\'s reserved mask (31:15 in the 2016 SDM text; 31:16 in Bochs and KVM)',
    precondition: `${INJ} and deliver-error-code (bit 11) = 1`,
    failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD', 'VM_ENTRY_EXCEPTION_ERROR_CODE'], since: '2016', confidence: '!',
  },
  'CTL.INJ.ILEN.RANGE': {
    section: S, phase: CONTROLS,
    statement: 'VM-entry instruction length is at most 15',
    precondition: `${INJ} and type 4, 5 or 6 (software interrupt, privileged software exception, software exception)`,
    failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD', 'VM_ENTRY_INSTRUCTION_LEN'], since: '2016', confidence: '2+',
  },
  'CTL.INJ.ILEN.ZERO': {
    section: S, phase: CONTROLS,
    statement: 'VM-entry instruction length is 0 only if IA32_VMX_MISC[30] = 1',
    precondition: `${INJ} and type 4, 5 or 6`,
    failure: VF7, reads: ['VM_ENTRY_INTR_INFO_FIELD', 'VM_ENTRY_INSTRUCTION_LEN'], since: '2016', confidence: '2+',
  },
  'CTL.ENTRY.MSRLOAD.ALIGN': {
    section: S, phase: CONTROLS,
    statement: 'VM-entry MSR-load address has bits 3:0 = 0 and no bit at or above the physical-address width (bit 32 if IA32_VMX_BASIC[48])',
    precondition: 'VM-entry MSR-load count ≠ 0',
    failure: VF7, reads: ['VM_ENTRY_MSR_LOAD_COUNT', 'VM_ENTRY_MSR_LOAD_ADDR'], since: '2016', confidence: '2+',
  },
  'CTL.ENTRY.MSRLOAD.END': {
    section: S, phase: CONTROLS,
    statement: 'The last byte of the VM-entry MSR-load area, address + 16·count − 1 computed without wrap, is below 2^(physical-address width)',
    precondition: 'VM-entry MSR-load count ≠ 0',
    failure: VF7, reads: ['VM_ENTRY_MSR_LOAD_COUNT', 'VM_ENTRY_MSR_LOAD_ADDR'], since: '2016', confidence: '2+',
  },
  'CTL.ENTRY.SMM.OUTSIDE': {
    section: S, phase: CONTROLS,
    statement: 'Entry to SMM (VM-entry control bit 10) and deactivate dual-monitor treatment (bit 11) are both 0',
    precondition: 'the VM entry is not from SMM',
    failure: VF7, reads: ['VM_ENTRY_CONTROLS'], since: '2016', confidence: '!',
  },
  'CTL.ENTRY.SMM.BOTH': {
    section: S, phase: CONTROLS,
    statement: 'Entry to SMM (bit 10) and deactivate dual-monitor treatment (bit 11) are not both 1',
    precondition: 'always', failure: VF7, reads: ['VM_ENTRY_CONTROLS'], since: '2016', confidence: 'S',
  },
} as const satisfies Record<string, EntryCheckSpec>;
