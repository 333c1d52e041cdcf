/**
 * The signature every VT-i implementation provides: the reference CPU (one concrete choice wherever
 * the architecture is loose) and, with a richer result, the model (model/vti, which also says what
 * else is permitted). Pure by contract: `state` is not mutated.
 */
import type { VtiStepInput } from './events.js';
import type { VtiObservation } from './observation.js';
import type { VtiProfile } from './profile.js';
import type { VtiState } from './state.js';

export type VtiStep = (profile: VtiProfile, state: VtiState, input: VtiStepInput) => {
  readonly observation: VtiObservation;
  readonly state: VtiState;
};
