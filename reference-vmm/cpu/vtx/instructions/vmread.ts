/** VMREAD — read a VMCS field (SDM ch. 30 "VMREAD"). */
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { failInvalid, succeed, vmfail, type StepResult } from '../outcome.js';
import { operandValue, resolveField, shadowingExits, targetVmcs } from './vmcs-access.js';
import { prologue, VMX_EXIT_REASON } from './prologue.js';

export const vmread = (m: Machine, caps: Capabilities, encodingOperand: bigint): StepResult => {
  const encoding = operandValue(m, encodingOperand);
  const exits = m.vmx !== 'non-root' || shadowingExits(m, 'VMREAD_BITMAP', encoding);
  const early = prologue(m, VMX_EXIT_REASON.VMREAD, exits);
  if (early !== null) return early;
  const vmcs = targetVmcs(m, false);
  if (vmcs === null) return failInvalid();
  const field = resolveField(caps, encoding);
  if (field === null) return vmfail(m, 12);
  const value = vmcs.get(field.spec.name);
  // Short fields are zero-extended; a "high" access yields bits 63:32; outside 64-bit mode the
  // destination operand has 32 bits.
  return succeed(operandValue(m, field.high ? value >> 32n : value));
};
