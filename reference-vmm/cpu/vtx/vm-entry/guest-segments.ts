/**
 * Checks on guest segment registers (SDM §26.3.1.2). Failure: exit reason 33, qualification 0.
 * Order: catalog table order (section 9), then the FRED SS.DPL rule of newer SDMs.
 */
import type { EntryContext, Check } from './context.js';

type SegName = 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDTR' | 'TR';

interface Segment {
  readonly sel: bigint;
  readonly rpl: number;
  readonly base: bigint;
  readonly limit: bigint;
  readonly ar: bigint;
  readonly type: number;
  readonly s: boolean;
  readonly dpl: number;
  readonly p: boolean;
  readonly g: boolean;
  readonly usable: boolean;
}

const read = (c: EntryContext, n: SegName): Segment => {
  const sel = c.f(`GUEST_${n}_SELECTOR`);
  const ar = c.f(`GUEST_${n}_AR_BYTES`);
  return {
    sel, rpl: Number(sel & 3n), base: c.f(`GUEST_${n}_BASE`), limit: c.f(`GUEST_${n}_LIMIT`), ar,
    type: Number(ar & 0xfn), s: (ar & 0x10n) !== 0n, dpl: Number((ar >> 5n) & 3n), p: (ar & 0x80n) !== 0n,
    g: (ar & 0x8000n) !== 0n, usable: (ar & 0x1_0000n) === 0n,
  };
};

/** Granularity consistent with the limit: low 12 bits not all 1 ⇒ G = 0; any of bits 31:20 set ⇒ G = 1. */
const gLow = (s: Segment): boolean => (s.limit & 0xfffn) === 0xfffn || !s.g;
const gHigh = (s: Segment): boolean => (s.limit & 0xfff0_0000n) === 0n || s.g;

const DATA = ['DS', 'ES', 'FS', 'GS'] as const;
const SIX = ['CS', 'SS', 'DS', 'ES', 'FS', 'GS'] as const;

