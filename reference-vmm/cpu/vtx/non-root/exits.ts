/**
 * Turning a decision to exit into a VM exit: the IDT-vectoring information of an exit that
 * interrupted event delivery (§27.2.3), the instruction length such an exit reports when the
 * event was a software one (§27.2.4), then the exit itself (../vm-exit).
 */
import type { ExitInformation, NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import { performVmExit, type ExitCause } from '../vm-exit/index.js';
import { isSoftware, StepDone, TYPE_NUMBER, type DeliveredEvent, type Guest } from './guest.js';

/**
 * Interruption-information encoding (§24.8.3, §24.9.2): vector, type, error-code valid, valid — of the
 * VM-exit interruption information and of the IDT-vectoring information (VMEXIT.INFO.INTERRUPTION,
 * VMEXIT.INFO.IDT_VECTORING).
 */
export const eventInfo = (e: DeliveredEvent): number =>
  (e.vector | (TYPE_NUMBER[e.type] << 8) | (e.errorCode === null ? 0 : 1 << 11) | 0x8000_0000) >>> 0;

/** Performs the VM exit with `info` and returns the observation. */
export const exitWith = (g: Guest, info: ExitInformation, cause: ExitCause = {}): NonRootObservation =>
  performVmExit(g.m, g.caps, info, cause);

/**
 * A VM exit that may have interrupted the delivery of `g.delivering` (a task gate, an EPT violation or
 * misconfiguration): that event, injected by VM entry or not, becomes the IDT-vectoring information and
 * error code, and a software event's instruction length is reported (§27.2.3; EVENT.VECTORING,
 * VMEXIT.INFO.IDT_VECTORING, INJECT.NESTED).
 */
export const exitDuringDelivery = (g: Guest, info: ExitInformation, cause: ExitCause = {}): NonRootObservation => {
  const d = g.delivering;
  if (d === null) return exitWith(g, info, cause);
  return exitWith(g, {
    ...info,
    idtVectoringInfo: eventInfo(d),
    idtVectoringErrorCode: d.errorCode,
    instructionLength: isSoftware(d.type) && d.length !== undefined ? d.length : info.instructionLength,
  }, cause);
};

/** Throws the end of the step after a VM exit with `info`. */
export const exitNow = (g: Guest, info: ExitInformation, cause: ExitCause = {}): never => {
  throw new StepDone(exitWith(g, info, cause));
};
