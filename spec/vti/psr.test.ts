import { describe, expect, test } from 'vitest';
import { PSR_FIELDS, PSR_L_MASK, PSR_MOV_FROM_MASK, PSR_VM_BIT } from './psr.js';

const mask = (names: readonly string[]): bigint => {
  let m = 0n;
  for (const name of names) {
    const f = PSR_FIELDS.find((x) => x.name === name);
    if (f === undefined) throw new Error(`no PSR field ${name}`);
    for (let b = f.bits[1]; b <= f.bits[0]; b++) m |= 1n << BigInt(b);
  }
  return m;
};

describe('PSR (shared/facts/vti-architecture.md §1)', () => {
  test('fields cover bits 0-63 exactly once, in ascending order', () => {
    const owner: string[] = [];
    let next = 0;
    for (const f of PSR_FIELDS) {
      const [hi, lo] = f.bits;
      expect(lo, f.name).toBe(next);
      expect(hi, f.name).toBeGreaterThanOrEqual(lo);
      for (let b = lo; b <= hi; b++) {
        expect(owner[b], `bit ${b}`).toBeUndefined();
        owner[b] = f.name;
      }
      next = hi + 1;
    }
    expect(next).toBe(64);
    expect(owner.filter((o) => o !== undefined)).toHaveLength(64);
  });

  test('every non-reserved name of the facts table, at its position', () => {
    const expected: Record<string, [number, number]> = {
      be: [1, 1], up: [2, 2], ac: [3, 3], mfl: [4, 4], mfh: [5, 5], ic: [13, 13], i: [14, 14], pk: [15, 15],
      dt: [17, 17], dfl: [18, 18], dfh: [19, 19], sp: [20, 20], pp: [21, 21], di: [22, 22], si: [23, 23],
      db: [24, 24], lp: [25, 25], tb: [26, 26], rt: [27, 27], cpl: [33, 32], is: [34, 34], mc: [35, 35],
      it: [36, 36], id: [37, 37], da: [38, 38], dd: [39, 39], ss: [40, 40], ri: [42, 41], ed: [43, 43],
      bn: [44, 44], ia: [45, 45], vm: [46, 46],
    };
    const named = PSR_FIELDS.filter((f) => !f.reserved);
    expect(Object.fromEntries(named.map((f) => [f.name, [...f.bits]]))).toEqual(expected);
    expect(PSR_FIELDS.filter((f) => f.reserved).every((f) => f.name === 'rv')).toBe(true);
    expect(named.every((f) => f.name !== 'rv')).toBe(true);
  });

  test('PSR.vm is bit 46', () => {
    expect(PSR_VM_BIT).toBe(46);
    expect(mask(['vm'])).toBe(1n << 46n);
  });

  test('the KVM reset IPSR 0x501008826000 is exactly it, dt, rt, i, ic, si, bn, vm', () => {
    expect(mask(['it', 'dt', 'rt', 'i', 'ic', 'si', 'bn', 'vm'])).toBe(0x5010_0882_6000n);
  });

  test('the PSR bits kept on guest interruption (mask 0x1808028034) are up, mfl, mfh, pk, dt, rt, mc, it', () => {
    expect(mask(['up', 'mfl', 'mfh', 'pk', 'dt', 'rt', 'mc', 'it'])).toBe(0x18_0802_8034n);
  });

  test('mov-from-psr reads {31:0} and {36:35} (mc, it); mov psr.l writes {31:0}', () => {
    const low = PSR_FIELDS.filter((f) => f.bits[0] <= 31);
    expect(low.at(-1)?.bits[0]).toBe(31);
    expect(PSR_L_MASK).toBe((1n << 32n) - 1n);
    expect(PSR_MOV_FROM_MASK).toBe(PSR_L_MASK | mask(['mc', 'it']));
  });
});
