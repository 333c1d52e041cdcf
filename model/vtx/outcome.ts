/**
 * The result of one step of the model: the canonical observation, everything else the SDM permits,
 * and the next state. `conforms` is the single judge of an implementation's report.
 */
import { observationEqual, type Observation, type ReportedObservation } from '../../spec/vtx/observation.js';
import type { VtxState } from '../../spec/vtx/state.js';

export interface Outcome {
  /** What this model does (the first failing rule in catalog order decides). */
  readonly canonical: Observation;
  /** Everything the SDM permits, the canonical outcome included. */
  readonly permitted: readonly Observation[];
  /** The SDM leaves the behaviour undefined: any observation conforms. */
  readonly undefinedBehaviour: boolean;
  /** Rules that failed, canonical first. Empty on success. */
  readonly failedRules: readonly string[];
  /** State after the canonical outcome. */
  readonly state: VtxState;
}

/** `observed` is something the SDM permits for this step (or for a vector's expected outcome). */
export const conforms = (
  observed: ReportedObservation,
  outcome: { readonly permitted: readonly ReportedObservation[]; readonly undefinedBehaviour: boolean },
): boolean =>
  outcome.undefinedBehaviour || outcome.permitted.some((p) => observationEqual(observed, p));
