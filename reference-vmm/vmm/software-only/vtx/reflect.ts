/**
 * Reflecting an exception into the guest: delivering it through the guest's own IDT, on the guest's
 * view of its processor, as its processor would have (Vol. 3A §6.12). A VMM without VT needs this
 * for the faults it does not emulate — a page fault, which it passes on to the guest as the guest's
 * own — and a real one carries its own copy of the delivery routine. This one is the processor's:
 * the reference CPU's delivery code (reference-vmm/cpu/vtx/non-root/delivery.ts) on a machine set up
 * the way NativeVtxCpu sets one up, so that a reflected exception is exactly a native one.
 */
import type { NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../../../spec/vtx/profile.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { Machine } from '../../../cpu/vtx/machine.js';
import { nativeCapabilities } from '../../../cpu/vtx/native/capabilities.js';
import { NATIVE_VMCS_KEY, nativeVmcsView } from '../../../cpu/vtx/native/vmcs-view.js';
import { raiseFault } from '../../../cpu/vtx/non-root/delivery.js';
import { Guest, GuestFault, StepDone } from '../../../cpu/vtx/non-root/guest.js';

export interface Exception {
  readonly vector: number;
  readonly errorCode: number | null;
  /** #PF: the faulting linear address (CR2). */
  readonly address?: bigint;
}

/** `g` (outside VMX operation) after delivering `e` through its IDT, and what the guest saw. */
export const reflectException = (profile: VtxProfile, g: VtxState, e: Exception): { readonly state: VtxState; readonly observation: NonRootObservation } => {
  const caps = nativeCapabilities(profile);
  const m = new Machine({ ...g, vmx: 'non-root', currentVmcs: NATIVE_VMCS_KEY, vmcs: new Map() });
  m.vmcs.set(NATIVE_VMCS_KEY, nativeVmcsView(caps));
  let observation: NonRootObservation;
  try {
    raiseFault(new Guest(m, caps), new GuestFault(e.vector, e.errorCode, e.address));
  } catch (x) {
    if (!(x instanceof StepDone)) throw x;
    observation = x.observation;
  }
  if (observation!.kind !== 'delivered') throw new Error(`software-only VMM: reflecting vector ${e.vector} ended in ${observation!.kind} (a task gate or a triple fault in the guest)`);
  const s = m.snapshot();
  return { state: { ...s, vmx: 'outside', currentVmcs: g.currentVmcs, vmcs: g.vmcs, vmxonPointer: g.vmxonPointer, dualMonitorActive: g.dualMonitorActive }, observation: observation! };
};
