import { describe, expect, test } from 'vitest';
import { IO_BITMAP_LAYOUT } from './io.js';
import { MSR_BITMAP_LAYOUT } from './msr.js';

describe('bitmap layouts (§24.6.4, §24.6.9, §25.1.3)', () => {
  test('the MSR-bitmap page is four adjacent 1-KByte regions filling 4 KBytes, one bit per MSR of its range', () => {
    const regions = Object.values(MSR_BITMAP_LAYOUT).sort((a, b) => a.offset - b.offset);
    expect(regions.map((r) => r.offset)).toEqual([0, 1024, 2048, 3072]);
    for (const r of regions) {
      expect(r.bytes).toBe(1024);
      expect(r.lastMsr - r.firstMsr + 1).toBe(r.bytes * 8);
    }
    expect(MSR_BITMAP_LAYOUT.readLow.firstMsr).toBe(MSR_BITMAP_LAYOUT.writeLow.firstMsr);
    expect(MSR_BITMAP_LAYOUT.readHigh.firstMsr).toBe(0xc000_0000);
    expect(MSR_BITMAP_LAYOUT.writeHigh.lastMsr).toBe(0xc000_1fff);
  });

  test('I/O bitmaps A and B cover ports 0000H-FFFFH exactly once, one bit per port', () => {
    const { IO_BITMAP_A: a, IO_BITMAP_B: b } = IO_BITMAP_LAYOUT;
    expect(a.firstPort).toBe(0);
    expect(b.firstPort).toBe(a.lastPort + 1);
    expect(b.lastPort).toBe(0xffff);
    for (const m of [a, b]) expect(m.lastPort - m.firstPort + 1).toBe(m.bytes * 8);
  });
});
