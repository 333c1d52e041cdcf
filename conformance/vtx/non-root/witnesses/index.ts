/** Every non-root witness, keyed by rule ID; complete over NON_ROOT_RULES by type. */
import type { NonRootRuleId } from '../../../../spec/vtx/non-root/index.js';
import { EVENT_WITNESSES } from './events.js';
import { INSTRUCTION_CONTROL_WITNESSES, UNCONDITIONAL_WITNESSES } from './instructions.js';
import { CONTROL_REGISTER_WITNESSES, IO_WITNESSES, MSR_WITNESSES } from './registers-io-msr.js';
import { CHANGED_WITNESSES, PRIORITY_WITNESSES } from './shows.js';
import type { NonRootWitness } from './witness.js';

export const NON_ROOT_WITNESSES: Record<NonRootRuleId, NonRootWitness> = {
  ...PRIORITY_WITNESSES,
  ...UNCONDITIONAL_WITNESSES,
  ...INSTRUCTION_CONTROL_WITNESSES,
  ...CONTROL_REGISTER_WITNESSES,
  ...IO_WITNESSES,
  ...MSR_WITNESSES,
  ...EVENT_WITNESSES,
  ...CHANGED_WITNESSES,
};

export * from './witness.js';
