import { describe, expect, test } from 'vitest';
import { EXIT_REASON_LAYOUT } from '../exit-reasons.js';
import { EXIT_REASON_FIELDS_2016, EXIT_REASON_FIELDS_LATER, decodeExitReasonField } from './exit-reason.js';

describe('exit-reason field (§24.9.1)', () => {
  test('the 2016 fields are EXIT_REASON_LAYOUT, unchanged', () => {
    expect(EXIT_REASON_FIELDS_2016.map((f) => [f.name, f.bits])).toEqual(
      Object.entries(EXIT_REASON_LAYOUT).map(([name, { bits }]) => [name, bits]));
  });

  test('all fields are disjoint within 32 bits', () => {
    const used = new Set<number>();
    for (const { name, bits: [hi, lo] } of [...EXIT_REASON_FIELDS_2016, ...EXIT_REASON_FIELDS_LATER]) {
      expect(hi < 32 && lo <= hi, name).toBe(true);
      for (let b = lo; b <= hi; b++) {
        expect(used.has(b), `${name} bit ${b}`).toBe(false);
        used.add(b);
      }
    }
  });

  test('decodes the later bits next to the 2016 ones', () => {
    const d = decodeExitReasonField(0x0400_001e);
    expect(d.basic).toBe(30);
    expect(d.busLockDetected).toBe(true);
    expect(d.shadowStackBusy).toBe(false);
    expect(decodeExitReasonField(0x8200_0021)).toMatchObject({ basic: 33, entryFailure: true, shadowStackBusy: true, busLockDetected: false });
  });
});
