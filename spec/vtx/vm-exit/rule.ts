/**
 * The shape of one rule of the VMX transitions that are not checks: what a VM exit records, saves and
 * loads (SDM Vol. 3C ch. 27, June 2016 numbering), what a VM entry that fails after the guest-state
 * checks does instead (§26.7), and what a successful VM entry loads beyond the registers the entry
 * catalog already reports (§26.3.2, §26.6). Each rule is one sentence of the manual, with the
 * controls or VMCS fields that decide it and where the fact was checked.
 */
import type { ControlKey } from '../non-root/rule.js';
import type { Confidence } from '../vm-entry/rule.js';

/**
 * Steps of a VM exit in the order §27 fixes them (record → save → MSR store → load host → MSR load),
 * the VMX abort that ends any of the last three when it fails, the transition itself, and the two
 * VM-entry stages this catalog also covers.
 */
export type TransitionStage =
  | 'record' | 'save' | 'msr-store' | 'load-host' | 'msr-load' | 'abort' | 'transition'
  | 'entry-failure' | 'entry-load';

export interface TransitionRuleSpec {
  readonly section: string;
  readonly stage: TransitionStage;
  /** The rule in one line. */
  readonly statement: string;
  /** VM-exit / VM-entry controls and VMCS fields whose values the rule reads; [] when unconditional. */
  readonly controlledBy: readonly ControlKey[];
  /**
   * Where the fact was checked, in the keys of shared/facts/vtx-vmexit-effects.md: S = SDM 325384-059
   * (June 2016), BX = Bochs cpu/vmx.cc, K = Linux KVM nested VMX.
   */
  readonly source: string;
  readonly confidence: Confidence;
  readonly since: '2016' | 'post-2016';
  /**
   * Why the model has nothing to do for this rule, when the state it acts on is outside the
   * abstraction (no TLBs, no monitor hardware, no machine checks). Absent: the model implements it.
   */
  readonly notModelled?: string;
}

type Defaults = 'confidence' | 'since' | 'controlledBy';
type RuleInput = Omit<TransitionRuleSpec, Defaults> & Partial<Pick<TransitionRuleSpec, Defaults>>;

/** A rule with the usual defaults: established by the SDM and an implementation, 2016, no control. */
export const rule = (r: RuleInput): TransitionRuleSpec => ({ confidence: '2+', since: '2016', controlledBy: [], ...r });
