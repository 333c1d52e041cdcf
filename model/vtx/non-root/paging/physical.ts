/**
 * The sparse physical memory of spec/vtx/state.ts (64-bit words at 8-byte-aligned addresses) read and
 * written in naturally aligned pieces of 1, 2, 4 or 8 bytes, and the accessed/dirty updates a
 * translation collects. `writeOwned` writes into a map its caller owns; ../memory-overlay.ts builds
 * on it the writers that return a new memory (the input state is never mutated).
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

/**
 * The updates, then `size` bytes of `value` at `pa` (none for size 0), into a map the caller owns (a
 * scratch copy made for one step, never an input's): event delivery pushes a frame one item at a time
 * and copies memory once, not once per item.
 */
export const writeOwned = (owned: Map<bigint, bigint>, updates: readonly FlagUpdate[], pa: bigint, size: number, value: bigint): void => {
  for (const [word, bits] of updates) owned.set(word, (owned.get(word) ?? 0n) | bits);
  if (size === 0) return;
  const word = pa & ~7n;
  const shift = 8n * (pa & 7n);
  const m = maskOf(size) << shift;
  owned.set(word, ((owned.get(word) ?? 0n) & ~m) | ((value << shift) & m));
};
