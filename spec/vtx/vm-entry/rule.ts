/**
 * The shape of one VM-entry check of the catalog (SDM §26.1–26.4). One entry per rule of the manual:
 * a stable ID, its SDM section (June 2016 numbering: VM entries are chapter 26), a one-line
 * statement of what must hold, when it applies, and what the processor does when it does not.
 */
import type { FieldName } from '../vmcs/fields.js';
import type { FaultVector } from '../observation.js';

/**
 * Phases of VM entry in the order §26 fixes: basic checks (§26.1, strictly ordered), checks on the
 * VMX controls (§26.2.1) and on the host-state area (§26.2.2–26.2.4) — these two "in any order" —
 * then guest-state checks (§26.3), then MSR loading (§26.4).
 */
export type EntryPhase = 'basic' | 'controls' | 'host' | 'guest' | 'msr-load';

export type CatalogFailure =
  | { readonly kind: 'fault'; readonly vector: FaultVector }
  | { readonly kind: 'vm-exit'; readonly reason: number }
  | { readonly kind: 'VMfailInvalid' }
  /** VMfailValid(error); `alsoPermitted` lists other error numbers the SDM allows for the same rule. */
  | { readonly kind: 'VMfailValid'; readonly error: number; readonly alsoPermitted?: readonly number[] }
  /**
   * VM-entry failure: exit reason 80000000H | reason (§26.7). For reason 34 the qualification is the
   * 1-based position of the failing entry in the VM-entry MSR-load list ('list-position'). `optional`: a
   * processor may instead not check the rule.
   */
  | { readonly kind: 'entry-failure'; readonly reason: 33 | 34; readonly qualification: number | 'list-position'; readonly optional?: boolean }
  /** The SDM leaves the behaviour undefined (e.g. an MSR-load list longer than IA32_VMX_MISC recommends). */
  | { readonly kind: 'undefined' };

/** How well the facts behind a rule are established (see shared/facts/vtx-entry-checks.md "conf"). */
export type Confidence = '2+' | 'S' | '1' | '!';

export interface EntryCheckSpec {
  readonly section: string;
  readonly phase: EntryPhase;
  /** What must hold, in one line. */
  readonly statement: string;
  /** When the rule applies; 'always' when unconditional. */
  readonly precondition: string;
  readonly failure: CatalogFailure;
  /** VMCS fields the rule reads (explain prints their values). */
  readonly reads: readonly FieldName[];
  readonly since: '2016' | 'post-2016';
  readonly confidence: Confidence;
}

export const vmfailValid = (error: number, alsoPermitted?: readonly number[]): CatalogFailure =>
  alsoPermitted ? { kind: 'VMfailValid', error, alsoPermitted } : { kind: 'VMfailValid', error };
export const VF7: CatalogFailure = vmfailValid(7);
export const VF8: CatalogFailure = vmfailValid(8);
export const X33 = (qualification = 0, optional = false): CatalogFailure =>
  optional ? { kind: 'entry-failure', reason: 33, qualification, optional } : { kind: 'entry-failure', reason: 33, qualification };
export const X34: CatalogFailure = { kind: 'entry-failure', reason: 34, qualification: 'list-position' };
