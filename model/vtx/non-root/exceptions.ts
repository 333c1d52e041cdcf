/**
 * Raising an exception or software interrupt in the guest (§25.2; Vol. 3A §6.12–6.15): the exception
 * bitmap and the page-fault error-code mask/match decide between a VM exit (reason 0, fault-like:
 * nothing of the exception happens, §27.1) and delivery through the guest IDT (./events/nested.ts,
 * with #DF, triple fault and IDT-vectoring information for exits during delivery).
 * Rules: EXIT.EXCEPTION.BITMAP, EXIT.EXCEPTION.PF (and those of ./events/nested.ts).
 */
import type { Decision, EventType } from '../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { vmExit } from '../vm-exit/index.js';
import { exceptionExits } from './events/bitmap.js';
import { realMode } from './events/deliver.js';
import { withPushedRf } from './events/frame.js';
import { isException } from './events/info.js';
import { deliverEvent, exceptionExitInformation } from './events/nested.js';
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
  /** For #DB: its conditions in DR6 layout (B0–B3 bits 3:0, BD 13, BS 14): DR6 on delivery, the exit qualification on a VM exit. */
  readonly dr6Bits?: bigint;
  /**
   * The fault is IRET's and that IRET removed (virtual-)NMI blocking: bit 12 of the VM-exit
   * interruption information (§27.2.2). The caller has already cleared the blocking (§27.1).
   */
  readonly nmiUnblockingDueToIret?: boolean;
}

/**
 * `state.cpu.rip` is the RIP of the instruction that raised the event (faults: the RIP that is
 * pushed or saved). `decisions` are those made so far; the result appends its own.
 */
export const raiseEvent = (caps: Capabilities, state: VtxState, ev: RaisedEvent, decisions: readonly Decision[]): NonRootResult => {
  // Real-address mode never delivers or reports an error code (§27.2.2).
  const event = realMode(state) && ev.errorCode !== null ? { ...ev, errorCode: null } : ev;
  if (!isException(event.type)) return deliverEvent(caps, state, event, decisions);
  const verdict = exceptionExits(state, event.vector, event.errorCode);
  if (verdict.exits) {
    const bit12 = (event.nmiUnblockingDueToIret ?? false) && event.vector !== 8;
    // Nothing of the exception happens (§27.1), but RF is saved as its delivery would push it (§27.3.3).
    return vmExit(caps, withPushedRf(state, event), exceptionExitInformation(state, event, {}, bit12), [...decisions, verdict.decision]);
  }
  return deliverEvent(caps, state, event, [...decisions, verdict.decision]);
};
