/**
 * TLB look-ups, inserts and purges (SDM 2:§4.1.1) on the abstract TLB of spec/vti/machine/state.ts.
 * Entries match on region id and address range; purges remove every entry that overlaps.
 */
import type { TlbEntry, TlbState, VtiState } from '../../spec/vti/machine/state.js';
import type { TlbSide } from '../../spec/vti/machine/instructions.js';
import { bits } from './bits.js';

/** RR[vadr{63:61}].rid. */
export const ridOf = (s: VtiState, vadr: bigint): bigint => bits(s.rr[Number(bits(vadr, 63, 61))] ?? 0n, 31, 8);

const size = (ps: number): bigint => 1n << BigInt(Math.max(0, Math.min(ps, 63)));
export const pageBase = (vadr: bigint, ps: number): bigint => vadr & ~(size(ps) - 1n);

/** The region is identified by the rid; translations match on VA{60:0} within it (SDM 2:§4.1.1). */
const OFFSET = (1n << 61n) - 1n;
const off = (v: bigint): bigint => v & OFFSET;

const covers = (e: TlbEntry, rid: bigint, vadr: bigint): boolean =>
  e.rid === rid && off(vadr) >= off(e.vadr) && off(vadr) < off(e.vadr) + size(e.ps);

const overlaps = (e: TlbEntry, rid: bigint, base: bigint, ps: number): boolean =>
  e.rid === rid && off(e.vadr) < off(base) + size(ps) && off(base) < off(e.vadr) + size(e.ps);

/** The translation for `vadr` on one side: translation registers first, then the cache. */
export const lookup = (s: VtiState, side: TlbSide, vadr: bigint): TlbEntry | null => {
  const rid = ridOf(s, vadr);
  const trs = side === 'i' ? s.tlb.itr : s.tlb.dtr;
  const tcs = side === 'i' ? s.tlb.itc : s.tlb.dtc;
  return trs.find((e): e is TlbEntry => e !== null && covers(e, rid, vadr)) ?? tcs.find((e) => covers(e, rid, vadr)) ?? null;
};

export const purgeTc = (t: TlbState, side: TlbSide | 'both', rid: bigint, base: bigint, ps: number): TlbState => ({
  ...t,
  itc: side === 'd' ? t.itc : t.itc.filter((e) => !overlaps(e, rid, base, ps)),
  dtc: side === 'i' ? t.dtc : t.dtc.filter((e) => !overlaps(e, rid, base, ps)),
});

export const purgeTr = (t: TlbState, side: TlbSide, rid: bigint, base: bigint, ps: number): TlbState => {
  const clear = (trs: readonly (TlbEntry | null)[]) => trs.map((e) => (e !== null && overlaps(e, rid, base, ps) ? null : e));
  return side === 'i' ? { ...t, itr: clear(t.itr) } : { ...t, dtr: clear(t.dtr) };
};

export const insertTc = (t: TlbState, side: TlbSide, e: TlbEntry): TlbState => {
  const purged = purgeTc(t, side, e.rid, e.vadr, e.ps);
  return side === 'i' ? { ...purged, itc: [...purged.itc, e] } : { ...purged, dtc: [...purged.dtc, e] };
};

export const insertTr = (t: TlbState, side: TlbSide, slot: number, e: TlbEntry): TlbState => {
  const purged = purgeTc(t, side, e.rid, e.vadr, e.ps);
  const put = (trs: readonly (TlbEntry | null)[]) => trs.map((x, i) => (i === slot ? e : x));
  return side === 'i' ? { ...purged, itr: put(purged.itr) } : { ...purged, dtr: put(purged.dtr) };
};

/** The entry itc/itr insert: page of CR.IFA, size and key from CR.ITIR, rid from its region register. */
export const entryFromIfa = (s: VtiState, pte: bigint): TlbEntry => {
  const ifa = s.cr.get(20) ?? 0n;
  const itir = s.cr.get(21) ?? 0n;
  const ps = Number(bits(itir, 7, 2));
  return { vadr: pageBase(ifa, ps), rid: ridOf(s, ifa), ps, pte, key: bits(itir, 31, 8) };
};
