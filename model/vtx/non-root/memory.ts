/**
 * Guest memory accesses in VMX non-root operation, for the instructions of ../execute.ts: the linear
 * address of an operand, and naturally aligned reads and writes through guest paging (./paging/,
 * PAGING.*) and EPT (./ept/, EPT.*, EXIT.EPT.*). A failed access ends the step: a #PF or #GP(0)
 * raised through ./exceptions.ts (which the exception bitmap may turn into a VM exit), or an
 * EPT-induced VM exit, fault-like (the instruction's RIP is saved, nothing of it is done). Writes
 * return memory that shares the unwritten words with the input's (./memory-overlay.ts).
 */
import type { AccessSize, MemOperand } from '../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { vmExit } from '../vm-exit/index.js';
import { raiseEvent } from './exceptions.js';
import { ia32eMode, translateAccess } from './paging/access.js';
import { overlayUpdates, overlayWrite } from './memory-overlay.js';
import { readPhysical, type FlagUpdate } from './paging/physical.js';
import type { AccessFailure } from './paging/types.js';
import type { NonRootResult } from './result.js';

export type { AccessKind } from './paging/types.js';

/**
 * Either the access worked — `value` is what was read (for writes: the new state) and `state` the
 * state after the access, with the accessed/dirty flags the walk set (PAGING.ACCESSED, EPT.ACCESSED)
 * — or it ended the step (a #PF or #GP delivered or exiting, an EPT exit).
 */
export type Access<T> =
  | { readonly ok: true; readonly value: T; readonly state: VtxState }
  | { readonly ok: false; readonly result: NonRootResult };

export interface AccessOptions {
  /** The access is IRET's and that IRET removed (virtual-)NMI blocking: EPT-violation qualification bit 12 (§27.2.1). */
  readonly nmiUnblockingByIret?: boolean;
  /** A stack access through SS (pushes, pops, IRET's frame): non-canonical is #SS(0). */
  readonly stack?: boolean;
  /** A supervisor-mode access whatever the CPL (the processor's own GDT/IDT/TSS accesses, Vol. 3A §4.6). */
  readonly implicitSupervisor?: boolean;
}

/**
 * Segment base + GPR[base] + displacement, truncated to the address size. In 64-bit mode the bases of
 * CS, DS, ES and SS are treated as 0 (Vol. 3A §3.4.4); outside it addresses are 32 bits.
 */
export const linearAddress = (state: VtxState, mem: MemOperand): bigint => {
  const name = mem.segment ?? 'ds';
  const longMode = ia32eMode(state) && state.cpu.csL;
  const base = longMode && name !== 'fs' && name !== 'gs' ? 0n : state.cpu.segments[name].base;
  // Register 4 is RSP, which the state keeps as cpu.rsp (gpr[4] is not used, spec/vtx/state.ts).
  const sum = base + (mem.base === 4 ? state.cpu.rsp : state.cpu.gpr[mem.base] ?? 0n) + mem.disp;
  return longMode ? BigInt.asUintN(64, sum) : sum & 0xffff_ffffn;
};

/** The step's end when an access fails: the exception through the guest IDT or the bitmap, or the VM exit. */
/** `nmiUnblockingByIret`: the access is one of IRET's pops, so a fault it takes reports bit 12 (§27.2.2). */
export const failedAccess = (caps: Capabilities, state: VtxState, failure: AccessFailure, nmiUnblockingByIret = false): NonRootResult =>
  failure.kind === 'exit'
    ? vmExit(caps, state, failure.info, failure.decisions)
    : raiseEvent(caps, state, {
      vector: failure.vector, type: 'hardware-exception', errorCode: failure.errorCode,
      ...(failure.pageFaultAddress === undefined ? {} : { pageFaultAddress: failure.pageFaultAddress }),
      ...(nmiUnblockingByIret ? { nmiUnblockingDueToIret: true } : {}),
    }, failure.decisions);

/** The accessed/dirty flags that completed accesses set before a failure. */
const withFlags = (state: VtxState, updates: readonly FlagUpdate[] | undefined): VtxState =>
  updates === undefined || updates.length === 0 ? state : { ...state, memory: overlayUpdates(state.memory, updates) };

const walkContext = (state: VtxState, kind: 'read' | 'write', opts: AccessOptions) => ({
  kind,
  mode: { user: state.cpu.cpl === 3, implicit: opts.implicitSupervisor ?? false },
  nmiUnblocking: opts.nmiUnblockingByIret ?? false,
  ...(opts.stack === true ? { stack: true } : {}),
});

/** Reads `size` bytes at guest-linear `linear` (naturally aligned), zero-extended. */
export const readLinear = (
  caps: Capabilities, state: VtxState, linear: bigint, size: AccessSize, decisions: readonly Decision[], opts: AccessOptions = {},
): Access<bigint> => {
  const t = translateAccess(caps, state, linear, size, walkContext(state, 'read', opts), decisions);
  if (!t.ok) return { ok: false, result: failedAccess(caps, withFlags(state, t.updates), t.failure, opts.nmiUnblockingByIret ?? false) };
  const memory = overlayUpdates(state.memory, t.updates);
  return { ok: true, value: readPhysical(memory, t.pa, size), state: memory === state.memory ? state : { ...state, memory } };
};

/** Writes `size` bytes of `value` at guest-linear `linear`; `value` of the result is the new state. */
export const writeLinear = (
  caps: Capabilities, state: VtxState, linear: bigint, size: AccessSize, value: bigint, decisions: readonly Decision[], opts: AccessOptions = {},
): Access<VtxState> => {
  const t = translateAccess(caps, state, linear, size, walkContext(state, 'write', opts), decisions);
  if (!t.ok) return { ok: false, result: failedAccess(caps, withFlags(state, t.updates), t.failure, opts.nmiUnblockingByIret ?? false) };
  const next = { ...state, memory: overlayWrite(state.memory, t.updates, t.pa, size, value) };
  return { ok: true, value: next, state: next };
};

/**
 * Writes `n` bytes at `linear` as one store: every byte is translated first (its accessed/dirty
 * flags set in order), then the data is written — so a store that overlaps the guest's own paging
 * structures or EPT tables leaves the data, not a later flag update, in the overlapped bytes.
 */
export const writeLinearBytes = (
  caps: Capabilities, state: VtxState, linear: bigint, n: number, value: bigint, decisions: readonly Decision[],
): Access<VtxState> => {
  let s = state;
  const pas: bigint[] = [];
  for (let k = 0; k < n; k++) {
    const t = translateAccess(caps, s, linear + BigInt(k), 1, walkContext(s, 'write', {}), decisions);
    if (!t.ok) return { ok: false, result: failedAccess(caps, withFlags(s, t.updates), t.failure) };
    const memory = overlayUpdates(s.memory, t.updates);
    if (memory !== s.memory) s = { ...s, memory };
    pas.push(t.pa);
  }
  let memory = s.memory;
  pas.forEach((pa, k) => { memory = overlayWrite(memory, [], pa, 1, (value >> BigInt(8 * k)) & 0xffn); });
  const next = { ...s, memory };
  return { ok: true, value: next, state: next };
};
