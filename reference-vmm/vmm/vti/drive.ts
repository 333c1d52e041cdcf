/**
 * Running a guest program, natively or under the VMM: the same fetch loop and the same event
 * schedule, so the two runs can be compared instruction for instruction.
 */
import type { VtiEvent } from '../../../spec/vti/machine/events.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { GuestProgram, RunEnd } from './program.js';

/** Guard against a guest that never retires anything (a fault loop): steps per allowed instruction. */
const STEP_FACTOR = 8;

/**
 * Drive a program: events at their retired-instruction counts, instructions fetched from its code.
 * Where the code ends, an interrupt still pending and unmasked is taken first (the processor takes
 * it before it would fetch), so a run ends only when nothing more can happen.
 */
export const drive = (program: GuestProgram, hooks: {
  readonly address: () => bigint;
  readonly instruction: (i: VtiInstruction) => boolean;
  readonly event: (e: VtiEvent) => void;
  /** Take an interruption that is due before the next fetch; false when there is none (default). */
  readonly pending?: () => boolean;
}): { readonly end: RunEnd; readonly retired: number } => {
  const events = [...program.events].sort((a, b) => a.after - b.after);
  let next = 0;
  let retired = 0;
  for (let steps = 0; steps < program.maxInstructions * STEP_FACTOR; steps++) {
    for (let e = events[next]; e !== undefined && e.after <= retired; e = events[++next]) hooks.event(e.event);
    if (retired >= program.maxInstructions) return { end: { kind: 'instruction-limit' }, retired };
    const at = hooks.address();
    const i = program.code.get(at);
    if (i === undefined) {
      if (hooks.pending?.() === true) continue;
      return { end: { kind: 'halted', at }, retired };
    }
    if (hooks.instruction(i)) retired++;
  }
  return { end: { kind: 'instruction-limit' }, retired };
};
