/**
 * One attempt at delivering an event through the guest IDT, and the memory accesses it makes. An
 * attempt ends delivered, with a nested exception (handled by ./nested.ts: serially, as #DF, as a
 * triple fault, or as a VM exit by the exception bitmap), or with a VM exit of its own (EPT, task
 * switch). Accesses the attempt made before it failed stay in memory, as on a processor that writes
 * its stack frame one push at a time (§27.1: "partial stack writes may exist").
 *
 * Delivery works on a scratch copy of memory made once by ./nested.ts (`ownMemory`): the accesses here
 * write into `state.memory` in place, which is only ever that copy, never an input's map.
 */
import type { Decision, EventType, ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { translateAccess } from '../paging/access.js';
import { readPhysical, writeOwned } from '../paging/physical.js';
import type { AccessMode } from '../paging/types.js';

/** The event being delivered. */
export interface Delivering {
  readonly vector: number;
  readonly type: EventType;
  readonly errorCode: number | null;
  /** #PF: the linear address for CR2 (EVENT.DELIVERY.CR2). */
  readonly pageFaultAddress?: bigint;
  /** #DB: the DR6 conditions (B0–B3 bits 3:0, BD 13, BS 14) (EVENT.DELIVERY.DR6). */
  readonly dr6Bits?: bigint;
  /** Software interrupts and exceptions: the length added to RIP for the pushed return address. */
  readonly instructionLength?: number;
  /** Injected by VM entry (§26.5): no CR2/DR6 effects, no RF adjustment (INJECT.SIDEEFFECTS). */
  readonly injected?: boolean;
}

/** An exception raised while delivering (the "second" exception of Vol. 3A Table 6-5). */
export interface NestedFault {
  readonly vector: number;
  readonly errorCode: number | null;
  readonly pageFaultAddress?: bigint;
}

/**
 * How the stack frame is written (§27.1: "partial stack writes may exist" when delivery fails part
 * way): 'atomic' translates every slot first and writes only if all succeed (canonical); 'partial'
 * writes each item as it goes.
 */
export type FrameStyle = 'atomic' | 'partial';

/** `midFrame`: the attempt failed on a stack slot after the first, so the frame styles differ. */
export type Attempt =
  | { readonly kind: 'delivered'; readonly state: VtxState; readonly decisions: readonly Decision[] }
  | { readonly kind: 'fault'; readonly state: VtxState; readonly fault: NestedFault; readonly decisions: readonly Decision[]; readonly midFrame?: boolean }
  | { readonly kind: 'exit'; readonly state: VtxState; readonly info: ExitInformation; readonly decisions: readonly Decision[]; readonly midFrame?: boolean };

/** A value read with the state after the read, or the attempt's end. */
export type Got<T> = { readonly ok: true; readonly value: T; readonly state: VtxState } | { readonly ok: false; readonly end: Attempt };

export const fault = (state: VtxState, vector: number, errorCode: number | null, decisions: readonly Decision[]): { readonly ok: false; readonly end: Attempt } =>
  ({ ok: false, end: { kind: 'fault', state, fault: { vector, errorCode }, decisions } });

/** Where the access ended if it did not complete. */
export const ended = (state: VtxState, t: Extract<ReturnType<typeof translateAccess>, { ok: false }>): { readonly ok: false; readonly end: Attempt } => {
  const f = t.failure;
  if (f.kind === 'exit') return { ok: false, end: { kind: 'exit', state, info: f.info, decisions: f.decisions } };
  const nested: NestedFault = f.pageFaultAddress === undefined
    ? { vector: f.vector, errorCode: f.errorCode }
    : { vector: f.vector, errorCode: f.errorCode, pageFaultAddress: f.pageFaultAddress };
  return { ok: false, end: { kind: 'fault', state, fault: nested, decisions: f.decisions } };
};

/** Naturally aligned pieces covering [linear, linear + size): one piece when aligned, bytes otherwise. */
export const pieces = (linear: bigint, size: number): readonly (readonly [bigint, number])[] =>
  linear % BigInt(size) === 0n ? [[linear, size]] : Array.from({ length: size }, (_, i) => [linear + BigInt(i), 1] as const);

/** `s` with a private copy of memory that delivery may write in place. */
export const ownMemory = (s: VtxState): VtxState => ({ ...s, memory: new Map(s.memory) });

export const owned = (s: VtxState): Map<bigint, bigint> => s.memory as Map<bigint, bigint>;

/** Reads `size` bytes the way delivery does: any alignment, through paging and EPT. */
export const readAt = (caps: Capabilities, s: VtxState, linear: bigint, size: number, mode: AccessMode, decisions: readonly Decision[]): Got<bigint> => {
  let value = 0n;
  for (const [at, n] of pieces(linear, size)) {
    const t = translateAccess(caps, s, at, n, { kind: 'read', mode, nmiUnblocking: false }, decisions);
    writeOwned(owned(s), t.updates ?? [], 0n, 0, 0n);
    if (!t.ok) return ended(s, t);
    value |= readPhysical(s.memory, t.pa, n) << (8n * (at - linear));
  }
  return { ok: true, value, state: s };
};

export const writeAt = (caps: Capabilities, s: VtxState, linear: bigint, size: number, value: bigint, mode: AccessMode, decisions: readonly Decision[]): Got<null> => {
  for (const [at, n] of pieces(linear, size)) {
    const t = translateAccess(caps, s, at, n, { kind: 'write', mode, nmiUnblocking: false }, decisions);
    if (!t.ok) {
      writeOwned(owned(s), t.updates ?? [], 0n, 0, 0n);
      return ended(s, t);
    }
    writeOwned(owned(s), t.updates, t.pa, n, value >> (8n * (at - linear)));
  }
  return { ok: true, value: null, state: s };
};

/** The processor's own accesses to the IDT, GDT/LDT and TSS (Vol. 3A §4.6: supervisor-mode whatever the CPL). */
export const SYSTEM: AccessMode = { user: false, implicit: true };
