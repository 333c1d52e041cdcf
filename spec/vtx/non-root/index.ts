/**
 * The non-root catalog: every VM-exit condition of VMX non-root operation (SDM §25.1–25.2, with the
 * EPT exits of §28.2.3 and TPR virtualization of §29.1.2), the priority rules between faults, exits
 * and events (§25.1.1), and the behaviour changes without exits (§25.3). One file per subsection;
 * this index only assembles them.
 */
import { CHANGED_BEHAVIOUR_RULES } from './changed-behaviour.js';
import { CONTROL_REGISTERS_RULES } from './control-registers.js';
import { EPT_RULES } from './ept.js';
import { EVENTS_RULES } from './events.js';
import { INSTRUCTION_CONTROLS_RULES } from './instruction-controls.js';
import { IO_RULES } from './io.js';
import { MSR_RULES } from './msr.js';
import { PRIORITY_RULES } from './priority.js';
import type { NonRootRuleSpec } from './rule.js';
import { UNCONDITIONAL_RULES } from './unconditional.js';

export const NON_ROOT_RULES = {
  ...PRIORITY_RULES,
  ...UNCONDITIONAL_RULES,
  ...INSTRUCTION_CONTROLS_RULES,
  ...CONTROL_REGISTERS_RULES,
  ...IO_RULES,
  ...MSR_RULES,
  ...EVENTS_RULES,
  ...EPT_RULES,
  ...CHANGED_BEHAVIOUR_RULES,
} as const satisfies Record<string, NonRootRuleSpec>;

export type NonRootRuleId = keyof typeof NON_ROOT_RULES;
export const NON_ROOT_RULE_IDS = Object.keys(NON_ROOT_RULES) as NonRootRuleId[];

/**
 * Exit reasons of ../exit-reasons.ts that no rule here produces, and why. Everything else in that
 * list must be produced by at least one rule (checked by index.test.ts).
 */
export const OUT_OF_SCOPE_EXIT_REASONS = {
  5: 'I/O SMI: an SMM VM exit under the dual-monitor treatment (§34.15.2), not a non-root condition',
  6: 'other SMI: an SMM VM exit under the dual-monitor treatment (§34.15.2)',
  33: 'VM-entry failure (invalid guest state): the VM-entry catalog, ../vm-entry/ (§26.3)',
  34: 'VM-entry failure (MSR loading): the VM-entry catalog, ../vm-entry/ (§26.4)',
  41: 'VM-entry failure (machine check during VM entry, §26.8)',
  44: 'APIC access: APIC virtualization, deferred by issue 4 (§29.4)',
  45: 'virtualized EOI: virtual-interrupt delivery, deferred by issue 4 (§29.1.4)',
  56: 'APIC write: APIC-register virtualization, deferred by issue 4 (§29.4.3.3)',
  59: 'VMFUNC: VM functions, deferred by issue 4 (§25.5.5)',
  62: 'page-modification log full: PML, deferred by issue 4 (§28.2.6)',
  65: 'PCONFIG: post-2016, conditions not in the 2016 SDM or the facts',
  66: 'SPP-related event: sub-page permissions, post-2016 and deferred by issue 4',
  67: 'UMWAIT: post-2016, conditions not in the facts',
  68: 'TPAUSE: post-2016, conditions not in the facts',
  69: 'LOADIWKEY: post-2016, conditions not in the facts',
  70: 'ENCLV: post-2016 SGX, deferred by issue 4',
  72: 'ENQCMD PASID translation failure: post-2016',
  73: 'ENQCMDS PASID translation failure: post-2016',
  74: 'bus lock: post-2016',
  75: 'instruction timeout (notify): post-2016',
  76: 'SEAMCALL: post-2016 TDX',
  77: 'TDCALL: post-2016 TDX',
  78: 'RDMSRLIST: post-2016, single weak source',
  79: 'WRMSRLIST: post-2016, single weak source',
  80: 'URDMSR: post-2016, single weak source',
  81: 'UWRMSR: post-2016, single weak source',
} as const satisfies Record<number, string>;
