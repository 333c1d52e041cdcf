/**
 * The shape of one entry of the non-root catalog (SDM Vol. 3C §25.1–25.3, June 2016 numbering; EPT
 * exits are described in §28.2.3, TPR below threshold in §29.1.2). Three kinds of entry share it:
 * the conditions under which a guest instruction or event causes a VM exit ('exit'), the ordering
 * between faults, exits and events ('priority'), and instructions whose behaviour changes in non-root
 * operation without an exit ('changed-behaviour').
 */
import type { ControlName } from '../controls.js';
import type { ExitReasonNumber } from '../exit-reasons.js';
import type { Confidence } from '../vm-entry/rule.js';
import type { FieldName } from '../vmcs/fields.js';

export type NonRootCategory = 'exit' | 'priority' | 'changed-behaviour';

/**
 * When the exit happens relative to the guest's instruction stream (decides the saved guest RIP, §27.3.3).
 * 'fault-like': before the instruction (or event delivery) has any effect; 'trap-like': after the
 * instruction completed; 'event': at an instruction boundary in place of delivering an external event
 * (interrupt, NMI, INIT, SIPI, window and timer exits) — neither of the SDM's two instruction kinds
 * fits those, so they get their own value instead of a misleading one.
 */
export type ExitKind = 'fault-like' | 'trap-like' | 'event';

/** What the rule is about: guest instructions (mnemonics as in the SDM) or one event. */
export type Trigger = { readonly instruction: readonly string[] } | { readonly event: string };

/** A VM-execution control of ../controls.ts, or a VMCS field (bitmap, mask, shadow, threshold …). */
export type ControlKey = ControlName | FieldName;

export interface NonRootRuleSpec {
  readonly section: string;
  readonly category: NonRootCategory;
  /** The rule in one line. */
  readonly statement: string;
  readonly trigger: Trigger;
  /** When the rule applies; 'always' when unconditional (every rule assumes VMX non-root operation). */
  readonly precondition: string;
  /** Controls and VMCS fields that decide the outcome; [] for unconditional exits. */
  readonly controlledBy: readonly ControlKey[];
  /** Basic exit reason the rule produces; null for rules that produce no exit. */
  readonly exitReason: ExitReasonNumber | null;
  readonly kind: ExitKind | null;
  /** What happens when the precondition holds. */
  readonly outcome: string;
  readonly confidence: Confidence;
  readonly since: '2016' | 'post-2016';
}

export const ins = (...instruction: string[]): Trigger => ({ instruction });
export const ev = (event: string): Trigger => ({ event });

type Defaults = 'category' | 'outcome' | 'kind' | 'confidence' | 'since';
type ExitInput = Omit<NonRootRuleSpec, Defaults | 'exitReason'> &
  Partial<Pick<NonRootRuleSpec, Defaults>> & { readonly exitReason: ExitReasonNumber };

/** An exit rule: fault-like, well established, 2016, outcome "VM exit, basic reason n" unless given. */
export const exitRule = (r: ExitInput): NonRootRuleSpec => ({
  category: 'exit', kind: 'fault-like', confidence: '2+', since: '2016',
  outcome: `VM exit, basic reason ${r.exitReason}`, ...r,
});

type NoExitInput = Omit<NonRootRuleSpec, 'category' | 'exitReason' | 'kind' | 'confidence' | 'since'> &
  Partial<Pick<NonRootRuleSpec, 'confidence' | 'since'>>;

export const priorityRule = (r: NoExitInput & Partial<Pick<NonRootRuleSpec, 'exitReason' | 'kind'>>): NonRootRuleSpec => ({
  category: 'priority', exitReason: null, kind: null, confidence: '2+', since: '2016', ...r,
});

export const changedRule = (r: NoExitInput): NonRootRuleSpec => ({
  category: 'changed-behaviour', exitReason: null, kind: null, confidence: '2+', since: '2016', ...r,
});
