/**
 * STUB (owner: instructions engineer). Executes one guest instruction in VMX non-root operation:
 * faults that come before VM exits (§25.1.1), the instruction's exit conditions (§25.1.2–25.1.3),
 * changed behaviour (§25.3), and otherwise its ordinary effect with RIP advanced.
 */
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import type { NonRootResult } from './result.js';

export const executeInstruction = (_caps: Capabilities, state: VtxState, _instruction: GuestInstruction): NonRootResult =>
  ({ observation: { kind: 'retired' }, state, decisions: [] });
