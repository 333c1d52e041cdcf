/**
 * The intercepted instruction, decoded from the opcode the processor leaves in bank-0 GR25
 * (INTERCEPT_HANDOFF). Both real VMMs decode operands from GR25 instead of fetching the bundle (LK
 * optvfault.S, XEN vmx_virt.c); the fields sit where spec/vti/machine/opcode.ts puts them (r1 12:6,
 * r2 19:13, r3 26:20, a CR or AR number in the r3 field, the abstract operation in 40:34 and its
 * form in 33:27). Only instructions that can intercept are decoded; anything else is null.
 */
import { INTERCEPT_HANDOFF } from '../../../spec/vti/intercepts.js';
import type { IndirectFile, TlbSide, VtiInstruction, VtiOp } from '../../../spec/vti/machine/instructions.js';
import { OPCODE_NUMBER } from '../../../spec/vti/machine/opcode.js';
import { bits } from './bits.js';

const OP_BY_NUMBER = new Map<number, VtiOp>(Object.entries(OPCODE_NUMBER).map(([op, n]) => [n, op as VtiOp]));
const FILES: readonly IndirectFile[] = ['rr', 'pkr', 'ibr', 'dbr', 'pmc', 'pmd'];

const field = (v: bigint, [hi, lo]: readonly [number, number]): number => Number(bits(v, hi, lo));

export const decodeOpcode = (gr25: bigint): VtiInstruction | null => {
  const op = OP_BY_NUMBER.get(Number(bits(gr25, 40, 34)));
  const form = Number(bits(gr25, 33, 27));
  const r1 = field(gr25, INTERCEPT_HANDOFF.opcodeFields.r1);
  const r2 = field(gr25, INTERCEPT_HANDOFF.opcodeFields.r2);
  const r3 = field(gr25, INTERCEPT_HANDOFF.opcodeFields.r3);
  const side: TlbSide = form === 0 ? 'i' : 'd';
  switch (op) {
    case 'mov-to-cr': return { op, cr: r3, r2 };
    case 'mov-from-cr': return { op, r1, cr: r3 };
    case 'mov-to-psr-l': return { op, r2 };
    case 'mov-from-psr': return { op, r1 };
    case 'ssm': case 'rsm': return { op, imm24: Number(bits(gr25, 29, 6)) };
    case 'rfi': return { op };
    case 'bsw': return { op, bank: form === 1 ? 1 : 0 };
    case 'cover': return { op };
    case 'thash': case 'ttag': case 'tpa': case 'tak': case 'mov-from-cpuid': return { op, r1, r3 };
    case 'itc': return { op, side, r2 };
    case 'itr': return { op, side, r3, r2 };
    case 'ptc': return { op, scope: form === 0 ? 'l' : form === 1 ? 'g' : 'ga', r3, r2 };
    case 'ptc-e': return { op, r3 };
    case 'ptr': return { op, side, r3, r2 };
    case 'mov-to-ind': return { op, file: FILES[form] ?? 'rr', r3, r2 };
    case 'mov-from-ind': return { op, file: FILES[form] ?? 'rr', r1, r3 };
    case 'mov-to-ar': return { op, ar: r3, r2 };
    case 'mov-to-ar-imm': return { op, ar: r3, imm8: r2 - (bits(gr25, 33, 33) === 1n ? 128 : 0) };
    case 'mov-from-ar': return { op, r1, ar: r3 };
    case 'vmsw': return { op, to: form === 1 ? 1 : 0 };
    case 'probe': return { op, access: form === 0 ? 'r' : 'w', r1, r3, r2 };
    default: return null;
  }
};
