import { describe, expect, test } from 'vitest';
import { INTERRUPTION_INFO_LAYOUTS, INTERRUPTION_INFO_ZERO_BITS, INTERRUPTION_TYPES, decodeInterruptionInfo, type InterruptionInfoKind } from './interruption-info.js';

const KINDS = Object.keys(INTERRUPTION_INFO_LAYOUTS) as InterruptionInfoKind[];

describe('interruption-information fields (§24.8.3, §24.9.2, §24.9.3)', () => {
  test('named fields are disjoint within 32 bits, and with the must-be-0 range leave only what the SDM leaves undefined', () => {
    for (const kind of KINDS) {
      const used = new Set<number>();
      for (const { name, bits: [hi, lo] } of INTERRUPTION_INFO_LAYOUTS[kind].fields) {
        expect(hi < 32 && lo <= hi, `${kind}.${name}`).toBe(true);
        for (let b = lo; b <= hi; b++) {
          expect(used.has(b), `${kind}.${name} bit ${b}`).toBe(false);
          used.add(b);
        }
      }
      const [zhi, zlo] = INTERRUPTION_INFO_ZERO_BITS[kind];
      for (let b = zlo; b <= zhi; b++) {
        expect(used.has(b), `${kind} reserved bit ${b}`).toBe(false);
        used.add(b);
      }
      const missing = Array.from({ length: 32 }, (_, b) => b).filter((b) => !used.has(b));
      // IDT-vectoring bit 12 is undefined (§24.9.3); every other bit of every field is accounted for.
      expect(missing, kind).toEqual(kind === 'idtVectoring' ? [12] : []);
    }
  });

  test('the type field of each layout lists exactly its types', () => {
    for (const kind of KINDS) {
      const type = INTERRUPTION_INFO_LAYOUTS[kind].fields.find((f) => f.name === 'type');
      const listed = Object.keys(type?.values ?? {}).map(Number);
      // The entry layout names every type (1 as reserved) so that decoding a rejected value still says what it is.
      expect(listed, kind).toEqual(kind === 'entry' ? [0, 1, 2, 3, 4, 5, 6, 7] : [...INTERRUPTION_INFO_LAYOUTS[kind].types]);
    }
    expect(INTERRUPTION_INFO_LAYOUTS.exit.types).toEqual([0, 2, 3, 6]);
    expect(INTERRUPTION_INFO_LAYOUTS.idtVectoring.types).toEqual([0, 2, 3, 4, 5, 6]);
    expect(INTERRUPTION_TYPES[5]).toBe('Privileged software exception');
  });

  test('a #PF with error code in the exit field', () => {
    const d = decodeInterruptionInfo('exit', 0x8000_0b0e);
    expect(d.fields['vector']).toEqual({ value: 14n });
    expect(d.fields['type']).toEqual({ value: 3n, label: 'Hardware exception' });
    expect(d.fields['errorCodeValid']?.value).toBe(1n);
    expect(d.fields['nmiUnblockingDueToIret']?.value).toBe(0n);
    expect(d.fields['valid']?.value).toBe(1n);
    expect(d.unnamedBits).toBe(0n);
  });

  test('an injected NMI, a software interrupt in IDT-vectoring, and type 4 is not an exit type', () => {
    const nmi = decodeInterruptionInfo('entry', 0x8000_0202);
    expect(nmi.fields['vector']?.value).toBe(2n);
    expect(nmi.fields['type']?.label).toBe('Non-maskable interrupt (NMI)');
    expect(nmi.fields['deliverErrorCode']?.value).toBe(0n);
    expect(decodeInterruptionInfo('idtVectoring', 0x8000_0480).fields['type']?.label).toBe('Software interrupt');
    expect(decodeInterruptionInfo('exit', 0x8000_0480).fields['type']?.label).toBeUndefined();
  });

  test('bit 12 is named in the exit field and unnamed in the entry and IDT-vectoring fields', () => {
    expect(decodeInterruptionInfo('exit', 0x8000_1008).fields['nmiUnblockingDueToIret']?.value).toBe(1n);
    expect(decodeInterruptionInfo('entry', 0x8000_1008).unnamedBits).toBe(0x1000n);
    expect(decodeInterruptionInfo('idtVectoring', 0x8000_1008).unnamedBits).toBe(0x1000n);
  });
});
