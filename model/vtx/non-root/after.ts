/**
 * Trap-like VM exits after an instruction completed: the monitor trap flag (§25.5.2, EXIT.MTF). With
 * "monitor trap flag" = 1 an MTF VM exit is pending on the boundary after the instruction — after it
 * retired (from the HLT state if it was HLT), or after delivery of the fault, INT n, INT3 or INTO
 * exception it caused — and is taken there before debug traps and everything below them
 * (PRIORITY.MTF; INIT cannot be pending there: it would have been taken before the instruction). No
 * MTF exit follows an instruction that caused a VM exit, and none occurs in the shutdown or
 * wait-for-SIPI state. The same pending MTF follows an event delivered at a boundary right after VM
 * entry (../boundary.ts) and an injected event (./events/inject.ts).
 */
import type { Decision } from '../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { vmExit } from '../vm-exit/index.js';
import { control } from './events/controls.js';
import { exitInformation } from './events/info.js';
import { decision, type NonRootResult } from './result.js';

/** The MTF VM exit taken on the boundary the state is at (RIP saved: the state's, activity as it is). */
export const mtfExit = (caps: Capabilities, s: VtxState, decisions: readonly Decision[], why: string): NonRootResult =>
  vmExit(caps, s, exitInformation(37), [...decisions,
    decision('EXIT.MTF', '25.5.2', why),
    decision('PRIORITY.MTF', '25.5.2', 'the pending MTF exit is taken before debug traps, the VMX-preemption timer, NMIs and interrupts (only SMIs and INIT come first)')]);

const mtfOne = (caps: Capabilities, r: NonRootResult): NonRootResult => {
  const s = r.state;
  if (s.vmx !== 'non-root' || !control(s, 'proc.MONITOR_TRAP_FLAG')) return r;
  if (r.observation.kind !== 'retired' && r.observation.kind !== 'delivered') return r;
  if (s.cpu.activity === 'shutdown' || s.cpu.activity === 'wait-for-sipi') return r;
  const what = r.observation.kind === 'retired'
    ? `the instruction completed${s.cpu.activity === 'hlt' ? ' (the exit is from the HLT state)' : ''}`
    : `vector ${r.observation.vector} was delivered`;
  return mtfExit(caps, s, r.decisions, `"monitor trap flag" = 1 and ${what}: MTF VM exit on the next boundary`);
};

/** `r` (and each result it permits) followed by the MTF exit it leaves pending, when "monitor trap flag" = 1. */
export const mtfAfter = (caps: Capabilities, r: NonRootResult): NonRootResult => {
  if (r.alternatives === undefined || r.alternatives.length === 0) return mtfOne(caps, r);
  // Each permitted result gets its own MTF exit; the exits' own alternatives (e.g. VMX aborts) join the list.
  const [first, ...others] = [r, ...r.alternatives]
    .map((x) => mtfOne(caps, { ...x, alternatives: [] }))
    .flatMap((x) => [x, ...(x.alternatives ?? [])]);
  return { ...first!, alternatives: others };
};

export const afterInstruction = (caps: Capabilities, _before: VtxState, executed: NonRootResult): NonRootResult => mtfAfter(caps, executed);
