/** VMPTRST — store the current-VMCS pointer (SDM ch. 30 "VMPTRST"); it has no VMfail case. */
import { NO_CURRENT_VMCS } from '../../../../spec/vtx/state.js';
import type { Machine } from '../machine.js';
import { succeed, type StepResult } from '../outcome.js';
import { prologue, VMX_EXIT_REASON } from './prologue.js';

export const vmptrst = (m: Machine): StepResult => {
  const early = prologue(m, VMX_EXIT_REASON.VMPTRST);
  if (early !== null) return early;
  return succeed(m.currentVmcs ?? NO_CURRENT_VMCS);
};
