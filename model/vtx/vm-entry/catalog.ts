/**
 * The model's implementation of every catalog rule, paired with its spec entry, in evaluation order.
 * Each section module is typed `satisfies Record<SectionId, CheckImpl>`, so this file cannot pair a
 * rule with the wrong implementation or miss one.
 */
import { ADDRESS_SPACE_SIZE_CHECKS } from '../../../spec/vtx/vm-entry/address-space-size.js';
import { BASIC_CHECKS } from '../../../spec/vtx/vm-entry/basic.js';
import { ENTRY_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/entry-controls.js';
import { EXECUTION_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/execution-controls.js';
import { EXIT_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/exit-controls.js';
import { GUEST_CONTROL_REGISTERS_CHECKS } from '../../../spec/vtx/vm-entry/guest-control-registers.js';
import { GUEST_DESCRIPTOR_TABLES_CHECKS } from '../../../spec/vtx/vm-entry/guest-descriptor-tables.js';
import { GUEST_NON_REGISTER_CHECKS } from '../../../spec/vtx/vm-entry/guest-non-register.js';
import { GUEST_PDPTES_CHECKS } from '../../../spec/vtx/vm-entry/guest-pdptes.js';
import { GUEST_RIP_RFLAGS_CHECKS } from '../../../spec/vtx/vm-entry/guest-rip-rflags.js';
import { GUEST_SEGMENTS_CHECKS } from '../../../spec/vtx/vm-entry/guest-segments.js';
import { HOST_STATE_CHECKS } from '../../../spec/vtx/vm-entry/host-state.js';
import type { EntryCheckSpec } from '../../../spec/vtx/vm-entry/rule.js';
import { ADDRESS_SPACE_SIZE_IMPL } from './address-space-size.js';
import { BASIC_IMPL, type BasicEnv } from './basic.js';
import type { CheckImpl } from './check.js';
import { ENTRY_CONTROLS_IMPL } from './entry-controls.js';
import type { EntryEnv } from './env.js';
import { EXECUTION_CONTROLS_IMPL } from './execution-controls.js';
import { EXIT_CONTROLS_IMPL } from './exit-controls.js';
import { GUEST_CONTROL_REGISTERS_IMPL } from './guest-control-registers.js';
import { GUEST_DESCRIPTOR_TABLES_IMPL } from './guest-descriptor-tables.js';
import { GUEST_NON_REGISTER_IMPL } from './guest-non-register.js';
import { GUEST_PDPTES_IMPL } from './guest-pdptes.js';
import { GUEST_RIP_RFLAGS_IMPL } from './guest-rip-rflags.js';
import { GUEST_SEGMENTS_IMPL } from './guest-segments.js';
import { HOST_STATE_IMPL } from './host-state.js';
import { MSR_LOADING_IMPLEMENTED } from './msr-loading.js';

/**
 * One rule ready to evaluate. `applies`/`holds` are copied out of the section records into objects of
 * one shape, so the evaluation loop's property reads stay monomorphic (measured in `vtspec bench`).
 */
export interface SequencedCheck<E> {
  readonly id: string;
  readonly spec: EntryCheckSpec;
  /** null: the rule always applies. */
  readonly applies: ((e: E) => boolean) | null;
  readonly holds: (e: E) => boolean;
}

const pair = <E, K extends string>(
  specs: Record<K, EntryCheckSpec>,
  impls: Record<K, { applies?: (e: E) => boolean; holds: (e: E) => boolean }>,
): SequencedCheck<E>[] =>
  (Object.keys(specs) as K[]).map((id) => ({ id, spec: specs[id], applies: impls[id].applies ?? null, holds: impls[id].holds }));

export const BASIC_SEQUENCE: readonly SequencedCheck<BasicEnv>[] = pair(BASIC_CHECKS, BASIC_IMPL);

export const CONTROL_HOST_SEQUENCE: readonly SequencedCheck<EntryEnv>[] = [
  ...pair<EntryEnv, keyof typeof EXECUTION_CONTROLS_CHECKS>(EXECUTION_CONTROLS_CHECKS, EXECUTION_CONTROLS_IMPL),
  ...pair<EntryEnv, keyof typeof EXIT_CONTROLS_CHECKS>(EXIT_CONTROLS_CHECKS, EXIT_CONTROLS_IMPL),
  ...pair<EntryEnv, keyof typeof ENTRY_CONTROLS_CHECKS>(ENTRY_CONTROLS_CHECKS, ENTRY_CONTROLS_IMPL),
  ...pair<EntryEnv, keyof typeof HOST_STATE_CHECKS>(HOST_STATE_CHECKS, HOST_STATE_IMPL),
  ...pair<EntryEnv, keyof typeof ADDRESS_SPACE_SIZE_CHECKS>(ADDRESS_SPACE_SIZE_CHECKS, ADDRESS_SPACE_SIZE_IMPL),
];

export const GUEST_SEQUENCE: readonly SequencedCheck<EntryEnv>[] = [
  ...pair<EntryEnv, keyof typeof GUEST_CONTROL_REGISTERS_CHECKS>(GUEST_CONTROL_REGISTERS_CHECKS, GUEST_CONTROL_REGISTERS_IMPL),
  ...pair<EntryEnv, keyof typeof GUEST_SEGMENTS_CHECKS>(GUEST_SEGMENTS_CHECKS, GUEST_SEGMENTS_IMPL),
  ...pair<EntryEnv, keyof typeof GUEST_DESCRIPTOR_TABLES_CHECKS>(GUEST_DESCRIPTOR_TABLES_CHECKS, GUEST_DESCRIPTOR_TABLES_IMPL),
  ...pair<EntryEnv, keyof typeof GUEST_RIP_RFLAGS_CHECKS>(GUEST_RIP_RFLAGS_CHECKS, GUEST_RIP_RFLAGS_IMPL),
  ...pair<EntryEnv, keyof typeof GUEST_NON_REGISTER_CHECKS>(GUEST_NON_REGISTER_CHECKS, GUEST_NON_REGISTER_IMPL),
  ...pair<EntryEnv, keyof typeof GUEST_PDPTES_CHECKS>(GUEST_PDPTES_CHECKS, GUEST_PDPTES_IMPL),
];

/** Every rule ID the model implements (basic, controls, host, guest, MSR loading). */
export const MODEL_RULE_IDS: ReadonlySet<string> = new Set([
  ...BASIC_SEQUENCE.map((c) => c.id),
  ...CONTROL_HOST_SEQUENCE.map((c) => c.id),
  ...GUEST_SEQUENCE.map((c) => c.id),
  ...Object.keys(MSR_LOADING_IMPLEMENTED),
]);

export type { CheckImpl };
