/** VMPTRST (SDM §30.3 "VMPTRST—Store Pointer to Virtual-Machine Control Structure"), rules VMPTRST.*. */
import { NO_CURRENT_VMCS, type VtxState } from '../../../spec/vtx/state.js';
import { vmSucceed } from '../flags.js';
import { commonPrologue, type RuledStep } from './prologue.js';

export const vmptrst = (s: VtxState): RuledStep => {
  const stop = commonPrologue(s, 'VMPTRST', 22);
  if (stop) return stop;
  return { ...vmSucceed(s, s.currentVmcs ?? NO_CURRENT_VMCS), rule: 'VMPTRST.OK' };
};
