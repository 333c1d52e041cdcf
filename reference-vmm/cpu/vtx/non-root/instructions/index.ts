/** Dispatch of a guest instruction to its group (one file per group of §25.1.2–25.1.3 and the ordinary ISA). */
import type { GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import type { Guest } from '../guest.js';
import type { Exec } from './common.js';
import { executeCompute } from './compute.js';
import { executeConditional } from './conditional.js';
import { executeControlRegisters } from './control-registers.js';
import { executeIo } from './io.js';
import { executeMsr } from './msr.js';
import { executeSystem } from './system.js';
import { executeUnconditional } from './unconditional.js';

const GROUPS = [executeCompute, executeControlRegisters, executeIo, executeMsr, executeSystem, executeConditional, executeUnconditional];

/** Runs `i`: returns when it completed; throws GuestFault for a fault, StepDone for an exit or delivery. */
export const executeInstruction = (g: Guest, i: GuestInstruction, x: Exec): void => {
  for (const run of GROUPS) if (run(g, i, x)) return;
};
