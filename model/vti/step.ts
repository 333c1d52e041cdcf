/**
 * The model's entry point for VT-i: one step (an instruction, an event or a PAL call) from a state,
 * on a processor described by a profile. Pure and total: no mutation, no I/O, clocks or randomness,
 * and every well-typed input yields an outcome.
 *
 * Before an instruction the processor takes an unmasked pending external interrupt (VTI.EXTINT.PEND)
 * and then, for a guest, a deliverable pending virtual interrupt (VTI.VEI.DELIVER) instead.
 */
import { match } from 'ts-pattern';
import { isPalService, type VtiStepInput } from '../../spec/vti/machine/events.js';
import type { VtiProfile } from '../../spec/vti/machine/profile.js';
import type { VtiState } from '../../spec/vti/machine/state.js';
import { executeInstruction } from './instruction.js';
import { event, externalInterruptCheck, virtualInterruptCheck, virtualInterruptMaskedReason } from './interrupts.js';
import { after, because, toOutcome, type Decision, type VtiOutcome } from './outcome.js';
import { palProcedure } from './pal/procedures.js';
import { palService } from './pal/services.js';

export type { VtiOutcome } from './outcome.js';

/** The decision with its trace (for explainVtiStep). */
export const decideVtiStep = (profile: VtiProfile, state: VtiState, input: VtiStepInput): Decision =>
  match(input)
    .with({ kind: 'instruction' }, ({ instruction }) => {
      const pending = externalInterruptCheck(state) ?? virtualInterruptCheck(state);
      if (pending !== null) return pending;
      const masked = virtualInterruptMaskedReason(state);
      const d = executeInstruction({ profile, state }, instruction);
      return masked === null ? d : after([because('VTI.VEI.MASKED', masked)], d);
    })
    .with({ kind: 'event' }, ({ event: e }) => event(state, e))
    .with({ kind: 'pal' }, ({ call }) => (isPalService(call) ? palService(profile, state, call) : palProcedure(profile, state, call)))
    .exhaustive();

export const vtiStep = (profile: VtiProfile, state: VtiState, input: VtiStepInput): VtiOutcome =>
  toOutcome(decideVtiStep(profile, state, input));
