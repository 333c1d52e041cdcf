import { describe, expect, test } from 'vitest';
import { EXIT_REASONS, EXIT_REASON_BY_NUMBER, EXIT_REASON_LAYOUT, UNUSED_EXIT_REASONS_2016, decodeExitReason } from './exit-reasons.js';

describe('exit reasons (App. C)', () => {
  test('every 2016 basic exit reason 0-64 except 35, 38, 42 is present, and nothing else below 65', () => {
    const numbers = EXIT_REASONS.filter((e) => e.since === '2016').map((e) => e.reason);
    const expected = Array.from({ length: 65 }, (_, i) => i).filter((i) => !(UNUSED_EXIT_REASONS_2016 as readonly number[]).includes(i));
    expect(numbers).toEqual(expected);
  });

  test('the post-2016 reasons of the notes (65-81, without 71) are present and marked', () => {
    const later = EXIT_REASONS.filter((e) => e.since === 'post-2016').map((e) => e.reason);
    expect(later).toEqual([65, 66, 67, 68, 69, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81]);
  });

  test('reasons are unique and every entry is filled in', () => {
    expect(new Set(EXIT_REASONS.map((e) => e.reason)).size).toBe(EXIT_REASONS.length);
    for (const e of EXIT_REASONS) {
      expect(e.name.length, `reason ${e.reason}`).toBeGreaterThan(0);
      expect(e.governedBy.length, `reason ${e.reason}`).toBeGreaterThan(0);
      expect(e.section, `reason ${e.reason}`).toMatch(/^(\d+(\.\d+)*|App\. C \(post-2016\))$/);
    }
  });

  test('SDM names of a few reasons', () => {
    expect(EXIT_REASON_BY_NUMBER.get(33)?.name).toBe('VM-entry failure due to invalid guest state');
    expect(EXIT_REASON_BY_NUMBER.get(34)?.name).toBe('VM-entry failure due to MSR loading');
    expect(EXIT_REASON_BY_NUMBER.get(48)?.name).toBe('EPT violation');
    expect(EXIT_REASON_BY_NUMBER.get(64)?.name).toBe('XRSTORS');
  });

  test('exit-reason field layout: named ranges do not overlap and sit where §24.9.1 puts them', () => {
    expect(EXIT_REASON_LAYOUT.basic.bits).toEqual([15, 0]);
    expect(EXIT_REASON_LAYOUT.enclaveMode.bits).toEqual([27, 27]);
    expect(EXIT_REASON_LAYOUT.pendingMtf.bits).toEqual([28, 28]);
    expect(EXIT_REASON_LAYOUT.fromVmxRoot.bits).toEqual([29, 29]);
    expect(EXIT_REASON_LAYOUT.entryFailure.bits).toEqual([31, 31]);
    const used = new Set<number>();
    for (const { bits: [hi, lo] } of Object.values(EXIT_REASON_LAYOUT)) {
      for (let b = lo; b <= hi; b++) {
        expect(used.has(b), `bit ${b}`).toBe(false);
        used.add(b);
      }
    }
  });

  test('decodeExitReason splits the field', () => {
    expect(decodeExitReason(0x8000_0021)).toEqual({ basic: 33, enclaveMode: false, pendingMtf: false, fromVmxRoot: false, entryFailure: true });
    expect(decodeExitReason(0x3800_0006)).toEqual({ basic: 6, enclaveMode: true, pendingMtf: true, fromVmxRoot: true, entryFailure: false });
  });
});
