/**
 * §26.7 "VM-Entry Failures During or After Loading Guest State": a VM entry that fails a guest-state
 * check (§26.3.1, reason 33) or MSR loading (§26.4, reason 34) ends like a VM exit, but only some of
 * a VM exit's steps take place.
 */
import { rule, type TransitionRuleSpec } from './rule.js';

const R = (statement: string, controlledBy: TransitionRuleSpec['controlledBy'], source: string, extra: Partial<TransitionRuleSpec> = {}) =>
  rule({ section: '26.7', stage: 'entry-failure', statement, controlledBy, source, ...extra });

export const ENTRY_FAILURE_RULES = {
  'ENTRYFAIL.INFO': R(
    'Only the exit reason (80000000H | 33 or 34) and the exit qualification are written; every other VM-exit information field, the guest-state area and the VM-entry interruption-information valid bit are left unchanged, and no MSRs are stored',
    ['VM_EXIT_REASON', 'EXIT_QUALIFICATION'], 'S 26.7; BX'),
  'ENTRYFAIL.HOST_LOAD': R(
    'Processor state is loaded as a VM exit would load it (§27.5: control registers, MSRs, segments, RIP/RSP/RFLAGS, active, no STI/MOV-SS blocking); a PAE host may have its PDPTEs checked and loaded (§27.5.4)',
    ['exit.HOST_ADDRESS_SPACE_SIZE', 'exit.LOAD_IA32_EFER', 'exit.LOAD_IA32_PAT', 'exit.LOAD_IA32_PERF_GLOBAL_CTRL'], 'S 26.7; BX'),
  'ENTRYFAIL.NMI_BLOCKING': R('Blocking by NMI is what it was before the VM entry', [], 'S 26.7', { confidence: 'S' }),
  'ENTRYFAIL.MSR_LOAD': R(
    'The VM-exit MSR-load list is then processed as in §27.6 (a failure there is VMX abort 4)',
    ['VM_EXIT_MSR_LOAD_COUNT', 'VM_EXIT_MSR_LOAD_ADDR'], 'S 26.7; BX'),
} as const satisfies Record<string, TransitionRuleSpec>;
