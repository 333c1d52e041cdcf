/**
 * The result of one non-root step in the model, and the small helpers every non-root file shares.
 * A step's result is what happened (observation), the next state, and the decisions that led there
 * (the rule IDs `vtspec explain` prints). Where the SDM permits more than one result, the others are
 * in `alternatives` (the canonical one first in NonRootOutcome.permitted).
 */
import type { Decision, NonRootObservation } from '../../../spec/vtx/non-root/observation.js';
import { readField, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';

export interface NonRootResult {
  readonly observation: NonRootObservation;
  readonly state: VtxState;
  readonly decisions: readonly Decision[];
  /** Other results the SDM permits for the same step. */
  readonly alternatives?: readonly NonRootResult[];
}

export interface NonRootOutcome {
  readonly canonical: NonRootResult;
  /** Everything the SDM permits, canonical first. */
  readonly permitted: readonly NonRootResult[];
}

/** A field of the current VMCS (0 without one: non-root operation always has one). */
export const vmcsField = (s: VtxState, name: FieldName): bigint => {
  const region = s.currentVmcs === null ? undefined : s.vmcs.get(s.currentVmcs);
  return region === undefined ? 0n : readField(region.fields, name);
};

export const decision = (rule: string, section: string, verdict: string): Decision => ({ rule, section, verdict });
