/**
 * What a guest memory access is, and how it can fail, shared by guest paging (./walk.ts), EPT
 * (../ept/walk.ts), the public accessors (../memory.ts) and event delivery (../events/).
 */
import type { Decision, ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import type { FlagUpdate } from './physical.js';

export type AccessKind = 'read' | 'write' | 'fetch';

/**
 * Who makes the access (Vol. 3A §4.6): `user` for CPL 3; `implicit` for the processor's own accesses
 * to the GDT, IDT and TSS, which are supervisor-mode whatever the CPL.
 */
export interface AccessMode {
  readonly user: boolean;
  readonly implicit: boolean;
}

/** A memory access that did not complete: an exception to raise, or an EPT-induced VM exit. */
export type AccessFailure =
  | {
    readonly kind: 'exception';
    readonly vector: number;
    readonly errorCode: number;
    /** For #PF: the linear address (CR2 on delivery, the exit qualification on a VM exit). */
    readonly pageFaultAddress?: bigint;
    readonly decisions: readonly Decision[];
  }
  | { readonly kind: 'exit'; readonly info: ExitInformation; readonly decisions: readonly Decision[] };

/**
 * A completed translation: the (host-)physical address and the accessed/dirty flags to set on the
 * way. A failed one still carries the flags of the guest-physical accesses that completed before the
 * failure (EPT accessed/dirty flags of guest paging-structure reads, §28.2.4): they stay set.
 */
export type Translation =
  | { readonly ok: true; readonly pa: bigint; readonly updates: readonly FlagUpdate[] }
  | { readonly ok: false; readonly failure: AccessFailure; readonly updates?: readonly FlagUpdate[] };
