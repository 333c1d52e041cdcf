/** VMWRITE — write a VMCS field (SDM ch. 30 "VMWRITE"). */
import { fieldType } from '../../../../spec/vtx/vmcs/encoding.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { failInvalid, succeed, vmfail, type StepResult } from '../outcome.js';
import { operandValue, resolveField, shadowingExits, targetVmcs } from './vmcs-access.js';
import { prologue, VMX_EXIT_REASON } from './prologue.js';

export const vmwrite = (m: Machine, caps: Capabilities, encodingOperand: bigint, valueOperand: bigint): StepResult => {
  const encoding = operandValue(m, encodingOperand);
  const exits = m.vmx !== 'non-root' || shadowingExits(m, 'VMWRITE_BITMAP', encoding);
  const early = prologue(m, VMX_EXIT_REASON.VMWRITE, exits);
  if (early !== null) return early;
  const vmcs = targetVmcs(m, true);
  if (vmcs === null) return failInvalid();
  const field = resolveField(caps, encoding);
  if (field === null) return vmfail(m, 12);
  if (fieldType(field.spec.encoding) === 'exit-information' && !caps.vmwriteAnyField) return vmfail(m, 13);
  const value = operandValue(m, valueOperand);
  const name = field.spec.name;
  if (field.high) {
    vmcs.set(name, (vmcs.get(name) & 0xffff_ffffn) | ((value & 0xffff_ffffn) << 32n));
  } else {
    vmcs.set(name, value); // truncated to the field's width; a 64-bit field written from 32 bits gets 0 above
  }
  return succeed();
};
