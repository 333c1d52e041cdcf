/**
 * 64-bit values as two unsigned 32-bit halves (lo, hi). The VM-entry checks are bit tests on
 * VMCS fields; doing them on numbers instead of bigint is what lets the model evaluate full VM entries
 * at the rate the README reports.
 */

/** Bits 63:(width-1) all equal (SDM "canonical", linear-address width `width`, 33 ≤ width ≤ 64). */
export const isCanonical = (lo: number, hi: number, width: number): boolean => {
  if (width >= 64) return true;
  const shift = width - 1 - 32;
  if (shift < 0) {
    // width ≤ 32: bits 63:width-1 all equal means hi is 0 or all ones and lo's top part matches.
    const top = lo >> (width - 1);
    return (hi === 0 && top === 0) || (hi === 0xffff_ffff && top === -1);
  }
  const top = hi >>> shift;
  return top === 0 || top === (0xffff_ffff >>> shift);
};

/** Bits 63:N all equal (used by GUEST.RIP.CANON, which the SDM states as 63:N, not 63:N-1). */
export const bitsFromAllEqual = (lo: number, hi: number, n: number): boolean =>
  n >= 64 ? true : isCanonical(lo, hi, n + 1);

/** No bit set at or above bit `paw` (physical-address width, 32 ≤ paw ≤ 52). */
export const withinPaw = (hi: number, paw: number): boolean => (paw >= 64 ? true : paw <= 32 ? hi === 0 : hi >>> (paw - 32) === 0);

export const pageAligned = (lo: number, hi: number, paw: number): boolean => (lo & 0xfff) === 0 && withinPaw(hi, paw);

/** Value as a float: exact whenever hi < 2^21, which covers every address within a 52-bit PAW. */
export const toNumber = (lo: number, hi: number): number => hi * 0x1_0000_0000 + lo;

export const bit = (value: number, n: number): boolean => ((value >>> n) & 1) === 1;

/** Most VMCS values have a zero upper half: skip the shift and the OR for them (measured: bench). */
export const bigOf = (lo: number, hi: number): bigint => (hi !== 0 ? (BigInt(hi) << 32n) | BigInt(lo) : lo === 0 ? 0n : BigInt(lo));
export const loOf = (v: bigint): number => Number(v & 0xffff_ffffn);
export const hiOf = (v: bigint): number => Number((v >> 32n) & 0xffff_ffffn);
