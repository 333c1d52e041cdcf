/** Helpers for the reference CPU's unit tests: build states, run inputs, read results. */
import type { PalCall, VtiEvent, VtiStepInput } from '../../../spec/vti/machine/events.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { FAULTS, type FaultName } from '../../../spec/vti/machine/faults.js';
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import { DEFAULT_VTI_PROFILE, type VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { Gr, VtiState } from '../../../spec/vti/machine/state.js';
import { ReferenceVtiCpu } from './cpu.js';

export const P: VtiProfile = DEFAULT_VTI_PROFILE;

export const ins = (instruction: VtiInstruction): VtiStepInput => ({ kind: 'instruction', instruction });
export const ev = (event: VtiEvent): VtiStepInput => ({ kind: 'event', event });
export const pal = (call: PalCall): VtiStepInput => ({ kind: 'pal', call });

/** Run `inputs` from `state`; the observations in order and the final state. */
export const run = (state: VtiState, inputs: readonly VtiStepInput[], profile: VtiProfile = P): { obs: VtiObservation[]; last: VtiObservation; state: VtiState } => {
  const cpu = new ReferenceVtiCpu(profile, state);
  const obs = inputs.map((i) => cpu.step(i).observation);
  const last = obs[obs.length - 1] ?? { kind: 'event-absorbed' };
  return { obs, last, state: cpu.snapshot() };
};

/** `state` with GR r = value (NaT optional), as currently addressed. */
export const withGr = (state: VtiState, r: number, value: bigint, nat = false): VtiState => {
  const gr: Gr[] = [...state.gr];
  gr[r] = { value, nat };
  return { ...state, gr };
};

export const withCr = (state: VtiState, n: number, value: bigint): VtiState => ({ ...state, cr: new Map([...state.cr, [n, value]]) });

export const gr = (state: VtiState, r: number): bigint => state.gr[r]?.value ?? 0n;
export const cr = (state: VtiState, n: number): bigint => state.cr.get(n) ?? 0n;
export const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

/** The observation of fault `name` (spec/vti/machine/faults.ts), for toMatchObject / toEqual. */
export const fault = (name: FaultName): { kind: 'interruption'; vector: number; isrCode: number } =>
  ({ kind: 'interruption', vector: FAULTS[name].vector, isrCode: FAULTS[name].isrCode });
