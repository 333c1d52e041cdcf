// §26.3.1.2: the coupling of the G bit with the segment limit (GUEST.SEG.*.G.LO / G.HI).
import { describe, expect, it } from 'vitest';
import { granularityHighOk, granularityLowOk } from './guest-segments.js';

const G = 0x8000;
const bothOk = (limit: number, ar: number): [boolean, boolean] => [granularityLowOk(limit, ar), granularityHighOk(limit, ar)];

describe('G bit and limit', () => {
  it('a flat 4-GByte limit needs G = 1', () => {
    expect(bothOk(0xffff_ffff, G)).toEqual([true, true]);
    expect(bothOk(0xffff_ffff, 0)).toEqual([true, false]);
  });

  it('a limit of at most 20 bits ending in FFFH allows either G', () => {
    expect(bothOk(0x000f_ffff, 0)).toEqual([true, true]);
    expect(bothOk(0x000f_ffff, G)).toEqual([true, true]);
  });

  it('a limit with a 0 among bits 11:0 needs G = 0', () => {
    expect(bothOk(0x67, 0)).toEqual([true, true]);
    expect(bothOk(0x67, G)).toEqual([false, true]);
    expect(bothOk(0xffe, G)).toEqual([false, true]);
    expect(bothOk(0x7ff, G)).toEqual([false, true]);
  });

  it('a limit with a 1 among bits 31:20 needs G = 1, whatever bits 11:0 are', () => {
    expect(bothOk(0x0010_0fff, 0)).toEqual([true, false]);
    expect(bothOk(0x8000_0fff, 0)).toEqual([true, false]);
    expect(bothOk(0x0010_0000, 0)).toEqual([true, false]);
    // Both rules fail: no G setting can express this limit.
    expect(bothOk(0xffff_f000, G)).toEqual([false, true]);
    expect(bothOk(0xffff_f000, 0)).toEqual([true, false]);
  });

  it('ignores every access-rights bit but G', () => {
    expect(bothOk(0xffff_ffff, 0xffff_ffff & ~G)).toEqual([true, false]);
    expect(bothOk(0x67, 0x1_7fff | G)).toEqual([false, true]);
  });
});
