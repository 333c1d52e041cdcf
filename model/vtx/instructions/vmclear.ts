/** VMCLEAR (SDM §30.3 "VMCLEAR—Clear Virtual-Machine Control Structure"; §24.1 launch states), rules VMCLEAR.*. */
import { emptyVmcsImage, type VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { vmFail, vmSucceed } from '../flags.js';
import { commonPrologue, validRegionAddress, type RuledStep } from './prologue.js';

export const vmclear = (caps: Capabilities, s: VtxState, operand: bigint): RuledStep => {
  const stop = commonPrologue(s, 'VMCLEAR', 19);
  if (stop) return stop;
  if (!validRegionAddress(operand, caps.maxPhysAddr, caps.addresses32)) return { ...vmFail(s, 2), rule: 'VMCLEAR.ADDR' };
  if (operand === s.vmxonPointer) return { ...vmFail(s, 3), rule: 'VMCLEAR.VMXON' };
  const vmcs = new Map(s.vmcs);
  // A region never used before holds no defined data; this model starts it with all fields zero.
  vmcs.set(operand, { launchState: 'clear', fields: s.vmcs.get(operand)?.fields ?? emptyVmcsImage() });
  const currentVmcs = s.currentVmcs === operand ? null : s.currentVmcs;
  return { ...vmSucceed({ ...s, vmcs, currentVmcs }), rule: 'VMCLEAR.OK' };
};
