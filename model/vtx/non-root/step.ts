/**
 * One step of VMX non-root operation (SDM Vol. 3C ch. 25): an event arrives, or the guest is at an
 * instruction boundary with its next instruction. Order at a boundary (§25.1.1; Vol. 3A §6.9 and
 * Table 6-2): pending events and VMX-specific event-like exits first (./boundary.ts); if none is
 * taken and the processor is active, the instruction runs (./execute.ts), whose own exits and
 * faults are decided there; trap-like exits that follow a completed instruction (monitor trap flag)
 * come last (./after.ts). Where the SDM lets a processor hold an event off (NMI and NMI-window under
 * STI blocking), each choice the boundary offers is followed through — "held off" means the
 * instruction runs. Pure and total.
 */
import { match } from 'ts-pattern';
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { afterInstruction } from './after.js';
import { arrive } from './events/arrive.js';
import { boundaryChoices } from './boundary.js';
import { executeInstruction } from './execute.js';
import { decision, type NonRootOutcome, type NonRootResult } from './result.js';

const notInNonRoot = (state: VtxState): NonRootResult => ({
  observation: { kind: 'inactive' },
  state,
  decisions: [decision('NONROOT.MODE', '23.3', `the processor is in VMX ${state.vmx === 'outside' ? 'operation off' : 'root operation'}: no guest runs`)],
});

/** Nothing taken at the boundary: the instruction runs if the processor is active (§24.4.2). */
const run = (caps: Capabilities, state: VtxState, instruction: GuestInstruction): NonRootResult =>
  state.cpu.activity !== 'active'
    ? { observation: { kind: 'inactive' }, state, decisions: [decision('NONROOT.INACTIVE', '24.4.2', `activity state ${state.cpu.activity}: no instruction executes`)] }
    : afterInstruction(caps, state, executeInstruction(caps, state, instruction));

const nothingTaken = (s: VtxState): NonRootResult => ({ observation: { kind: s.cpu.activity === 'active' ? 'pending' : 'inactive' }, state: s, decisions: [] });

/** Every permitted result of the boundary followed by `then` where nothing is taken; canonical first. */
const outcome = (caps: Capabilities, s: VtxState, then: (s: VtxState) => NonRootResult): NonRootOutcome => {
  const results = boundaryChoices(caps, s).map((r) => r ?? then(s));
  const permitted = results.flatMap((r) => [r, ...(r.alternatives ?? [])]);
  return { canonical: results[0]!, permitted };
};

export const nonRootStep = (caps: Capabilities, state: VtxState, input: NonRootInput): NonRootOutcome => {
  if (state.vmx !== 'non-root') {
    const r = notInNonRoot(state);
    return { canonical: r, permitted: [r] };
  }
  return match(input)
    .with({ kind: 'event' }, ({ event }) => outcome(caps, arrive(caps, state, event), nothingTaken))
    .with({ kind: 'instruction' }, ({ instruction }) => outcome(caps, state, (s) => run(caps, s, instruction)))
    .exhaustive();
};
