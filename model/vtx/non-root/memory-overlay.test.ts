import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { FC_PARAMS } from '../../../conformance/vtx/properties/params.js';
import { overlayUpdates, overlayWrite } from './memory-overlay.js';
import { writeOwned, type FlagUpdate } from './paging/physical.js';

// The oracle: a full copy of the map, then the same writes.
const applyUpdates = (m: ReadonlyMap<bigint, bigint>, updates: readonly FlagUpdate[]): ReadonlyMap<bigint, bigint> => {
  const n = new Map(m);
  writeOwned(n, updates, 0n, 0, 0n);
  return n;
};
const writePhysical = (m: ReadonlyMap<bigint, bigint>, updates: readonly FlagUpdate[], pa: bigint, size: number, value: bigint): ReadonlyMap<bigint, bigint> => {
  const n = new Map(m);
  writeOwned(n, updates, pa, size, value);
  return n;
};

type Memory = ReadonlyMap<bigint, bigint>;
const entries = (m: Memory): [bigint, bigint][] => [...m];

/** A write: either accessed/dirty updates only, or updates and then data at an aligned address. */
type Op = { readonly updates: readonly FlagUpdate[]; readonly data?: { readonly pa: bigint; readonly size: 1 | 2 | 4 | 8; readonly value: bigint } };

// Words of the shared map, words written before, and new ones; enough of them that an overlay is flattened (over 64 written).
const wordArb = fc.integer({ min: 0, max: 100 }).map((i) => BigInt(i) * 8n);
const opArb: fc.Arbitrary<Op> = fc.record({
  updates: fc.array(fc.tuple(wordArb, fc.constantFrom(0x20n, 0x40n, 0x60n << 8n)), { maxLength: 3 }),
  data: fc.option(fc.record({
    size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
    slot: fc.integer({ min: 0, max: 7 }),
    word: wordArb,
    value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  }).map(({ size, slot, word, value }) => ({ pa: word + BigInt((slot * size) % 8), size, value })), { nil: undefined }),
}, { requiredKeys: ['updates'] });

const apply = (m: Memory, op: Op, full: boolean): Memory =>
  op.data === undefined
    ? (full ? applyUpdates : overlayUpdates)(m, op.updates)
    : (full ? writePhysical : overlayWrite)(m, op.updates, op.data.pa, op.data.size, op.data.value);

const base: Memory = new Map(Array.from({ length: 24 }, (_, i) => [BigInt(i) * 16n, BigInt(i) * 0x0101n] as const));

describe('copy-on-write memory of guest writes', () => {
  test.prop([fc.array(opArb, { maxLength: 150 })], FC_PARAMS(300))(
    'reads, size and iteration order equal a full copy after every write, and no earlier memory changes',
    (ops) => {
      let full: Memory = base;
      let cow: Memory = base;
      const seen: [Memory, [bigint, bigint][]][] = [[base, entries(base)]];
      for (const op of ops) {
        full = apply(full, op, true);
        cow = apply(cow, op, false);
        expect(cow instanceof Map).toBe(true);
        expect(cow.size).toBe(full.size);
        expect(entries(cow)).toEqual(entries(full));
        expect([...cow.keys()]).toEqual([...full.keys()]);
        expect(entries(new Map(cow))).toEqual(entries(full));
        for (const [k, v] of full) expect(cow.get(k)).toBe(v);
        expect(cow.get(0x1000n)).toBeUndefined();
        expect(cow.has(0x1000n)).toBe(false);
        seen.push([cow, entries(cow)]);
      }
      for (const [m, before] of seen) expect(entries(m)).toEqual(before);
    },
  );

  it('flattens an overlay into a plain map once many words were written, and stays equal to a full copy', () => {
    let full: Memory = base;
    let cow: Memory = base;
    let flattened = 0;
    for (let i = 0; i < 200; i++) {
      full = writePhysical(full, [], BigInt(i % 90) * 8n, 8, BigInt(i));
      cow = overlayWrite(cow, [], BigInt(i % 90) * 8n, 8, BigInt(i));
      if (Object.getPrototypeOf(cow) === Map.prototype) flattened++;
      expect(entries(cow)).toEqual(entries(full));
    }
    expect(flattened).toBeGreaterThan(0);
  });

  it('refuses to remove words (absent words read as 0; nothing deletes)', () => {
    const m = overlayWrite(base, [], 8n, 8, 1n) as Map<bigint, bigint>;
    expect(() => m.delete(8n)).toThrow(TypeError);
    expect(() => m.clear()).toThrow(TypeError);
  });

  it('returns the same memory when there is nothing to update', () => {
    expect(overlayUpdates(base, [])).toBe(base);
  });
});
