/**
 * §27.2 "Recording VM-Exit Information and Updating VM-Entry Control Fields": the first step of every
 * VM exit. Fields the SDM leaves undefined for an exit (null in ExitInformation) keep their values.
 */
import { rule, type TransitionRuleSpec } from './rule.js';

const R = (section: string, statement: string, controlledBy: TransitionRuleSpec['controlledBy'], source: string, extra: Partial<TransitionRuleSpec> = {}) =>
  rule({ section, stage: 'record', statement, controlledBy, source, ...extra });

export const RECORD_INFORMATION_RULES = {
  'VMEXIT.INFO.REASON': R('27.2.1',
    'The exit-reason field receives the basic exit reason in bits 15:0; bit 31 is 1 only for VM-entry failures and the other bits are 0 (no enclave, SMM or bus-lock exits in scope)',
    ['VM_EXIT_REASON'], 'S 27.2.1, 24.9.1; BX VMexit'),
  'VMEXIT.INFO.QUALIFICATION': R('27.2.1',
    'The exit-qualification field receives the qualification of the exit reason (Tables 27-1 to 27-6), and 0 for reasons that have none',
    ['EXIT_QUALIFICATION'], 'S 27.2.1; BX VMexit'),
  'VMEXIT.INFO.ADDRESSES': R('27.2.1',
    'The guest-linear-address field is written for LMSW with a memory operand, INS/OUTS and EPT violations with a valid linear address, the guest-physical-address field for EPT violations and misconfigurations; otherwise both are undefined (left unchanged here)',
    ['GUEST_LINEAR_ADDRESS', 'GUEST_PHYSICAL_ADDRESS'], 'S 27.2.1', { confidence: 'S' }),
  'VMEXIT.INFO.INTERRUPTION': R('27.2.2',
    'The VM-exit interruption-information field is valid (bit 31 = 1, vector, type, error-code-valid) for exits caused by exceptions, NMIs and acknowledged external interrupts, and has bit 31 = 0 otherwise; the error-code field is written when bit 11 is 1',
    ['VM_EXIT_INTR_INFO', 'VM_EXIT_INTR_ERROR_CODE', 'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT'], 'S 27.2.2; BX VMexit'),
  'VMEXIT.INFO.IDT_VECTORING': R('27.2.3',
    'The IDT-vectoring information field describes the event whose delivery through the IDT the exit interrupted (bit 31 = 1), including an event injected by VM entry; bit 31 = 0 otherwise; its error code is written when bit 11 is 1',
    ['IDT_VECTORING_INFO_FIELD', 'IDT_VECTORING_ERROR_CODE'], 'S 27.2.3; BX VMexit'),
  'VMEXIT.INFO.INSTRUCTION': R('27.2.4',
    'The VM-exit instruction-length field (1-15) is written for instruction-caused exits, software exceptions and task switches by instructions, the instruction-information field for the instructions of Tables 27-8 to 27-14; otherwise undefined (left unchanged here)',
    ['VM_EXIT_INSTRUCTION_LEN', 'VMX_INSTRUCTION_INFO'], 'S 27.2.4; BX VMexit'),
  'VMEXIT.INFO.ENTRY_INTR_CLEARED': R('27.2',
    'Every VM exit clears the valid bit (31) of the VM-entry interruption-information field, so an event is injected once',
    ['VM_ENTRY_INTR_INFO_FIELD'], 'S 27.2 (step 1 of ch. 27); BX VMexit'),
  'VMEXIT.INFO.IA32E_GUEST': R('27.2',
    'If IA32_VMX_MISC[5] = 1, the exit stores IA32_EFER.LMA into the "IA-32e mode guest" VM-entry control',
    ['entry.IA32E_MODE_GUEST'], 'S 27.2, A.6; BX VMexit', { confidence: 'S' }),
} as const satisfies Record<string, TransitionRuleSpec>;
