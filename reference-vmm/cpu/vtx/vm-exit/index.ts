/**
 * A VM exit from VMX non-root operation (SDM ch. 27, June 2016): record the exit information
 * (§27.2), save guest state (§27.3), store MSRs (§27.4), load host state (§27.5), load MSRs (§27.6);
 * a failure in the last three steps is a VMX abort (§27.7). Also the §26.7 half of a VM-entry
 * failure: host state and the VM-exit MSR-load list.
 */
import type { ExitInformation, NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';
import { loadHostState } from './host-state.js';
import { loadExitMsrs, storeExitMsrs } from './msr-lists.js';
import { saveGuestState } from './save-guest.js';

export interface ExitCause {
  /** The exit was caused directly by an NMI: blocking by NMI after the exit (§27.5.5). */
  readonly nmi?: boolean;
  /** The RF value §27.3.3 prescribes for the saved RFLAGS; undefined: RF as it is. */
  readonly rf?: boolean;
}

/** §27.2: writes the defined fields; null fields keep their values. */
const recordInformation = (m: Machine, caps: Capabilities, vmcs: VmcsData, info: ExitInformation): void => {
  const put = (n: FieldName, v: bigint | number | null): void => { if (v !== null) vmcs.set(n, BigInt(v)); };
  put('VM_EXIT_REASON', info.reason >>> 0);
  put('EXIT_QUALIFICATION', info.qualification);
  put('GUEST_LINEAR_ADDRESS', info.guestLinearAddress);
  put('GUEST_PHYSICAL_ADDRESS', info.guestPhysicalAddress);
  put('VM_EXIT_INTR_INFO', info.interruptionInfo >>> 0);
  put('VM_EXIT_INTR_ERROR_CODE', info.interruptionErrorCode);
  put('IDT_VECTORING_INFO_FIELD', info.idtVectoringInfo >>> 0);
  put('IDT_VECTORING_ERROR_CODE', info.idtVectoringErrorCode);
  put('VM_EXIT_INSTRUCTION_LEN', info.instructionLength);
  put('VMX_INSTRUCTION_INFO', info.instructionInfo);
  // Every VM exit clears the valid bit of the VM-entry interruption-information field.
  vmcs.set('VM_ENTRY_INTR_INFO_FIELD', vmcs.get('VM_ENTRY_INTR_INFO_FIELD') & 0x7fff_ffffn);
  // IA32_VMX_MISC[5]: the "IA-32e mode guest" entry control takes the value of IA32_EFER.LMA.
  if ((caps.misc >> 5n) & 1n) {
    const lma = (m.cpu.efer >> 10n) & 1n;
    vmcs.set('VM_ENTRY_CONTROLS', (vmcs.get('VM_ENTRY_CONTROLS') & ~(1n << 9n)) | (lma << 9n));
  }
};

/**
 * §27.7: the indicator goes to byte offset 4 of the VMCS region; the processor enters the
 * VMX-abort shutdown state (here: VMX root operation, activity state shutdown).
 */
export const vmxAbort = (m: Machine, indicator: number): NonRootObservation => {
  const at = m.currentVmcs ?? 0n;
  m.write64(at, (m.read64(at) & 0xffff_ffffn) | (BigInt(indicator) << 32n));
  m.cpu.activity = 'shutdown';
  m.vmx = 'root';
  return { kind: 'vmx-abort', indicator };
};

/** Performs the whole VM exit on `m` (currently in non-root operation with the guest registers). */
export const performVmExit = (m: Machine, caps: Capabilities, info: ExitInformation, cause: ExitCause = {}): NonRootObservation => {
  const vmcs = m.region(m.currentVmcs ?? 0n);
  recordInformation(m, caps, vmcs, info);
  if (cause.rf !== undefined) m.cpu.rflags = cause.rf ? m.cpu.rflags | 0x1_0000n : m.cpu.rflags & ~0x1_0000n;
  saveGuestState(m, caps, vmcs, info.reason & 0xffff);
  if (!storeExitMsrs(m, vmcs)) return vmxAbort(m, 1);
  const hasz = (vmcs.get('VM_EXIT_CONTROLS') >> 9n) & 1n;
  if ((m.cpu.efer >> 10n) & 1n && hasz === 0n) return vmxAbort(m, 6);
  loadHostState(m, caps, vmcs);
  // With "virtual NMIs" the guest's flag was virtual-NMI blocking; real NMIs were never blocked in the guest.
  if ((vmcs.get('PIN_BASED_VM_EXEC_CONTROL') >> 5n) & 1n) m.cpu.blockingByNmi = false;
  if (cause.nmi === true) m.cpu.blockingByNmi = true;
  if (!loadExitMsrs(m, caps, vmcs)) return vmxAbort(m, 4);
  return { kind: 'vm-exit', exit: info };
};

/**
 * §26.7 after the exit reason and qualification are written: host state is loaded, blocking by NMI
 * keeps its pre-entry value, and the VM-exit MSR-load list is processed (a failure: VMX abort 4).
 * Returns the abort indicator, or null.
 */
export const entryFailureHostLoad = (m: Machine, caps: Capabilities, vmcs: VmcsData): number | null => {
  loadHostState(m, caps, vmcs);
  if (!loadExitMsrs(m, caps, vmcs)) {
    vmxAbort(m, 4);
    return 4;
  }
  return null;
};
