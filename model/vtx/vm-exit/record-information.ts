/**
 * §27.2 "Recording VM-Exit Information and Updating VM-Entry Control Fields" (rules VMEXIT.INFO.*):
 * the exit-information fields receive `info`; a null member is a field the SDM leaves undefined for
 * this exit, and it keeps its value (both implementations then agree on the VMCS). The VM-entry
 * interruption-information valid bit is cleared, and with IA32_VMX_MISC[5] = 1 the "IA-32e mode
 * guest" entry control follows IA32_EFER.LMA.
 */
import type { ExitInformation } from '../../../spec/vtx/non-root/observation.js';
import { readField, writeFields, type CpuRegisters, type VmcsImage } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';

const EFER_LMA = 1n << 10n;
const IA32E_MODE_GUEST = 1n << 9n;

/** VMEXIT.INFO.REASON, VMEXIT.INFO.QUALIFICATION, VMEXIT.INFO.ADDRESSES, VMEXIT.INFO.INTERRUPTION, VMEXIT.INFO.IDT_VECTORING, VMEXIT.INFO.INSTRUCTION, VMEXIT.INFO.ENTRY_INTR_CLEARED, VMEXIT.INFO.IA32E_GUEST (§27.2). */
export const recordExitInformation = (caps: Capabilities, image: VmcsImage, info: ExitInformation, cpu: CpuRegisters): VmcsImage => {
  const values: Partial<Record<FieldName, bigint>> = {
    VM_EXIT_REASON: BigInt(info.reason >>> 0),
    EXIT_QUALIFICATION: info.qualification,
    VM_EXIT_INTR_INFO: BigInt(info.interruptionInfo >>> 0),
    IDT_VECTORING_INFO_FIELD: BigInt(info.idtVectoringInfo >>> 0),
    // An event is injected by one VM entry only (§27.2).
    VM_ENTRY_INTR_INFO_FIELD: readField(image, 'VM_ENTRY_INTR_INFO_FIELD') & 0x7fff_ffffn,
  };
  if (info.guestLinearAddress !== null) values.GUEST_LINEAR_ADDRESS = info.guestLinearAddress;
  if (info.guestPhysicalAddress !== null) values.GUEST_PHYSICAL_ADDRESS = info.guestPhysicalAddress;
  if (info.interruptionErrorCode !== null) values.VM_EXIT_INTR_ERROR_CODE = BigInt(info.interruptionErrorCode >>> 0);
  if (info.idtVectoringErrorCode !== null) values.IDT_VECTORING_ERROR_CODE = BigInt(info.idtVectoringErrorCode >>> 0);
  if (info.instructionLength !== null) values.VM_EXIT_INSTRUCTION_LEN = BigInt(info.instructionLength);
  if (info.instructionInfo !== null) values.VMX_INSTRUCTION_INFO = BigInt(info.instructionInfo >>> 0);
  // IA32_VMX_MISC[5]: the next VM entry resumes the guest in the mode it left (Appendix A.6).
  if (((caps.profile.msrs.IA32_VMX_MISC >> 5n) & 1n) === 1n) {
    const entry = readField(image, 'VM_ENTRY_CONTROLS');
    values.VM_ENTRY_CONTROLS = (cpu.efer & EFER_LMA) !== 0n ? entry | IA32E_MODE_GUEST : entry & ~IA32E_MODE_GUEST;
  }
  return writeFields(image, values);
};
