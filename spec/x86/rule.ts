/**
 * The shape of a rule of the IA-32 architecture the VMX model relies on (SDM Vol. 3A: event delivery
 * through the IDT, paging) or of a VMX mechanism that is not a VM-exit condition (event injection,
 * the EPT walk). Same fields as the non-root catalog, without exit reasons: these rules decide how
 * an event or an access proceeds, and the exit rules of spec/vtx/non-root decide whether it exits.
 */
import type { Confidence } from '../vtx/vm-entry/rule.js';

export interface ArchRuleSpec {
  /** SDM volume the section belongs to (3A: IA-32 system programming; 3B: debugging; 3C: VMX). */
  readonly volume: '3A' | '3B' | '3C';
  /** June 2016 numbering; VMX chapters as in spec/vtx (entries 26, exits 27, EPT 28). */
  readonly section: string;
  readonly statement: string;
  /** When the rule applies; 'always' when unconditional. */
  readonly precondition: string;
  readonly outcome: string;
  readonly confidence: Confidence;
  /** Why the model and reference CPU cannot exercise the rule (listed by coverage without counting as a gap). */
  readonly notModelled?: string;
}

type Input = Omit<ArchRuleSpec, 'confidence'> & Partial<Pick<ArchRuleSpec, 'confidence'>>;

/** A rule well established by the SDM and an implementation unless `confidence` says otherwise. */
export const archRule = (r: Input): ArchRuleSpec => ({ confidence: '2+', ...r });
