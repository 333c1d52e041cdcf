/**
 * STUB (owner: events engineer). Guest memory accesses: linear addresses (segment base + register +
 * displacement), guest paging (4-level IA-32e and 32-bit paging; #PF with its error code), EPT
 * (§28.2: the 4-level walk, permissions, EPT violation and misconfiguration exits with their
 * qualification and addresses, accessed/dirty flags when EPTP[6] = 1) and the sparse physical memory.
 */
import type { AccessSize, MemOperand } from '../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../spec/vtx/non-root/observation.js';
import { readMemory64, type VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import type { NonRootResult } from './result.js';

export type AccessKind = 'read' | 'write' | 'fetch';

/** Either the access worked, or it ended the step (a #PF delivered or exiting, an EPT exit). */
export type Access<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly result: NonRootResult };

export const linearAddress = (state: VtxState, mem: MemOperand): bigint => {
  const seg = state.cpu.segments[mem.segment ?? 'ds'];
  return (seg.base + (state.cpu.gpr[mem.base] ?? 0n) + mem.disp) & 0xffff_ffff_ffff_ffffn;
};

/** Reads `size` bytes at guest-linear `linear` (naturally aligned), zero-extended. */
export const readLinear = (_caps: Capabilities, state: VtxState, linear: bigint, _size: AccessSize, _decisions: readonly Decision[]): Access<bigint> =>
  ({ ok: true, value: readMemory64(state.memory, linear) });

/** Writes `size` bytes at guest-linear `linear`; returns the new state. */
export const writeLinear = (_caps: Capabilities, state: VtxState, _linear: bigint, _size: AccessSize, _value: bigint, _decisions: readonly Decision[]): Access<VtxState> =>
  ({ ok: true, value: state });
