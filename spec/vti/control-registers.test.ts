import { describe, expect, test } from 'vitest';
import { CONTROL_REGISTERS, D_EXTINT_CRS, EXTERNAL_INTERRUPT_CRS, INTERRUPTION_CRS, RESERVED_CR_RANGES } from './control-registers.js';

describe('control registers (shared/facts/vti-architecture.md §2)', () => {
  test('named registers and reserved ranges cover CR0-CR127 exactly once', () => {
    const seen = new Map<number, string>();
    const claim = (n: number, by: string) => {
      expect(seen.get(n), `CR${n} claimed by ${by}`).toBeUndefined();
      seen.set(n, by);
    };
    for (const cr of CONTROL_REGISTERS) claim(cr.number, cr.name);
    for (const [lo, hi] of RESERVED_CR_RANGES) for (let n = lo; n <= hi; n++) claim(n, 'reserved');
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 128 }, (_, i) => i));
  });

  test('every named CR of the facts table, by number', () => {
    const expected: Record<number, string> = {
      0: 'dcr', 1: 'itm', 2: 'iva', 8: 'pta', 16: 'ipsr', 17: 'isr', 19: 'iip', 20: 'ifa', 21: 'itir', 22: 'iipa',
      23: 'ifs', 24: 'iim', 25: 'iha', 26: 'iib0', 27: 'iib1', 64: 'lid', 65: 'ivr', 66: 'tpr', 67: 'eoi',
      68: 'irr0', 69: 'irr1', 70: 'irr2', 71: 'irr3', 72: 'itv', 73: 'pmv', 74: 'cmcv', 80: 'lrr0', 81: 'lrr1',
    };
    expect(Object.fromEntries(CONTROL_REGISTERS.map((c) => [c.number, c.name]))).toEqual(expected);
  });

  test('the non-optional interruption CRs are CR16-CR25 without CR18; iib0/iib1 are optional and disputed', () => {
    const interruption = CONTROL_REGISTERS.filter((c) => c.group === 'interruption' && !c.optional).map((c) => c.number);
    expect(interruption).toEqual([16, 17, 19, 20, 21, 22, 23, 24, 25]);
    expect(INTERRUPTION_CRS).toMatchObject({ first: 16, last: 25 });
    for (const c of CONTROL_REGISTERS.filter((x) => x.optional)) expect(c.confidence).toBe('!');
  });

  test('external-interrupt CRs lie in CR64-CR81; d_extint covers ivr..irr3', () => {
    for (const c of CONTROL_REGISTERS) {
      const inRange = c.number >= EXTERNAL_INTERRUPT_CRS.first && c.number <= EXTERNAL_INTERRUPT_CRS.last;
      expect(c.group === 'external-interrupt', c.name).toBe(inRange);
    }
    const dExtint = CONTROL_REGISTERS.filter((c) => c.number >= D_EXTINT_CRS.first && c.number <= D_EXTINT_CRS.last).map((c) => c.name);
    expect(dExtint).toEqual(['ivr', 'tpr', 'eoi', 'irr0', 'irr1', 'irr2', 'irr3']);
  });

  test('fields of each register are within 64 bits, named once and do not overlap', () => {
    for (const c of CONTROL_REGISTERS) {
      const used = new Set<number>();
      expect(new Set(c.fields.map((f) => f.name)).size, c.name).toBe(c.fields.length);
      for (const { name, bits: [hi, lo] } of c.fields) {
        expect(lo, `${c.name}.${name}`).toBeGreaterThanOrEqual(0);
        expect(hi, `${c.name}.${name}`).toBeLessThan(64);
        for (let b = lo; b <= hi; b++) {
          expect(used.has(b), `${c.name}.${name} bit ${b}`).toBe(false);
          used.add(b);
        }
      }
    }
  });

  test('fields the VMMs rely on: tpr.mic 7:4, tpr.mmi 16, ifs.v 63, isr.ir 38, pta.vf 8, itv.m 16', () => {
    const field = (cr: string, f: string) => CONTROL_REGISTERS.find((c) => c.name === cr)?.fields.find((x) => x.name === f)?.bits;
    expect(field('tpr', 'mic')).toEqual([7, 4]);
    expect(field('tpr', 'mmi')).toEqual([16, 16]);
    expect(field('ifs', 'v')).toEqual([63, 63]);
    expect(field('isr', 'ir')).toEqual([38, 38]);
    expect(field('pta', 'vf')).toEqual([8, 8]);
    expect(field('pta', 'size')).toEqual([7, 2]);
    expect(field('itv', 'm')).toEqual([16, 16]);
  });
});
