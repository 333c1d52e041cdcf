/**
 * The guest's TLB as the VMM keeps it (LK/XEN vTLB): translation registers by slot and translation
 * caches, tagged with the guest's region ids. Matching and purging follow SDM 2:§4.1.1: an entry
 * matches on region id and address range; an insert or purge removes every overlapping TC entry.
 */
import type { TlbSide } from '../../../spec/vti/machine/instructions.js';
import type { TlbEntry, TlbState } from '../../../spec/vti/machine/state.js';
import { bits } from './bits.js';

const size = (ps: number): bigint => 1n << BigInt(Math.max(0, Math.min(ps, 63)));
export const pageBase = (vadr: bigint, ps: number): bigint => vadr & ~(size(ps) - 1n);

/** The region id the guest's RR for `vadr`'s region holds. */
export const guestRid = (rr: readonly bigint[], vadr: bigint): bigint => bits(rr[Number(bits(vadr, 63, 61))] ?? 0n, 31, 8);

/** The region register supplies the region id; inside it translations match on VA{60:0} (SDM 2:§4.1.1). */
const off = (v: bigint): bigint => v & ((1n << 61n) - 1n);

const covers = (e: TlbEntry, rid: bigint, vadr: bigint): boolean =>
  e.rid === rid && off(vadr) >= off(e.vadr) && off(vadr) < off(e.vadr) + size(e.ps);
const overlaps = (e: TlbEntry, rid: bigint, base: bigint, ps: number): boolean =>
  e.rid === rid && off(e.vadr) < off(base) + size(ps) && off(base) < off(e.vadr) + size(e.ps);

export const lookup = (t: TlbState, side: TlbSide, rid: bigint, vadr: bigint): TlbEntry | null => {
  const trs = side === 'i' ? t.itr : t.dtr;
  const tcs = side === 'i' ? t.itc : t.dtc;
  return trs.find((e): e is TlbEntry => e !== null && covers(e, rid, vadr)) ?? tcs.find((e) => covers(e, rid, vadr)) ?? null;
};

export const purgeTc = (t: TlbState, side: TlbSide | 'both', rid: bigint, base: bigint, ps: number): TlbState => ({
  ...t,
  itc: side === 'd' ? t.itc : t.itc.filter((e) => !overlaps(e, rid, base, ps)),
  dtc: side === 'i' ? t.dtc : t.dtc.filter((e) => !overlaps(e, rid, base, ps)),
});

export const purgeTr = (t: TlbState, side: TlbSide, rid: bigint, base: bigint, ps: number): TlbState => {
  const clear = (trs: readonly (TlbEntry | null)[]): (TlbEntry | null)[] => trs.map((e) => (e !== null && overlaps(e, rid, base, ps) ? null : e));
  return side === 'i' ? { ...t, itr: clear(t.itr) } : { ...t, dtr: clear(t.dtr) };
};

export const insertTc = (t: TlbState, side: TlbSide, e: TlbEntry): TlbState => {
  const purged = purgeTc(t, side, e.rid, e.vadr, e.ps);
  return side === 'i' ? { ...purged, itc: [...purged.itc, e] } : { ...purged, dtc: [...purged.dtc, e] };
};

export const insertTr = (t: TlbState, side: TlbSide, slot: number, e: TlbEntry): TlbState => {
  const purged = purgeTc(t, side, e.rid, e.vadr, e.ps);
  const put = (trs: readonly (TlbEntry | null)[]): (TlbEntry | null)[] => trs.map((x, i) => (i === slot ? e : x));
  return side === 'i' ? { ...purged, itr: put(purged.itr) } : { ...purged, dtr: put(purged.dtr) };
};
