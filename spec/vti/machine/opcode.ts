/**
 * The opcode a virtualization intercept reports in bank-0 GR25 (INTERCEPT_HANDOFF). The instruction
 * set is abstract, so is its encoding: the register fields sit where the VMMs decode them (r1 12:6,
 * r2 19:13, r3 26:20 of the 41-bit slot; a CR or AR number in the r3 field, as M32/M33 and M29/M31
 * put cr3/ar3 there), and the bits above are this project's own operation number, not Itanium's.
 * Model and reference CPU must produce the same value, so the function lives in spec/.
 */
import { INTERCEPT_HANDOFF } from '../intercepts.js';
import type { VtiInstruction, VtiOp } from './instructions.js';

/** Operation numbers of the abstract encoding (bits 40:34 of the slot). */
export const OPCODE_NUMBER: Readonly<Record<VtiOp, number>> = {
  'mov-to-cr': 1, 'mov-from-cr': 2, 'mov-to-psr-l': 3, 'mov-to-psr-um': 4, 'mov-from-psr': 5, 'mov-from-psr-um': 6,
  ssm: 7, rsm: 8, rfi: 9, bsw: 10, cover: 11, thash: 12, ttag: 13, tpa: 14, tak: 15, 'mov-from-cpuid': 16,
  itc: 17, itr: 18, ptc: 19, 'ptc-e': 20, ptr: 21, 'mov-to-ind': 22, 'mov-from-ind': 23, 'mov-to-ar': 24,
  'mov-to-ar-imm': 25, 'mov-from-ar': 26, vmsw: 27, probe: 28, 'br-call': 29, 'br-ret': 30, 'br-cond': 31,
  alloc: 32, 'mov-to-br': 33, 'mov-from-br': 34, 'mov-imm': 35, add: 36, ld8: 37, st8: 38, cmp: 39, nop: 40, break: 41,
};

const FILE_NUMBER = { rr: 0, pkr: 1, ibr: 2, dbr: 3, pmc: 4, pmd: 5 } as const;

const [R1_HI, R1_LO] = INTERCEPT_HANDOFF.opcodeFields.r1;
const [R2_HI, R2_LO] = INTERCEPT_HANDOFF.opcodeFields.r2;
const [R3_HI, R3_LO] = INTERCEPT_HANDOFF.opcodeFields.r3;

const field = (value: number | bigint, hi: number, lo: number): bigint =>
  (BigInt(value) & ((1n << BigInt(hi - lo + 1)) - 1n)) << BigInt(lo);

/** Bits 33:27: a form selector (bank, side, scope, file, vmsw form, access). */
const form = (i: VtiInstruction): number => {
  switch (i.op) {
    case 'bsw': return i.bank;
    case 'vmsw': return i.to;
    case 'itc': case 'itr': case 'ptr': return i.side === 'i' ? 0 : 1;
    case 'ptc': return i.scope === 'l' ? 0 : i.scope === 'g' ? 1 : 2;
    case 'mov-to-ind': case 'mov-from-ind': return FILE_NUMBER[i.file];
    case 'probe': return i.access === 'r' ? 0 : 1;
    default: return 0;
  }
};

/** The 41-bit slot GR25 carries for `i` (opcode fields of INTERCEPT_HANDOFF; the rest is abstract). */
export const encodeOpcode = (i: VtiInstruction): bigint => {
  const r = (n: number | undefined, hi: number, lo: number): bigint => (n === undefined ? 0n : field(n, hi, lo));
  const rec = i as Partial<Record<'r1' | 'r2' | 'r3' | 'cr' | 'ar', number>>;
  const imm =
    i.op === 'ssm' || i.op === 'rsm' ? field(i.imm24, 29, 6)
    : i.op === 'mov-to-ar-imm' ? field(i.imm8 & 0x7f, R2_HI, R2_LO) | (i.imm8 < 0 ? 1n << 33n : 0n)
    : 0n;
  const r3 = rec.cr ?? rec.ar ?? rec.r3;
  return field(OPCODE_NUMBER[i.op], 40, 34) | (i.op === 'mov-to-ar-imm' ? 0n : field(form(i), 33, 27)) | imm |
    r(rec.r1, R1_HI, R1_LO) | r(rec.r2, R2_HI, R2_LO) | r(r3, R3_HI, R3_LO);
};
