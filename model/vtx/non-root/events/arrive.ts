/**
 * STUB (owner: events engineer). An event arrives at the logical processor: it is latched in
 * state.cpu.pending (external interrupt vector, NMI, INIT, SIPI) or, for the preemption timer,
 * recorded so that ../boundary.ts takes the timer exit. No delivery happens here.
 */
import type { GuestEvent } from '../../../../spec/vtx/guest/events.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';

export const arrive = (_caps: Capabilities, state: VtxState, _event: GuestEvent): VtxState => state;
