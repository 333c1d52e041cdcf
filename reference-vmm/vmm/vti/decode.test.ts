import { describe, expect, it } from 'vitest';
import { AR, type VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { encodeOpcode } from '../../../spec/vti/machine/opcode.js';
import { causeOf } from './causes.js';
import { decodeOpcode } from './decode.js';

/** One of each instruction shape that can reach the VMM as an intercept. */
const INTERCEPTABLE: readonly VtiInstruction[] = [
  { op: 'mov-to-cr', cr: 8, r2: 9 }, { op: 'mov-from-cr', r1: 127, cr: 81 }, { op: 'mov-to-psr-l', r2: 3 }, { op: 'mov-from-psr', r1: 4 },
  { op: 'ssm', imm24: 0xff_ffff }, { op: 'rsm', imm24: 0x4000 }, { op: 'rfi' }, { op: 'bsw', bank: 0 }, { op: 'bsw', bank: 1 }, { op: 'cover' },
  { op: 'thash', r1: 5, r3: 6 }, { op: 'ttag', r1: 7, r3: 8 }, { op: 'tpa', r1: 9, r3: 10 }, { op: 'tak', r1: 11, r3: 12 },
  { op: 'mov-from-cpuid', r1: 13, r3: 14 }, { op: 'itc', side: 'i', r2: 15 }, { op: 'itc', side: 'd', r2: 16 },
  { op: 'itr', side: 'i', r3: 17, r2: 18 }, { op: 'itr', side: 'd', r3: 19, r2: 20 },
  { op: 'ptc', scope: 'l', r3: 21, r2: 22 }, { op: 'ptc', scope: 'g', r3: 23, r2: 24 }, { op: 'ptc', scope: 'ga', r3: 25, r2: 26 },
  { op: 'ptc-e', r3: 27 }, { op: 'ptr', side: 'i', r3: 28, r2: 29 }, { op: 'ptr', side: 'd', r3: 30, r2: 31 },
  ...(['rr', 'pkr', 'ibr', 'dbr', 'pmc', 'pmd'] as const).flatMap((file): VtiInstruction[] => [
    { op: 'mov-to-ind', file, r3: 32, r2: 33 }, { op: 'mov-from-ind', file, r1: 34, r3: 35 },
  ]),
  { op: 'mov-to-ar', ar: AR.itc, r2: 36 }, { op: 'mov-to-ar-imm', ar: AR.itc, imm8: -128 }, { op: 'mov-to-ar-imm', ar: AR.itc, imm8: 127 },
  { op: 'mov-from-ar', r1: 37, ar: AR.itc }, { op: 'vmsw', to: 0 }, { op: 'vmsw', to: 1 },
  { op: 'probe', access: 'r', r1: 38, r3: 39, r2: 40 }, { op: 'probe', access: 'w', r1: 41, r3: 42, r2: 43 },
];

describe('decodeOpcode: the VMM reads the intercepted instruction back from GR25', () => {
  for (const i of INTERCEPTABLE) {
    it(`${i.op} ${JSON.stringify(i)}`, () => {
      expect(decodeOpcode(encodeOpcode(i))).toEqual(i);
    });
  }

  it('names no instruction for ordinary computation (which never intercepts)', () => {
    expect(decodeOpcode(encodeOpcode({ op: 'add', r1: 1, r2: 2, r3: 3 }))).toBeNull();
    expect(decodeOpcode(encodeOpcode({ op: 'br-cond', qp: 1, target: 0x100n }))).toBeNull();
  });

  it('gives every interceptable instruction a cause of spec/vti/intercepts.ts (but PMD reads, which are not virtualized)', () => {
    for (const i of INTERCEPTABLE) {
      const expected = i.op === 'mov-from-ind' && i.file === 'pmd' ? null : expect.any(Number);
      expect(causeOf(i), JSON.stringify(i)).toEqual(expected);
    }
  });
});
