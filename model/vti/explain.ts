/**
 * Why a step did what it did, one line per rule applied, for the CLI (`vtspec explain --arch vti`):
 * which PSR.vm / cpl rule, which vac or vdc bit, which PAL check.
 */
import type { VtiStepInput } from '../../spec/vti/machine/events.js';
import type { VtiProfile } from '../../spec/vti/machine/profile.js';
import { VTI_RULES } from '../../spec/vti/machine/rules.js';
import type { VtiState } from '../../spec/vti/machine/state.js';
import { decideVtiStep } from './step.js';

export interface VtiExplanationLine {
  readonly rule: string;
  readonly section: string;
  readonly verdict: string;
}

export const explainVtiStep = (profile: VtiProfile, state: VtiState, input: VtiStepInput): readonly VtiExplanationLine[] =>
  decideVtiStep(profile, state, input).trace.map((t) => ({ rule: t.rule, section: VTI_RULES[t.rule]?.section ?? '(unknown rule)', verdict: t.verdict }));
