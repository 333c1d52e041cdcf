/**
 * The shape of the paper as data: its sections and, in each, the claims it makes ("Intel
 * Virtualization Technology: Hardware Support for Efficient Processor Virtualization", Intel
 * Technology Journal 10(3), 2006). Statements are our paraphrases. A claim points at the rules of the
 * project that make it executable, so a reader can go from a sentence of the paper to the code and
 * the test that would fail if the sentence were false in the model.
 */
import type { ControlName } from '../vtx/controls.js';
import type { EntryCheckId } from '../vtx/vm-entry/index.js';
import type { NonRootRuleId } from '../vtx/non-root/index.js';
import type { InstructionRuleId } from '../vtx/vmx-instructions/index.js';
import type { TransitionRuleId } from '../vtx/vm-exit/index.js';
import type { FixedVtiRuleId } from '../vti/machine/rules.js';
import type { EptTranslationRuleId, EventDeliveryRuleId, InjectionRuleId, PagingRuleId } from './catalogs.js';
import type { SectionId } from './outline.js';

/**
 * Which architecture a claim is about, as the paper states it: 'both' only where the paper names
 * IA-32 and Itanium (or VT-x and VT-i) for it; 'general' for statements about virtualization at large.
 */
export type PaperArchitecture = 'vtx' | 'vti' | 'both' | 'general';

/**
 * challenge: a problem of software-only virtualization (checked by conformance/paper/challenges.test.ts);
 * mechanism: what the hardware does; usage: how a VMM uses it; efficiency: that it saves VMM
 * transitions; background: context that no rule of the project can check (`notCheckable` says why).
 */
export type ClaimKind = 'challenge' | 'mechanism' | 'usage' | 'efficiency' | 'background';

/**
 * A VT-i rule ID. The intercept, vac, vdc and PAL rows of VTI_RULES are derived from the spec/vti
 * tables, so TypeScript knows only their prefixes; spec/paper/sections.test.ts checks each one exists.
 */
export type VtiRuleRef =
  | FixedVtiRuleId | `VTI.INTERCEPT.${string}` | `VTI.VAC.${string}` | `VTI.VDC.${string}` | `VTI.PAL.${string}`;

/**
 * Anything a claim can be checked by: a rule of one of the project's catalogs, or a VMX control
 * (spec/vtx/controls.ts) the rules depend on. A renamed VT-x rule stops this file from compiling.
 */
export type RuleRef =
  | NonRootRuleId | EntryCheckId | InstructionRuleId | TransitionRuleId | InjectionRuleId | EventDeliveryRuleId
  | PagingRuleId | EptTranslationRuleId | ControlName | VtiRuleRef;

export interface PaperClaimSpec {
  readonly section: SectionId;
  readonly architecture: PaperArchitecture;
  /** What the paper says, in our words. */
  readonly statement: string;
  readonly kind: ClaimKind;
  /** Rules (and controls) that make the claim executable; [] only for background claims. */
  readonly checkedBy: readonly RuleRef[];
  /** For background claims: why no rule of the project can check it. */
  readonly notCheckable?: string;
  /** Where the model departs from, or only partly covers, what the paper says. */
  readonly note?: string;
}

/** A checkable claim: the tuple type makes a claim without any rule a compile error. */
export const claim = (
  section: SectionId, architecture: PaperArchitecture, kind: Exclude<ClaimKind, 'background'>,
  statement: string, checkedBy: readonly [RuleRef, ...RuleRef[]], note?: string,
): PaperClaimSpec => ({ section, architecture, kind, statement, checkedBy, ...(note === undefined ? {} : { note }) });

/** A claim no rule can check, with the reason. */
export const background = (
  section: SectionId, architecture: PaperArchitecture, statement: string, notCheckable: string,
): PaperClaimSpec => ({ section, architecture, kind: 'background', statement, checkedBy: [], notCheckable });
