/**
 * The catalog of VMX transitions that are not checks: what a VM exit does (SDM Vol. 3C ch. 27, June
 * 2016 numbering; ch. 28 in newer editions), what a VM-entry failure of §26.7 does instead, and what a
 * successful VM entry loads beyond the registers it reports (§26.3.2, §26.6). One file per subsection;
 * this index only assembles them. Rule IDs: VMEXIT.*, ENTRYFAIL.*, ENTRY.LOAD.*.
 */
import { ABORT_RULES } from './abort.js';
import { ENTRY_FAILURE_RULES } from './entry-failure.js';
import { ENTRY_LOAD_RULES } from './entry-load.js';
import { LOAD_HOST_STATE_RULES } from './load-host-state.js';
import { MSR_LOAD_RULES } from './msr-load.js';
import { MSR_STORE_RULES } from './msr-store.js';
import { RECORD_INFORMATION_RULES } from './record-information.js';
import type { TransitionRuleSpec } from './rule.js';
import { SAVE_GUEST_STATE_RULES } from './save-guest-state.js';
import { TRANSITION_RULES } from './transition.js';

export { VMX_ABORT_INDICATORS, VMX_ABORT_INDICATOR_OFFSET, type VmxAbortIndicator } from './abort.js';
export type { TransitionRuleSpec, TransitionStage } from './rule.js';
export { ENTRY_LOAD_RULES } from './entry-load.js';

/** Every step of a VM exit (§27.2–27.7), and the VM-entry failure that borrows them (§26.7). */
export const VM_EXIT_RULES = {
  ...RECORD_INFORMATION_RULES,
  ...SAVE_GUEST_STATE_RULES,
  ...MSR_STORE_RULES,
  ...LOAD_HOST_STATE_RULES,
  ...MSR_LOAD_RULES,
  ...ABORT_RULES,
  ...TRANSITION_RULES,
  ...ENTRY_FAILURE_RULES,
} as const satisfies Record<string, TransitionRuleSpec>;

export type VmExitRuleId = keyof typeof VM_EXIT_RULES;
export const VM_EXIT_RULE_IDS = Object.keys(VM_EXIT_RULES) as VmExitRuleId[];

export type EntryLoadRuleId = keyof typeof ENTRY_LOAD_RULES;

/** Both catalogs, for tools that list every rule (`vtspec catalog`, coverage). */
export const TRANSITION_RULE_CATALOG = { ...VM_EXIT_RULES, ...ENTRY_LOAD_RULES } as const satisfies Record<string, TransitionRuleSpec>;
export type TransitionRuleId = keyof typeof TRANSITION_RULE_CATALOG;
