/**
 * A guest program on a processor of its own (PSR.vm = 0, no VMM): the baseline a virtualized run is
 * compared with. The processor is the one the VMM tells the guest it has (layout.ts guestProfile).
 */
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { guestProfile } from './layout.js';
import { nextInstructionAddress, type GuestProgram, type RunEnd } from './program.js';
import { drive } from './drive.js';

export interface NativeRun {
  readonly end: RunEnd;
  readonly retired: number;
  readonly state: VtiState;
}

export const runNative = (step: VtiStep, profile: VtiProfile, program: GuestProgram): NativeRun => {
  const p = guestProfile(profile);
  let state = program.initial(p);
  const r = drive(program, {
    address: () => nextInstructionAddress(state),
    instruction: (i) => {
      const o = step(p, state, { kind: 'instruction', instruction: i });
      state = o.state;
      return o.observation.kind === 'executed';
    },
    event: (e) => {
      state = step(p, state, { kind: 'event', event: e }).state;
    },
    pending: () => {
      const r = step(p, state, { kind: 'instruction', instruction: { op: 'nop' } });
      if (r.observation.kind === 'executed') return false;
      state = r.state;
      return true;
    },
  });
  return { ...r, state };
};
