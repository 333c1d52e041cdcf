/**
 * The sparse physical memory of spec/vtx/state.ts (64-bit words at 8-byte-aligned addresses) read and
 * written in naturally aligned pieces of 1, 2, 4 or 8 bytes, and the accessed/dirty updates a
 * translation collects. Writers return a new map: the input state is never mutated.
 */
import { readMemory64 } from '../../../../spec/vtx/state.js';

export type Memory = ReadonlyMap<bigint, bigint>;

/** Bits to OR into the 64-bit word at an 8-byte-aligned address (accessed/dirty flags only ever get set). */
export type FlagUpdate = readonly [word: bigint, bits: bigint];

const maskOf = (size: number): bigint => (size === 8 ? 0xffff_ffff_ffff_ffffn : (1n << BigInt(8 * size)) - 1n);

/** `size` bytes at `pa` (naturally aligned), zero-extended. */
export const readPhysical = (memory: Memory, pa: bigint, size: number): bigint =>
  (readMemory64(memory, pa) >> (8n * (pa & 7n))) & maskOf(size);

/** OR `bits` into the `size`-byte entry at `pa`, as a word-level update. */
export const flagUpdate = (pa: bigint, bits: bigint): FlagUpdate => [pa & ~7n, bits << (8n * (pa & 7n))];

export const applyUpdates = (memory: Memory, updates: readonly FlagUpdate[]): Memory => {
  if (updates.length === 0) return memory;
  const next = new Map(memory);
  for (const [word, bits] of updates) next.set(word, (next.get(word) ?? 0n) | bits);
  return next;
};

/**
 * The same writes into a map the caller owns (a scratch copy made for one step, never an input's):
 * event delivery pushes a frame one item at a time and copies memory once, not once per item.
 */
export const writeOwned = (owned: Map<bigint, bigint>, updates: readonly FlagUpdate[], pa: bigint, size: number, value: bigint): void => {
  for (const [word, bits] of updates) owned.set(word, (owned.get(word) ?? 0n) | bits);
  if (size === 0) return;
  const word = pa & ~7n;
  const shift = 8n * (pa & 7n);
  const m = maskOf(size) << shift;
  owned.set(word, ((owned.get(word) ?? 0n) & ~m) | ((value << shift) & m));
};

/** `memory` with the updates applied and then `size` bytes of `value` written at `pa`. */
export const writePhysical = (memory: Memory, updates: readonly FlagUpdate[], pa: bigint, size: number, value: bigint): Memory => {
  const next = new Map(memory);
  for (const [word, bits] of updates) next.set(word, (next.get(word) ?? 0n) | bits);
  const word = pa & ~7n;
  const shift = 8n * (pa & 7n);
  const m = maskOf(size) << shift;
  next.set(word, ((next.get(word) ?? 0n) & ~m) | ((value << shift) & m));
  return next;
};
