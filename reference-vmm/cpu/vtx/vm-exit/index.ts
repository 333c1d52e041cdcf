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

/**
 * §27.2: writes the defined fields; null fields keep their values. The basic exit reason with bit 31 = 0
 * (§27.2.1; VMEXIT.INFO.REASON); the qualification, 0 for reasons without one (VMEXIT.INFO.QUALIFICATION);
 * the guest-linear and guest-physical addresses only where the exit defines them (VMEXIT.INFO.ADDRESSES);
 * the VM-exit interruption information, valid or not, and its error code when bit 11 is 1 (§27.2.2;
 * VMEXIT.INFO.INTERRUPTION); the IDT-vectoring information and its error code (§27.2.3;
 * VMEXIT.INFO.IDT_VECTORING); the instruction length and instruction information (§27.2.4;
 * VMEXIT.INFO.INSTRUCTION).
 */
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
  // Every VM exit clears the valid bit of the VM-entry interruption-information field (VMEXIT.INFO.ENTRY_INTR_CLEARED).
  vmcs.set('VM_ENTRY_INTR_INFO_FIELD', vmcs.get('VM_ENTRY_INTR_INFO_FIELD') & 0x7fff_ffffn);
  // IA32_VMX_MISC[5]: the "IA-32e mode guest" entry control takes the value of IA32_EFER.LMA (VMEXIT.INFO.IA32E_GUEST).
  if ((caps.misc >> 5n) & 1n) {
    const lma = (m.cpu.efer >> 10n) & 1n;
    vmcs.set('VM_ENTRY_CONTROLS', (vmcs.get('VM_ENTRY_CONTROLS') & ~(1n << 9n)) | (lma << 9n));
  }
};

/**
 * §27.7: the 32-bit indicator goes to byte offset 4 of the VMCS region, and no other VMCS data are
 * written; the processor enters the VMX-abort shutdown state (here: VMX root operation, activity state
 * shutdown) (VMEXIT.ABORT). Only RESET would leave it: no event reaches a processor outside VMX non-root
 * operation (nonRootStep is inactive there), so INIT, NMIs, SIPIs and interrupts do not affect it
 * (VMEXIT.ABORT.SHUTDOWN). The SMX case (TXT shutdown) is not distinguished.
 */
export const vmxAbort = (m: Machine, indicator: number): NonRootObservation => {
  const at = m.currentVmcs ?? 0n;
  m.write64(at, (m.read64(at) & 0xffff_ffffn) | (BigInt(indicator) << 32n));
  m.cpu.activity = 'shutdown';
  m.vmx = 'root';
  return { kind: 'vmx-abort', indicator };
};

/**
 * Performs the whole VM exit on `m` (currently in non-root operation with the guest registers). An exit
 * that completes leaves the processor in VMX root operation, in the host at CPL 0, with the exit
 * information recorded and the guest state saved in the current VMCS (ch. 27; VMEXIT.STATE.ROOT).
 */
export const performVmExit = (m: Machine, caps: Capabilities, info: ExitInformation, cause: ExitCause = {}): NonRootObservation => {
  const vmcs = m.region(m.currentVmcs ?? 0n);
  recordInformation(m, caps, vmcs, info);
  // §27.3.3: the RF the saved RFLAGS must show for this exit (VMEXIT.SAVE.RFLAGS).
  if (cause.rf !== undefined) m.cpu.rflags = cause.rf ? m.cpu.rflags | 0x1_0000n : m.cpu.rflags & ~0x1_0000n;
  saveGuestState(m, caps, vmcs, info);
  // §27.4: the VM-exit MSR-store list; a failing entry is VMX abort 1 (VMEXIT.MSR_STORE).
  if (!storeExitMsrs(m, caps, vmcs)) return vmxAbort(m, 1);
  // §27.5, §27.7: IA-32e mode before the exit with "host address-space size" = 0 is VMX abort 6 (VMEXIT.HOST.IA32E).
  const hasz = (vmcs.get('VM_EXIT_CONTROLS') >> 9n) & 1n;
  if ((m.cpu.efer >> 10n) & 1n && hasz === 0n) return vmxAbort(m, 6);
  // §27.5.4: a PAE host whose PDPTEs fail the check is VMX abort 2 (VMEXIT.HOST.PDPTE).
  if (!loadHostState(m, caps, vmcs)) return vmxAbort(m, 2);
  // §27.5.5 (VMEXIT.HOST.BLOCKING): blocking by NMI is unchanged, set by an exit caused by an NMI. With
  // "virtual NMIs" the guest's flag was virtual-NMI blocking; real NMIs were never blocked in the guest.
  if ((vmcs.get('PIN_BASED_VM_EXEC_CONTROL') >> 5n) & 1n) m.cpu.blockingByNmi = false;
  if (cause.nmi === true) m.cpu.blockingByNmi = true;
  // §27.6: the VM-exit MSR-load list; a failing entry is VMX abort 4 (VMEXIT.MSR_LOAD).
  if (!loadExitMsrs(m, caps, vmcs)) return vmxAbort(m, 4);
  return { kind: 'vm-exit', exit: info };
};

/**
 * §26.7 after the exit reason and qualification are written: host state is loaded as a VM exit loads
 * it, PDPTEs of a PAE host included (ENTRYFAIL.HOST_LOAD; a PDPTE failure is VMX abort 2), blocking by
 * NMI keeps its pre-entry value (ENTRYFAIL.NMI_BLOCKING: nothing here touches it), and the VM-exit
 * MSR-load list is processed (a failure: VMX abort 4) (ENTRYFAIL.MSR_LOAD). Returns the abort
 * indicator, or null.
 */
export const entryFailureHostLoad = (m: Machine, caps: Capabilities, vmcs: VmcsData): number | null => {
  if (!loadHostState(m, caps, vmcs)) {
    vmxAbort(m, 2);
    return 2;
  }
  if (!loadExitMsrs(m, caps, vmcs)) {
    vmxAbort(m, 4);
    return 4;
  }
  return null;
};
