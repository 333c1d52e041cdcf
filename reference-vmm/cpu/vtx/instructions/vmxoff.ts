/** VMXOFF — leave VMX operation (SDM ch. 30 "VMXOFF"). */
import type { Machine } from '../machine.js';
import { succeed, vmfail, type StepResult } from '../outcome.js';
import { prologue, VMX_EXIT_REASON } from './prologue.js';

export const vmxoff = (m: Machine): StepResult => {
  const early = prologue(m, VMX_EXIT_REASON.VMXOFF);
  if (early !== null) return early;
  if (m.dualMonitorActive) return vmfail(m, 23);
  // Concrete choice: outside VMX operation there is neither a VMXON pointer nor a current VMCS.
  // VMXOFF does not clear any VMCS: launch states are kept as they are.
  m.vmx = 'outside';
  m.vmxonPointer = null;
  m.currentVmcs = null;
  return succeed();
};
