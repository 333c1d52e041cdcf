/** VMCLEAR — make a VMCS inactive, not current and clear (SDM ch. 30 "VMCLEAR", §24.1). */
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { succeed, vmfail, type StepResult } from '../outcome.js';
import { prologue, VMX_EXIT_REASON } from './prologue.js';

export const vmclear = (m: Machine, caps: Capabilities, pointer: bigint): StepResult => {
  const early = prologue(m, VMX_EXIT_REASON.VMCLEAR);
  if (early !== null) return early;
  if (!caps.pageAddressValid(pointer)) return vmfail(m, 2);
  if (pointer === m.vmxonPointer) return vmfail(m, 3);
  // No revision-identifier check. The region's data is kept (it is "written back to memory").
  m.region(pointer).launched = false;
  if (m.currentVmcs === pointer) m.currentVmcs = null;
  return succeed();
};
