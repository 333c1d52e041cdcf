/**
 * STUB (owner: events engineer). What happens at an instruction boundary before the next
 * instruction (§25.1.1, §25.2, Vol. 3A §6.9): pending INIT/SIPI/NMI/external interrupts, the
 * VMX-preemption timer, NMI-window and interrupt-window exits, wake-ups from HLT/shutdown/
 * wait-for-SIPI, delivery through the guest IDT. Returns null when nothing is taken.
 */
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import type { NonRootResult } from './result.js';

export const atBoundary = (_caps: Capabilities, _state: VtxState): NonRootResult | null => null;
