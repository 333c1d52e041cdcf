/**
 * One step of VMX non-root operation (SDM Vol. 3C ch. 25): an event arrives, or the guest is at an
 * instruction boundary with its next instruction. Order at a boundary (§25.1.1; Vol. 3A §6.9 and
 * Table 6-2): pending events and VMX-specific event-like exits first (./boundary.ts); if none is
 * taken and the processor is active, the instruction runs (./execute.ts), whose own exits and
 * faults are decided there; trap-like exits that follow a completed instruction (monitor trap flag,
 * TPR below threshold) come last (./after.ts). Pure and total.
 */
import { match } from 'ts-pattern';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { afterInstruction } from './after.js';
import { arrive } from './events/arrive.js';
import { atBoundary } from './boundary.js';
import { executeInstruction } from './execute.js';
import { decision, outcomeOf, type NonRootOutcome, type NonRootResult } from './result.js';

const notInNonRoot = (state: VtxState): NonRootResult => ({
  observation: { kind: 'inactive' },
  state,
  decisions: [decision('NONROOT.MODE', '23.3', `the processor is in VMX ${state.vmx === 'outside' ? 'operation off' : 'root operation'}: no guest runs`)],
});

export const nonRootStep = (caps: Capabilities, state: VtxState, input: NonRootInput): NonRootOutcome => {
  if (state.vmx !== 'non-root') return outcomeOf(notInNonRoot(state));
  return match(input)
    .with({ kind: 'event' }, ({ event }) => {
      const s = arrive(caps, state, event);
      return outcomeOf(atBoundary(caps, s) ?? { observation: { kind: s.cpu.activity === 'active' ? 'pending' : 'inactive' }, state: s, decisions: [] });
    })
    .with({ kind: 'instruction' }, ({ instruction }) => {
      const taken = atBoundary(caps, state);
      if (taken !== null) return outcomeOf(taken);
      if (state.cpu.activity !== 'active') {
        return outcomeOf({ observation: { kind: 'inactive' }, state, decisions: [decision('NONROOT.INACTIVE', '24.4.2', `activity state ${state.cpu.activity}: no instruction executes`)] });
      }
      return outcomeOf(afterInstruction(caps, state, executeInstruction(caps, state, instruction)));
    })
    .exhaustive();
};
