/** VMPTRLD (SDM §30.3 "VMPTRLD—Load Pointer to Virtual-Machine Control Structure"), rules VMPTRLD.*. */
import { emptyVmcsImage, readMemory32, type VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { vmFail, vmSucceed } from '../flags.js';
import { controlSupported } from '../vmcs-fields.js';
import { commonPrologue, validRegionAddress, type RuledStep } from './prologue.js';

export const vmptrld = (caps: Capabilities, s: VtxState, operand: bigint): RuledStep => {
  const stop = commonPrologue(s, 'VMPTRLD', 21);
  if (stop) return stop;
  if (!validRegionAddress(operand, caps.maxPhysAddr, caps.addresses32)) return { ...vmFail(s, 9), rule: 'VMPTRLD.ADDR' };
  if (operand === s.vmxonPointer) return { ...vmFail(s, 10), rule: 'VMPTRLD.VMXON' };
  const dword = readMemory32(s.memory, operand);
  const shadow = (dword >> 31n) === 1n;
  if ((dword & 0x7fff_ffffn) !== BigInt(caps.revisionId) || (shadow && !controlSupported(caps, 'proc2.VMCS_SHADOWING'))) {
    return { ...vmFail(s, 11), rule: 'VMPTRLD.REVID' };
  }
  const vmcs = new Map(s.vmcs);
  // A region VMCLEAR never initialised: this model treats it as clear with all fields zero.
  if (!vmcs.has(operand)) vmcs.set(operand, { launchState: 'clear', fields: emptyVmcsImage() });
  return { ...vmSucceed({ ...s, vmcs, currentVmcs: operand }), rule: 'VMPTRLD.OK' };
};
