/**
 * The TLB as the instructions that manage and query it see it (SDM 2:§4.1): matching by region ID
 * and page, purging by overlap, and the page access-rights table probe and vmsw consult.
 */
import { lowMask } from './bits.js';
import { rrRid } from './address.js';
import type { Machine, MutableTlbEntry } from './machine.js';

const OFFSET = lowMask(61);

/** The region ID the TLB compares for `va`: RR[va{63:61}].rid. */
export const ridFor = (m: Machine, va: bigint): bigint => rrRid(m.rr[Number((va >> 61n) & 7n)] ?? 0n);

/** Does `e` translate `va` (same RID, same page of 2^ps bytes within the region)? */
export const translates = (e: MutableTlbEntry, va: bigint, rid: bigint): boolean =>
  e.rid === rid && ((e.vadr & OFFSET) >> BigInt(e.ps)) === ((va & OFFSET) >> BigInt(e.ps));

/** Does `e` overlap the 2^ps-byte range around `va` (SDM ptc/ptr: any overlap is purged)? */
export const overlaps = (e: MutableTlbEntry, va: bigint, ps: number, rid: bigint): boolean => {
  if (e.rid !== rid) return false;
  const aStart = (e.vadr & OFFSET) & ~lowMask(e.ps);
  const aEnd = aStart + (1n << BigInt(e.ps));
  const bStart = (va & OFFSET) & ~lowMask(ps);
  const bEnd = bStart + (1n << BigInt(ps));
  return aStart < bEnd && bStart < aEnd;
};

/** The data-side translation of `va` (translation registers first, then the cache), or null. */
export const dataTranslation = (m: Machine, va: bigint): MutableTlbEntry | null => {
  const rid = ridFor(m, va);
  return m.dtr.find((e): e is MutableTlbEntry => e !== null && translates(e, va, rid))
    ?? m.dtc.find((e) => translates(e, va, rid)) ?? null;
};

export const instructionTranslation = (m: Machine, va: bigint): MutableTlbEntry | null => {
  const rid = ridFor(m, va);
  return m.itr.find((e): e is MutableTlbEntry => e !== null && translates(e, va, rid))
    ?? m.itc.find((e) => translates(e, va, rid)) ?? null;
};

/** PTE fields (spec/vti/machine/state.ts TlbEntry): p 0, pl 8:7, ar 11:9, ppn 49:12. */
export const ptePresent = (pte: bigint): boolean => (pte & 1n) === 1n;
export const ptePl = (pte: bigint): number => Number((pte >> 7n) & 3n);
export const pteAr = (pte: bigint): number => Number((pte >> 9n) & 7n);
export const ptePpn = (pte: bigint): bigint => pte & 0x0003_ffff_ffff_f000n;

/**
 * SDM 2:§4.1.1.5 page access rights: for TLB.ar 0-3 the rights (R, RX, RW, RWX) hold at privilege
 * levels numerically at or below TLB.pl and nothing above; 4-6 keep read (4, 5) or read-write (6)
 * above TLB.pl and add write at or below it; 7 (execute, promote) reads only at level 0.
 */
export const mayRead = (ar: number, pagePl: number, pl: number): boolean =>
  ar <= 3 ? pl <= pagePl : ar <= 6 ? true : pl === 0;
export const mayWrite = (ar: number, pagePl: number, pl: number): boolean =>
  ar === 2 || ar === 3 || ar === 4 || ar === 5 ? pl <= pagePl : ar === 6;

/** Remove every entry of `list` for which `hit` holds. */
export const purge = (list: MutableTlbEntry[], hit: (e: MutableTlbEntry) => boolean): MutableTlbEntry[] => list.filter((e) => !hit(e));
