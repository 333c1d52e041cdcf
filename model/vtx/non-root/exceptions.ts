/**
 * STUB (owner: events engineer). Raising an exception or software interrupt in the guest: the
 * exception bitmap and page-fault error-code mask/match decide between a VM exit (reason 0, §25.2)
 * and delivery through the guest IDT (Vol. 3A §6.12–6.15), including #DF on a fault during
 * delivery, the triple-fault exit (reason 2), and IDT-vectoring information for exits during
 * delivery (§27.2.3).
 */
import type { Decision, EventType } from '../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import type { NonRootResult } from './result.js';

export interface RaisedEvent {
  readonly vector: number;
  readonly type: EventType;
  readonly errorCode: number | null;
  /** For #PF: the faulting linear address (CR2 on delivery; the exit qualification on a VM exit). */
  readonly pageFaultAddress?: bigint;
  /**
   * For software interrupts and software/privileged-software exceptions: the instruction's length
   * (the pushed RIP is state.cpu.rip + length; a VM exit reports it as the instruction length).
   */
  readonly instructionLength?: number;
}

/**
 * `state.cpu.rip` is the RIP of the instruction that raised the event (faults: the RIP that is
 * pushed or saved). `decisions` are those made so far; the result appends its own.
 */
export const raiseEvent = (_caps: Capabilities, state: VtxState, ev: RaisedEvent, decisions: readonly Decision[]): NonRootResult =>
  ({ observation: { kind: 'delivered', vector: ev.vector, type: ev.type, errorCode: ev.errorCode }, state, decisions });
