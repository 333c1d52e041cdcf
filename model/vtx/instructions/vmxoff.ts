/** VMXOFF (SDM §30.3 "VMXOFF—Leave VMX Operation"), rules VMXOFF.*. */
import type { VtxState } from '../../../spec/vtx/state.js';
import { vmFail, vmSucceed } from '../flags.js';
import { commonPrologue, type RuledStep } from './prologue.js';

export const vmxoff = (s: VtxState): RuledStep => {
  const stop = commonPrologue(s, 'VMXOFF', 26);
  if (stop) return stop;
  if (s.dualMonitorActive) return { ...vmFail(s, 23), rule: 'VMXOFF.DUALMONITOR' };
  // No implicit VMCLEAR: VMCS regions keep whatever state they had (§24.11.1).
  return { ...vmSucceed({ ...s, vmx: 'outside', vmxonPointer: null, currentVmcs: null }), rule: 'VMXOFF.OK' };
};
