/**
 * Bit helpers and the PSR / CR / vac / vdc positions the reference CPU uses, looked up by name in the
 * spec/vti tables (so a position lives in one place: spec/vti/psr.ts, spec/vti/vpd.ts).
 */
import { PSR_FIELDS, type PsrFieldName } from '../../../spec/vti/psr.js';
import { VAC_BITS, VDC_BITS, type VacName, type VdcName } from '../../../spec/vti/vpd.js';

export const MASK64 = 0xffff_ffff_ffff_ffffn;

export const u64 = (v: bigint): bigint => v & MASK64;
export const bitOf = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
export const fieldOf = (v: bigint, hi: number, lo: number): bigint => (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
export const withField = (v: bigint, hi: number, lo: number, f: bigint): bigint => {
  const m = ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
  return (v & ~m) | ((f << BigInt(lo)) & m);
};
export const lowMask = (bits: number): bigint => (bits <= 0 ? 0n : (1n << BigInt(bits)) - 1n);

const psrField = (name: PsrFieldName): readonly [number, number] => {
  const f = PSR_FIELDS.find((x) => x.name === name);
  if (f === undefined) throw new Error(`spec/vti/psr.ts has no PSR.${name}`);
  return f.bits;
};

/** PSR bit positions (spec/vti/psr.ts). */
export const PSR_BIT = {
  be: psrField('be')[1], up: psrField('up')[1], ac: psrField('ac')[1], mfl: psrField('mfl')[1], mfh: psrField('mfh')[1],
  ic: psrField('ic')[1], i: psrField('i')[1], pk: psrField('pk')[1], dt: psrField('dt')[1], pp: psrField('pp')[1],
  si: psrField('si')[1], sp: psrField('sp')[1], db: psrField('db')[1], tb: psrField('tb')[1], rt: psrField('rt')[1], is: psrField('is')[1],
  mc: psrField('mc')[1], it: psrField('it')[1], ss: psrField('ss')[1], bn: psrField('bn')[1], vm: psrField('vm')[1],
} as const;
export const PSR_CPL = psrField('cpl');
export const PSR_RI = psrField('ri');

/** Reserved PSR bits, from the `rv` rows of spec/vti/psr.ts. */
export const PSR_RESERVED = PSR_FIELDS.filter((f) => f.reserved)
  .reduce((m, f) => m | (lowMask(f.bits[0] - f.bits[1] + 1) << BigInt(f.bits[1])), 0n);

const vacBit = (name: VacName): number | null => VAC_BITS.find((b) => b.name === name)?.bit ?? null;
const vdcBit = (name: VdcName): number | null => VDC_BITS.find((b) => b.name === name)?.bit ?? null;

/** vac bit position by name, null when the spec has no position for it (such a control is never on). */
export const VAC = (name: VacName): number | null => vacBit(name);
export const VDC = (name: VdcName): number | null => vdcBit(name);

/** The vac / vdc bits PAL_VP_CREATE accepts: the ones the spec gives a position (LK/XEN: the rest reserved). */
export const VAC_DEFINED = VAC_BITS.reduce((m, b) => (b.bit === null ? m : m | (1n << BigInt(b.bit))), 0n);
export const VDC_DEFINED = VDC_BITS.reduce((m, b) => (b.bit === null ? m : m | (1n << BigInt(b.bit))), 0n);