export const checkGuestSegments: Check = (c) => {
  const seg = {
    ES: read(c, 'ES'), CS: read(c, 'CS'), SS: read(c, 'SS'), DS: read(c, 'DS'),
    FS: read(c, 'FS'), GS: read(c, 'GS'), LDTR: read(c, 'LDTR'), TR: read(c, 'TR'),
  };
  const { CS, SS, TR, LDTR } = seg;
  const v86 = c.v86;
  const ug = c.unrestricted;
  // CS is checked whether usable or not; the others only when usable.
  const applies = (n: (typeof SIX)[number]): boolean => n === 'CS' || seg[n].usable;

  if ((TR.sel & 4n) !== 0n) return 'GUEST.SEG.TR.SEL.TI';
  if (LDTR.usable && (LDTR.sel & 4n) !== 0n) return 'GUEST.SEG.LDTR.SEL.TI';
  if (!v86 && !ug && SS.rpl !== CS.rpl) return 'GUEST.SEG.SS.SEL.RPL';
  if (v86) {
    for (const n of SIX) if (seg[n].base !== seg[n].sel << 4n) return `GUEST.SEG.${n}.BASE.V86`;
  }
  if (c.caps.intel64) {
    const canonical = (v: bigint): boolean => c.caps.canonical(v);
    if (!canonical(TR.base)) return 'GUEST.SEG.TR.BASE.CANON';
    if (!canonical(seg.FS.base)) return 'GUEST.SEG.FS.BASE.CANON';
    if (!canonical(seg.GS.base)) return 'GUEST.SEG.GS.BASE.CANON';
    if (LDTR.usable && !canonical(LDTR.base)) return 'GUEST.SEG.LDTR.BASE.CANON';
    for (const n of ['CS', 'SS', 'DS', 'ES'] as const) {
      if (applies(n) && (seg[n].base >> 32n) !== 0n) return `GUEST.SEG.${n}.BASE.HI`;
    }
  }
  if (v86) {
    for (const n of SIX) if (seg[n].limit !== 0xffffn) return `GUEST.SEG.${n}.LIMIT.V86`;
    for (const n of SIX) if (seg[n].ar !== 0xf3n) return `GUEST.SEG.${n}.AR.V86`;
  } else {
    const csTypes = ug ? [3, 9, 11, 13, 15] : [9, 11, 13, 15];
    if (!csTypes.includes(CS.type)) return 'GUEST.SEG.CS.TYPE';
    if (SS.usable && SS.type !== 3 && SS.type !== 7) return 'GUEST.SEG.SS.TYPE';
    for (const n of DATA) if (seg[n].usable && (seg[n].type & 1) === 0) return `GUEST.SEG.${n}.TYPE.ACC`;
    for (const n of DATA) {
      if (seg[n].usable && (seg[n].type & 8) !== 0 && (seg[n].type & 2) === 0) return `GUEST.SEG.${n}.TYPE.READ`;
    }
    for (const n of SIX) if (applies(n) && !seg[n].s) return `GUEST.SEG.${n}.S`;
    if (CS.type === 3 && CS.dpl !== 0) return 'GUEST.SEG.CS.DPL.TYPE3';
    if ((CS.type === 9 || CS.type === 11) && CS.dpl !== SS.dpl) return 'GUEST.SEG.CS.DPL.NONCONF';
    if ((CS.type === 13 || CS.type === 15) && CS.dpl > SS.dpl) return 'GUEST.SEG.CS.DPL.CONF';
    if (!ug && SS.dpl !== SS.rpl) return 'GUEST.SEG.SS.DPL.RPL';
    if ((CS.type === 3 || (c.f('GUEST_CR0') & 1n) === 0n) && SS.dpl !== 0) return 'GUEST.SEG.SS.DPL.ZERO';
    for (const n of DATA) {
      const s = seg[n];
      if (!ug && s.usable && s.type <= 11 && s.dpl < s.rpl) return `GUEST.SEG.${n}.DPL.RPL`;
    }
    for (const n of SIX) if (applies(n) && !seg[n].p) return `GUEST.SEG.${n}.P`;
    for (const n of SIX) if (applies(n) && (seg[n].ar & 0xf00n) !== 0n) return `GUEST.SEG.${n}.RSVD8`;
    if (c.ia32e && (CS.ar & 0x2000n) !== 0n && (CS.ar & 0x4000n) !== 0n) return 'GUEST.SEG.CS.DB.LONG';
    for (const n of SIX) {
      if (!applies(n)) continue;
      if (!gLow(seg[n])) return `GUEST.SEG.${n}.G.LO`;
      if (!gHigh(seg[n])) return `GUEST.SEG.${n}.G.HI`;
    }
    for (const n of SIX) if (applies(n) && (seg[n].ar >> 17n) !== 0n) return `GUEST.SEG.${n}.RSVD17`;
  }
  // TR
  if (!(TR.type === 11 || (!c.ia32e && TR.type === 3))) return 'GUEST.SEG.TR.TYPE';
  if (TR.s) return 'GUEST.SEG.TR.S';
  if (!TR.p) return 'GUEST.SEG.TR.P';
  if ((TR.ar & 0xf00n) !== 0n) return 'GUEST.SEG.TR.RSVD8';
  if (!gLow(TR)) return 'GUEST.SEG.TR.G.LO';
  if (!gHigh(TR)) return 'GUEST.SEG.TR.G.HI';
  if (!TR.usable) return 'GUEST.SEG.TR.USABLE';
  if ((TR.ar >> 17n) !== 0n) return 'GUEST.SEG.TR.RSVD17';
  // LDTR
  if (LDTR.usable) {
    if (LDTR.type !== 2) return 'GUEST.SEG.LDTR.TYPE';
    if (LDTR.s) return 'GUEST.SEG.LDTR.S';
    if (!LDTR.p) return 'GUEST.SEG.LDTR.P';
    if ((LDTR.ar & 0xf00n) !== 0n) return 'GUEST.SEG.LDTR.RSVD8';
    if (!gLow(LDTR)) return 'GUEST.SEG.LDTR.G.LO';
    if (!gHigh(LDTR)) return 'GUEST.SEG.LDTR.G.HI';
    if ((LDTR.ar >> 17n) !== 0n) return 'GUEST.SEG.LDTR.RSVD17';
  }
  // With CR4.FRED (bit 32) the guest may only be at CPL 0 in 64-bit code or at CPL 3 with IOPL 0.
  if (((c.f('GUEST_CR4') >> 32n) & 1n) === 1n) {
    const iopl = (c.f('GUEST_RFLAGS') >> 12n) & 3n;
    const ok = (SS.dpl === 0 && (CS.ar & 0x2000n) !== 0n) || (SS.dpl === 3 && iopl === 0n);
    if (!ok) return 'GUEST.SEG.FRED.SSDPL';
  }
  return null;
};
