/**
 * Bit and register-file helpers shared by the VT-i model: 64-bit arithmetic, PSR fields by name
 * (spec/vti/psr.ts positions), and copy-on-write updates of the sparse register maps.
 */
import { PSR_FIELDS, type PsrFieldName } from '../../spec/vti/psr.js';

export const U64 = (1n << 64n) - 1n;
export const u64 = (v: bigint): bigint => v & U64;
export const bit = (v: bigint, n: number | bigint): boolean => ((v >> BigInt(n)) & 1n) === 1n;
export const bits = (v: bigint, hi: number, lo: number): bigint => (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
export const withBits = (v: bigint, hi: number, lo: number, x: bigint): bigint => {
  const mask = ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
  return (v & ~mask) | ((x << BigInt(lo)) & mask);
};
/** Two's-complement value of a 64-bit pattern (for signed compares). */
export const signed64 = (v: bigint): bigint => (bit(v, 63) ? v - (1n << 64n) : v);

const psrRange = (name: PsrFieldName): readonly [number, number] => {
  const f = PSR_FIELDS.find((x) => x.name === name);
  return f === undefined ? [0, 0] : f.bits;
};

export const psrGet = (psr: bigint, name: PsrFieldName): bigint => {
  const [hi, lo] = psrRange(name);
  return bits(psr, hi, lo);
};
export const psrSet = (psr: bigint, name: PsrFieldName, v: bigint): bigint => {
  const [hi, lo] = psrRange(name);
  return withBits(psr, hi, lo, v);
};
export const psrMask = (name: PsrFieldName): bigint => {
  const [hi, lo] = psrRange(name);
  return ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
};

/** PSR bits no software may set: the `rv` rows of spec/vti/psr.ts. */
export const PSR_RESERVED_MASK = PSR_FIELDS.filter((f) => f.reserved)
  .reduce((m, f) => m | (((1n << BigInt(f.bits[0] - f.bits[1] + 1)) - 1n) << BigInt(f.bits[1])), 0n);

export const mapGet = <K>(m: ReadonlyMap<K, bigint>, k: K): bigint => m.get(k) ?? 0n;
export const mapSet = <K>(m: ReadonlyMap<K, bigint>, k: K, v: bigint): ReadonlyMap<K, bigint> => {
  const n = new Map(m);
  n.set(k, u64(v));
  return n;
};

export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
