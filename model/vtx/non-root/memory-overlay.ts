/**
 * Copy-on-write physical memory for guest writes. The model is pure, so a guest store returns a new
 * memory rather than changing the old one; copying the whole sparse map (hundreds of words: page
 * tables, GDT, IDT, bitmaps) for every store made a store cost about three times an ordinary
 * instruction. An overlay instead keeps the words written since the last full copy and shares the
 * rest with the map it was made from, which nobody mutates (the states it belongs to are values).
 *
 * The overlay is a Map (callers check `instanceof Map`, copy it with `new Map(m)` and spread it) that
 * reads, iterates and counts exactly like the full copy would: the shared map's words in their order,
 * each replaced by its newer value, then the words that are new, in the order they were written.
 * Removing words is never needed (absent reads as 0) and is refused. What reads a Map's internal
 * storage directly (structuredClone, Map.prototype.get.call) sees only the written words: copy with
 * `new Map(m)` first.
 */
import { writeOwned, type FlagUpdate } from './paging/physical.js';

type Memory = ReadonlyMap<bigint, bigint>;

/** Above this many written words an overlay is flattened into a plain map, so that copying it stays cheap. */
const MAX_WRITTEN = 64;

class MemoryOverlay extends Map<bigint, bigint> {
  #shared: Memory;
  #added = 0;

  /** The map's own entries (inherited storage) are the written words; `shared` must never change. */
  constructor(shared: Memory, written?: Iterable<readonly [bigint, bigint]>) {
    super();
    this.#shared = shared;
    if (written !== undefined) for (const [k, v] of written) this.set(k, v);
  }

  get shared(): Memory { return this.#shared; }

  /** The written words, for the next overlay to copy. */
  written(): IterableIterator<[bigint, bigint]> { return super.entries(); }

  get writtenCount(): number { return super.size; }

  override get(k: bigint): bigint | undefined {
    const v = super.get(k);
    return v !== undefined ? v : this.#shared.get(k);
  }

  override has(k: bigint): boolean { return super.has(k) || this.#shared.has(k); }

  override set(k: bigint, v: bigint): this {
    if (!super.has(k) && !this.#shared.has(k)) this.#added++;
    return super.set(k, v);
  }

  override get size(): number { return this.#shared.size + this.#added; }

  override delete(): boolean { throw new TypeError('guest physical memory: words are never removed'); }

  override clear(): void { throw new TypeError('guest physical memory: words are never removed'); }

  override *entries(): MapIterator<[bigint, bigint]> {
    for (const [k, v] of this.#shared) {
      const w = super.get(k);
      yield [k, w !== undefined ? w : v];
    }
    for (const e of super.entries()) if (!this.#shared.has(e[0])) yield e;
  }

  override [Symbol.iterator](): MapIterator<[bigint, bigint]> { return this.entries(); }

  override *keys(): MapIterator<bigint> { for (const [k] of this.entries()) yield k; }

  override *values(): MapIterator<bigint> { for (const [, v] of this.entries()) yield v; }

  override forEach(f: (value: bigint, key: bigint, map: Map<bigint, bigint>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) f.call(thisArg, v, k, this);
  }
}

/**
 * A private, writable successor of `memory`: an overlay sharing `memory`'s words (or, when `memory`
 * is itself an overlay, the map under it). The caller writes it and then hands it out as a value.
 */
const successor = (memory: Memory): Map<bigint, bigint> => {
  if (!(memory instanceof MemoryOverlay)) return new MemoryOverlay(memory);
  if (memory.writtenCount >= MAX_WRITTEN) return new Map(memory);
  return new MemoryOverlay(memory.shared, memory.written());
};

/** `memory` with accessed/dirty bits ORed in (paging/physical.ts `writeOwned`, into a successor). */
export const overlayUpdates = (memory: Memory, updates: readonly FlagUpdate[]): Memory => {
  if (updates.length === 0) return memory;
  const next = successor(memory);
  writeOwned(next, updates, 0n, 0, 0n);
  return next;
};

/** `memory` with the updates applied and then `size` bytes of `value` written at `pa`. */
export const overlayWrite = (memory: Memory, updates: readonly FlagUpdate[], pa: bigint, size: number, value: bigint): Memory => {
  const next = successor(memory);
  writeOwned(next, updates, pa, size, value);
  return next;
};
