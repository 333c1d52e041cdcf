/**
 * What one step of VMX non-root operation can be observed to do: a VM exit with the information
 * the processor records (§27.2), a VMX abort (§27.7), or, without an exit, what the guest saw — its
 * instruction retired, an event delivered through its IDT, an event left pending, or nothing to do
 * in a halted activity state. The model, the reference CPU and `vtspec explain` report these.
 */

/**
 * The VM-exit information fields (§24.9, §27.2) as one record. `null` marks a field the SDM leaves
 * undefined for this exit (both implementations then leave the VMCS field unchanged, and any
 * reported value conforms).
 */
export interface ExitInformation {
  /** The full 32-bit exit reason: basic reason in 15:0, bit 31 for VM-entry failures (§24.9.1). */
  readonly reason: number;
  readonly qualification: bigint;
  readonly guestLinearAddress: bigint | null;
  readonly guestPhysicalAddress: bigint | null;
  /** VM-exit interruption information (§24.9.2); 0 when not valid (bit 31 clear). */
  readonly interruptionInfo: number;
  readonly interruptionErrorCode: number | null;
  /** IDT-vectoring information (§24.9.3, §27.2.3); 0 when the exit did not interrupt event delivery. */
  readonly idtVectoringInfo: number;
  readonly idtVectoringErrorCode: number | null;
  readonly instructionLength: number | null;
  readonly instructionInfo: number | null;
}

export const NO_EXIT_INFORMATION: Omit<ExitInformation, 'reason'> = {
  qualification: 0n, guestLinearAddress: null, guestPhysicalAddress: null, interruptionInfo: 0,
  interruptionErrorCode: null, idtVectoringInfo: 0, idtVectoringErrorCode: null, instructionLength: null, instructionInfo: null,
};

/** How an event reached the guest: the interruption types of §24.8.3 (Table 24-15). */
export type EventType =
  | 'external-interrupt' | 'nmi' | 'hardware-exception' | 'software-interrupt'
  | 'privileged-software-exception' | 'software-exception';

export type NonRootObservation =
  /** VMX transition to root operation: host state loaded (§27.5), exit information recorded. */
  | { readonly kind: 'vm-exit'; readonly exit: ExitInformation }
  /** §27.7: a problem while saving guest state or loading host MSRs; the processor shuts down. */
  | { readonly kind: 'vmx-abort'; readonly indicator: number }
  /** The instruction completed in the guest (including one whose behaviour VMX changed, §25.3). */
  | { readonly kind: 'retired' }
  /** An exception or interrupt was delivered through the guest IDT (Vol. 3A §6.12) without an exit. */
  | { readonly kind: 'delivered'; readonly vector: number; readonly type: EventType; readonly errorCode: number | null }
  /** The event arrived but is blocked; it stays pending. */
  | { readonly kind: 'pending' }
  /** The processor is in an inactive activity state and nothing woke it (§24.4.2). */
  | { readonly kind: 'inactive' };

/** Why the step went the way it did: one line per rule consulted, for `vtspec explain`. */
export interface Decision {
  /** A rule ID of spec/vtx/non-root (EXIT.*, CHANGED.*, PRIORITY.*) or of the exit/entry stages (VMEXIT.*, INJECT.*). */
  readonly rule: string;
  readonly section: string;
  /** What decided it: the control, bitmap bit or mask that was read, and its value. */
  readonly verdict: string;
}

const infoEqual = (a: ExitInformation, b: ExitInformation): boolean =>
  (Object.keys(a) as (keyof ExitInformation)[]).every((k) => a[k] === null || b[k] === null || a[k] === b[k]);

export const nonRootObservationEqual = (a: NonRootObservation, b: NonRootObservation): boolean => {
  switch (a.kind) {
    case 'vm-exit': return b.kind === 'vm-exit' && infoEqual(a.exit, b.exit);
    case 'vmx-abort': return b.kind === 'vmx-abort' && a.indicator === b.indicator;
    case 'delivered': return b.kind === 'delivered' && a.vector === b.vector && a.type === b.type && a.errorCode === b.errorCode;
    case 'retired': case 'pending': case 'inactive': return b.kind === a.kind;
  }
};

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export const describeNonRootObservation = (o: NonRootObservation): string => {
  switch (o.kind) {
    case 'vm-exit': {
      const e = o.exit;
      const parts = [`VM exit, reason ${e.reason & 0xffff}${(e.reason >>> 31) === 1 ? ' (VM-entry failure)' : ''}`, `qualification ${hex(e.qualification)}`];
      if (e.guestLinearAddress !== null) parts.push(`guest-linear ${hex(e.guestLinearAddress)}`);
      if (e.guestPhysicalAddress !== null) parts.push(`guest-physical ${hex(e.guestPhysicalAddress)}`);
      if ((e.interruptionInfo >>> 31) === 1) parts.push(`interruption info ${hex(e.interruptionInfo)}${e.interruptionErrorCode === null ? '' : ` error code ${hex(e.interruptionErrorCode)}`}`);
      if ((e.idtVectoringInfo >>> 31) === 1) parts.push(`IDT-vectoring info ${hex(e.idtVectoringInfo)}${e.idtVectoringErrorCode === null ? '' : ` error code ${hex(e.idtVectoringErrorCode)}`}`);
      if (e.instructionLength !== null) parts.push(`instruction length ${e.instructionLength}`);
      if (e.instructionInfo !== null) parts.push(`instruction info ${hex(e.instructionInfo)}`);
      return parts.join(', ');
    }
    case 'vmx-abort': return `VMX abort, indicator ${o.indicator}`;
    case 'retired': return 'instruction retired in the guest (no VM exit)';
    case 'delivered': return `delivered through the guest IDT: vector ${o.vector} (${o.type})${o.errorCode === null ? '' : `, error code ${hex(o.errorCode)}`}`;
    case 'pending': return 'event blocked; it stays pending';
    case 'inactive': return 'processor inactive (HLT, shutdown or wait-for-SIPI); nothing woke it';
  }
};
