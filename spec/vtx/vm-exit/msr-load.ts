/**
 * §27.6 "Loading MSRs": after host state, each entry of the VM-exit MSR-load area up to the VM-exit
 * MSR-load count is written to its MSR as WRMSR would write it. These override the MSR values of
 * §27.5.1 (except FS.base/GS.base, which cannot appear). Any failing entry is a VMX abort with
 * indicator 4 (§27.7).
 */
import { rule, type TransitionRuleSpec } from './rule.js';

const CTL: TransitionRuleSpec['controlledBy'] = ['VM_EXIT_MSR_LOAD_COUNT', 'VM_EXIT_MSR_LOAD_ADDR'];
const R = (statement: string, source: string, extra: Partial<TransitionRuleSpec> = {}) =>
  rule({ section: '27.6', stage: 'msr-load', statement, controlledBy: CTL, source, ...extra });

export const MSR_LOAD_RULES = {
  'VMEXIT.MSR_LOAD': R('Entries 1..count of the VM-exit MSR-load area are processed in order, each written to the MSR named by bits 31:0 with bits 127:64 as WRMSR would; they override the MSRs §27.5.1 loaded', 'S 27.6; BX LoadMSRs; K nested_vmx_load_msr'),
  'VMEXIT.MSR_LOAD.FSGSBASE': R('An entry naming IA32_FS_BASE (C0000100H) or IA32_GS_BASE (C0000101H) fails: VMX abort 4', 'S 27.6; BX LoadMSRs'),
  'VMEXIT.MSR_LOAD.X2APIC': R('An entry naming an x2APIC MSR (bits 31:8 = 000008H) fails: VMX abort 4', 'S 27.6; BX LoadMSRs'),
  'VMEXIT.MSR_LOAD.SMMONLY': R('An entry naming an MSR writable only in SMM (IA32_SMM_MONITOR_CTL, 9BH) fails when the exit does not end in SMM: VMX abort 4', 'S 27.6', { confidence: 'S' }),
  'VMEXIT.MSR_LOAD.MODEL': R('An entry naming an MSR the processor refuses to load for model-specific reasons fails: VMX abort 4 (profile choices.msrLoadRejected)', 'S 27.6; K (microcode MSRs)', { confidence: '1' }),
  'VMEXIT.MSR_LOAD.RSVD': R('An entry with bits 63:32 not all 0 fails: VMX abort 4', 'S 27.6; BX LoadMSRs'),
  'VMEXIT.MSR_LOAD.WRMSR': R('An entry whose WRMSR at CPL 0 would raise #GP (with the host state just loaded, e.g. changing EFER.LME while CR0.PG = 1) fails: VMX abort 4', 'S 27.6; BX LoadMSRs; K'),
} as const satisfies Record<string, TransitionRuleSpec>;
