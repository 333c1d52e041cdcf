/**
 * Virtual addresses: the implemented-address check that PSR.vm narrows (UNIMPLEMENTED_VA_RULE), the
 * region-register fields, and the VHPT hash and tag of thash / ttag / PAL_VPS_THASH / PAL_VPS_TTAG.
 */
import { fieldOf, lowMask, u64 } from './bits.js';

const REGION_OFFSET = lowMask(61);

/**
 * SDM 2:70 (§4.1.1.6): bits 60:IMPL_VA_MSB+1 of a region offset are unimplemented and must copy bit
 * IMPL_VA_MSB; with PSR.vm = 0 that is the whole check (VTI.UNIMPL_VA.VMM). ITJ: with PSR.vm = 1 bit
 * IMPL_VA_MSB itself is unavailable, so the check is made as if IMPL_VA_MSB were one lower (the guest
 * sees one implemented bit fewer per region; the faults it raises name VTI.UNIMPL_VA.DATA and
 * VTI.UNIMPL_VA.INSTRUCTION where they are taken).
 */
export const effectiveVaMsb = (implVaMsb: number, vm: boolean): number => (vm ? implVaMsb - 1 : implVaMsb);

export const implementedVa = (va: bigint, msb: number): boolean => {
  const top = (va & REGION_OFFSET) >> BigInt(msb);
  return top === 0n || top === lowMask(61 - msb);
};

/** Region register fields (SDM 2:§4.1.2): ve bit 0, ps 7:2, rid 31:8. */
export const rrPs = (rr: bigint): number => Number(fieldOf(rr, 7, 2));
export const rrRid = (rr: bigint): bigint => fieldOf(rr, 31, 8);
export const rrVe = (rr: bigint): boolean => (rr & 1n) === 1n;
export const regionOf = (va: bigint): number => Number(u64(va) >> 61n);

/** PTA fields (spec/vti/control-registers.ts PTA_FIELDS): ve 0, size 7:2, vf 8, base 63:15. */
export const ptaVe = (pta: bigint): boolean => (pta & 1n) === 1n;
export const ptaSize = (pta: bigint): number => Number(fieldOf(pta, 7, 2));
export const ptaVf = (pta: bigint): boolean => ((pta >> 8n) & 1n) === 1n;

/** VA{msb:0} >> ps: the virtual page number the hash functions use (SDM 3:265 uses VA{IMPL_VA_MSB:0}). */
const vpn = (va: bigint, msb: number, ps: number): bigint => (va & lowMask(msb + 1)) >> BigInt(ps);

/** The table base the hash sits in: PTA{60:15} with the bits below the table size cleared. */
const tableBase = (pta: bigint, size: number): bigint => pta & REGION_OFFSET & ~lowMask(15) & ~lowMask(size);

/**
 * Short-format VHPT hash (SDM 3:265, thash with PTA.vf = 0): region bits of the address, the table base,
 * and the 8-byte entry index (VPN << 3) wrapped to the table size.
 */
export const shortHash = (va: bigint, rr: bigint, pta: bigint, msb: number): bigint => {
  const size = ptaSize(pta);
  // SDM 2:§4.1.6.1 (Figure 4-14): the size masks only bits 60:15 of the offset; bits 14:0 always pass.
  return u64((BigInt(regionOf(va)) << 61n) | tableBase(pta, size) | ((vpn(va, msb, rrPs(rr)) << 3n) & lowMask(Math.max(size, 15))));
};

/**
 * Long-format VHPT hash (PTA.vf = 1): implementation-specific (SDM 3:265). Our one choice (README.md):
 * the 32-byte entry index is (VPN xor RID) << 5, wrapped to the table size, under the same base and
 * region bits as the short format.
 */
export const longHash = (va: bigint, rr: bigint, pta: bigint, msb: number): bigint => {
  const size = ptaSize(pta);
  return u64((BigInt(regionOf(va)) << 61n) | tableBase(pta, size) | (((vpn(va, msb, rrPs(rr)) ^ rrRid(rr)) << 5n) & lowMask(size)));
};

/**
 * The translation tag (ttag, PAL_VPS_TTAG): implementation-specific. Our choice: VPN xor (RID << 39),
 * bit 63 (the tag-invalid bit of a long-format entry) clear.
 */
export const vhptTag = (va: bigint, rr: bigint, msb: number): bigint =>
  (vpn(va, msb, rrPs(rr)) ^ (rrRid(rr) << 39n)) & lowMask(63);
