/**
 * How an instruction of the reference CPU ends (SDM §30.2 conventions): the observation, plus the
 * catalog ID of the VM-entry rule that failed when one did.
 */
import type { FaultVector, Observation } from '../../../spec/vtx/observation.js';
import type { Machine } from './machine.js';
import type { NonRootObservation } from '../../../spec/vtx/non-root/observation.js';

export interface StepResult {
  readonly observation: Observation;
  readonly failedRule?: string;
  /**
   * After a successful VM entry that injected an event (§26.5): what the injection did — delivered
   * through the guest IDT, or a VM exit (the observation stays 'vm-entry' with the loaded state).
   */
  readonly injection?: NonRootObservation;
}

export const fault = (vector: FaultVector, failedRule?: string): StepResult =>
  failedRule === undefined ? { observation: { kind: 'fault', vector } } : { observation: { kind: 'fault', vector }, failedRule };

export const succeed = (value?: bigint): StepResult =>
  ({ observation: value === undefined ? { kind: 'VMsucceed' } : { kind: 'VMsucceed', value } });

export const failInvalid = (failedRule?: string): StepResult =>
  failedRule === undefined ? { observation: { kind: 'VMfailInvalid' } } : { observation: { kind: 'VMfailInvalid' }, failedRule };

/**
 * VMfail(n) (§30.2): VMfailValid(n) — the error number stored in the VM-instruction error field of the
 * current VMCS — when there is a current VMCS, VMfailInvalid otherwise.
 */
export const vmfail = (m: Machine, error: number, failedRule?: string): StepResult => {
  const current = m.current();
  if (current === null) return failInvalid(failedRule);
  current.set('VM_INSTRUCTION_ERROR', BigInt(error));
  const observation: Observation = { kind: 'VMfailValid', error };
  return failedRule === undefined ? { observation } : { observation, failedRule };
};

/**
 * A VM exit caused by a VMX instruction executed in VMX non-root operation (§25.1.2). The reference
 * CPU records the exit reason (and qualification 0: its abstract instructions have no memory-operand
 * displacement) in the current VMCS, clears the valid bit of the VM-entry interruption-information
 * field as every VM exit does (VMEXIT.INFO.ENTRY_INTR_CLEARED), and returns to VMX root operation.
 * Saving guest state and loading host state are not modelled (the registers keep their values).
 */
export const nonRootExit = (m: Machine, reason: number, failedRule?: string): StepResult => {
  const current = m.current();
  if (current !== null) {
    current.set('VM_EXIT_REASON', BigInt(reason));
    current.set('EXIT_QUALIFICATION', 0n);
    current.set('VM_ENTRY_INTR_INFO_FIELD', current.get('VM_ENTRY_INTR_INFO_FIELD') & 0x7fff_ffffn);
  }
  m.vmx = 'root';
  const observation: Observation = { kind: 'vm-exit', reason, qualification: 0n };
  return failedRule === undefined ? { observation } : { observation, failedRule };
};
