/**
 * STUB (owner: events engineer). Trap-like VM exits after an instruction completed: the monitor
 * trap flag (§25.5.2). Receives the result of executing the instruction; returns it unchanged or
 * replaced by the MTF exit (also map `alternatives`).
 */
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import type { NonRootResult } from './result.js';

export const afterInstruction = (_caps: Capabilities, _before: VtxState, executed: NonRootResult): NonRootResult => executed;
