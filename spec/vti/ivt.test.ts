import { describe, expect, test } from 'vitest';
import { IVT_SIZE, IVT_VECTORS, VIRTUAL_EXTERNAL_INTERRUPT_OFFSET, VIRTUALIZATION_OFFSET } from './ivt.js';

describe('IVT (shared/facts/vti-architecture.md §3)', () => {
  test('68 entries, numbered in order, offsets strictly increasing and filling 32 KiB', () => {
    expect(IVT_VECTORS).toHaveLength(68);
    IVT_VECTORS.forEach((v, i) => expect(v.entry).toBe(i));
    for (let i = 1; i < IVT_VECTORS.length; i++) {
      const prev = IVT_VECTORS[i - 1]!;
      const cur = IVT_VECTORS[i]!;
      expect(cur.offset - prev.offset, `entry ${i}`).toBe(i <= 20 ? 0x400 : 0x100);
    }
    expect(IVT_VECTORS[67]!.offset + 0x100).toBe(IVT_SIZE);
  });

  test('every named vector of the facts table, at its offset', () => {
    const expected: Record<number, string> = {
      0x0000: 'VHPT Translation', 0x0400: 'Instruction TLB', 0x0800: 'Data TLB', 0x0c00: 'Alternate Instruction TLB',
      0x1000: 'Alternate Data TLB', 0x1400: 'Data Nested TLB', 0x1800: 'Instruction Key Miss', 0x1c00: 'Data Key Miss',
      0x2000: 'Dirty-Bit', 0x2400: 'Instruction Access-Bit', 0x2800: 'Data Access-Bit', 0x2c00: 'Break Instruction',
      0x3000: 'External Interrupt', 0x3400: 'Virtual External Interrupt', 0x5000: 'Page Not Present',
      0x5100: 'Key Permission', 0x5200: 'Instruction Access Rights', 0x5300: 'Data Access Rights',
      0x5400: 'General Exception', 0x5500: 'Disabled FP-Register', 0x5600: 'NaT Consumption', 0x5700: 'Speculation',
      0x5900: 'Debug', 0x5a00: 'Unaligned Reference', 0x5b00: 'Unsupported Data Reference', 0x5c00: 'Floating-Point Fault',
      0x5d00: 'Floating-Point Trap', 0x5e00: 'Lower-Privilege Transfer Trap', 0x5f00: 'Taken Branch Trap',
      0x6000: 'Single Step Trap', 0x6100: 'Virtualization', 0x6900: 'IA-32 Exception', 0x6a00: 'IA-32 Intercept',
      0x6b00: 'IA-32 Interrupt',
    };
    const named = IVT_VECTORS.filter((v) => !v.reserved);
    expect(Object.fromEntries(named.map((v) => [v.offset, v.name]))).toEqual(expected);
    expect(IVT_VECTORS.filter((v) => v.reserved)).toHaveLength(68 - 34);
  });

  test('exactly two vectors are VT-i\'s: 0x3400 and 0x6100', () => {
    expect(IVT_VECTORS.filter((v) => v.vti).map((v) => v.offset)).toEqual([VIRTUAL_EXTERNAL_INTERRUPT_OFFSET, VIRTUALIZATION_OFFSET]);
    expect(VIRTUAL_EXTERNAL_INTERRUPT_OFFSET).toBe(0x3400);
    expect(VIRTUALIZATION_OFFSET).toBe(0x6100);
  });
});
