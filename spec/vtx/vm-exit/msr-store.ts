/**
 * §27.4 "Saving MSRs": after the guest-state area is written, each entry of the VM-exit MSR-store
 * area (16 bytes: index in bits 31:0, reserved 63:32, data 127:64) up to the VM-exit MSR-store count
 * receives the MSR's value as RDMSR would read it. Any failing entry ends the exit in a VMX abort
 * with indicator 1 (§27.7).
 */
import { rule, type TransitionRuleSpec } from './rule.js';

const CTL: TransitionRuleSpec['controlledBy'] = ['VM_EXIT_MSR_STORE_COUNT', 'VM_EXIT_MSR_STORE_ADDR'];
const R = (statement: string, source: string, extra: Partial<TransitionRuleSpec> = {}) =>
  rule({ section: '27.4', stage: 'msr-store', statement, controlledBy: CTL, source, ...extra });

export const MSR_STORE_RULES = {
  'VMEXIT.MSR_STORE': R('Entries 1..count of the VM-exit MSR-store area are processed in order: bits 127:64 receive the value RDMSR would read from the MSR named by bits 31:0', 'S 27.4; BX StoreMSRs; K nested_vmx_store_msr'),
  'VMEXIT.MSR_STORE.X2APIC': R('An entry naming an x2APIC MSR (bits 31:8 = 000008H) fails: VMX abort 1', 'S 27.4; BX StoreMSRs'),
  'VMEXIT.MSR_STORE.SMMONLY': R('An entry naming an MSR readable only in SMM (IA32_SMBASE, 9EH) fails when the exit does not end in SMM: VMX abort 1', 'S 27.4; K', { confidence: 'S' }),
  'VMEXIT.MSR_STORE.MODEL': R('An entry naming an MSR the processor refuses to store for model-specific reasons fails: VMX abort 1 (profile choices.msrLoadRejected here)', 'S 27.4; K (microcode MSRs)', { confidence: '1' }),
  'VMEXIT.MSR_STORE.RSVD': R('An entry with bits 63:32 not all 0 fails: VMX abort 1', 'S 27.4; BX StoreMSRs'),
  'VMEXIT.MSR_STORE.RDMSR': R('An entry naming an MSR whose RDMSR at CPL 0 would raise #GP fails: VMX abort 1', 'S 27.4; BX StoreMSRs'),
} as const satisfies Record<string, TransitionRuleSpec>;
