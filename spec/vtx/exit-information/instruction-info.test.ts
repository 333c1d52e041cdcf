import { describe, expect, test } from 'vitest';
import { EXIT_REASON_BY_NUMBER } from '../exit-reasons.js';
import { INSTRUCTION_INFO_BY_REASON, INSTRUCTION_INFO_LAYOUTS, decodeInstructionInfo, type InstructionInfoKind } from './instruction-info.js';

const KINDS = Object.keys(INSTRUCTION_INFO_LAYOUTS) as InstructionInfoKind[];

describe('VM-exit instruction information (§27.2.4, Tables 27-8 to 27-14)', () => {
  test('one layout per table, 27-8 to 27-14 in order', () => {
    expect(KINDS.map((k) => INSTRUCTION_INFO_LAYOUTS[k].table)).toEqual(
      ['Table 27-8', 'Table 27-9', 'Table 27-10', 'Table 27-11', 'Table 27-12', 'Table 27-13', 'Table 27-14']);
  });

  test('fields of each layout are disjoint within 32 bits and uniquely named', () => {
    for (const kind of KINDS) {
      const used = new Set<number>();
      const { fields } = INSTRUCTION_INFO_LAYOUTS[kind];
      for (const { name, bits: [hi, lo] } of fields) {
        expect(hi < 32 && lo <= hi, `${kind}.${name}`).toBe(true);
        for (let b = lo; b <= hi; b++) {
          expect(used.has(b), `${kind}.${name} bit ${b}`).toBe(false);
          used.add(b);
        }
      }
      expect(new Set(fields.map((f) => f.name)).size, kind).toBe(fields.length);
    }
  });

  test('each reason belongs to one layout, and the reason\'s App. C name is among the layout\'s instructions', () => {
    const all = KINDS.flatMap((k) => INSTRUCTION_INFO_LAYOUTS[k].reasons);
    expect(INSTRUCTION_INFO_BY_REASON.size).toBe(all.length);
    expect([...INSTRUCTION_INFO_BY_REASON.keys()].sort((a, b) => a - b)).toEqual([19, 21, 22, 23, 25, 27, 30, 46, 47, 50, 53, 57, 58, 61, 63, 64]);
    for (const [reason, kind] of INSTRUCTION_INFO_BY_REASON) {
      const name = EXIT_REASON_BY_NUMBER.get(reason)?.name ?? '';
      const named = (INSTRUCTION_INFO_LAYOUTS[kind].instructions as readonly string[]).includes(name);
      // Reasons 30, 46, 47 are named after a group, not an instruction.
      expect(named || [30, 46, 47].includes(reason), `reason ${reason} (${name}) in ${kind}`).toBe(true);
    }
  });

  test('VMREAD RAX, RBX (register form, 64-bit addressing)', () => {
    const d = decodeInstructionInfo(23, 0x3000_0500);
    expect(d?.kind).toBe('vmreadVmwrite');
    expect(d?.fields['reg1']?.label).toBe('RAX');
    expect(d?.fields['memReg']?.label).toBe('register');
    expect(d?.fields['addressSize']?.label).toBe('64-bit');
    expect(d?.fields['reg2']?.label).toBe('RBX');
  });

  test('VMPTRLD [RAX+RCX*8] with DS', () => {
    const d = decodeInstructionInfo(21, 0x5_8103);
    expect(d?.kind).toBe('vmcsPointer');
    expect(d?.fields['scaling']?.label).toBe('scale by 8');
    expect(d?.fields['segment']?.label).toBe('DS');
    expect(d?.fields['indexReg']?.label).toBe('RCX');
    expect(d?.fields['indexRegInvalid']?.label).toBe('valid');
    expect(d?.fields['baseReg']?.label).toBe('RAX');
    expect(d?.unnamedBits).toBe(0n);
  });

  test('LGDT [RBX] with no index; RDRAND RDX 64-bit; OUTS with FS', () => {
    const lgdt = decodeInstructionInfo(46, 0x21d1_8100);
    expect(lgdt?.fields['instructionIdentity']?.label).toBe('LGDT');
    expect(lgdt?.fields['indexRegInvalid']?.label).toBe('invalid');
    expect(lgdt?.fields['baseReg']?.label).toBe('RBX');
    const rdrand = decodeInstructionInfo(57, 0x1010);
    expect(rdrand?.fields['destinationReg']?.label).toBe('RDX');
    expect(rdrand?.fields['operandSize']?.label).toBe('64-bit');
    const outs = decodeInstructionInfo(30, 0x2_0080);
    expect(outs?.fields['segment']?.label).toBe('FS');
    expect(outs?.fields['addressSize']?.label).toBe('32-bit');
  });

  test('exits without instruction information decode to undefined', () => {
    expect(decodeInstructionInfo(10, 0)).toBeUndefined();
    expect(decodeInstructionInfo(28, 0)).toBeUndefined();
  });
});
