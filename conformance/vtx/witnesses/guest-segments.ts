/**
 * Witnesses for SDM §26.3.1.2 (spec/vtx/vm-entry/guest-segments.ts): each edits a valid baseline so
 * that exactly that rule fails. Access rights are edited bit by bit relative to the baseline, and the
 * coupled rules are kept satisfied: the G-bit rules change limit and G together, the DPL/RPL rules
 * keep CS.RPL = SS.RPL and CS.DPL = SS.DPL where they are not the point.
 */
import type { GuestSegment, GUEST_SEGMENTS_CHECKS } from '../../../spec/vtx/vm-entry/guest-segments.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import { patch, seq } from './edit.js';
import type { EntryWitness } from './witness.js';

type Edit = (s: VtxState) => VtxState;
type Update = (old: bigint) => bigint;

const ar = (s: GuestSegment, f: Update): Edit => patch({ [`GUEST_${s}_AR_BYTES`]: f } as Partial<Record<FieldName, Update>>);
const sel = (s: GuestSegment, f: Update): Edit => patch({ [`GUEST_${s}_SELECTOR`]: f } as Partial<Record<FieldName, Update>>);
const or = (m: bigint): Update => (v) => v | m;
const andNot = (m: bigint): Update => (v) => v & ~m;
/** Replace the type field (access rights 3:0). */
const withType = (t: bigint): Update => (v) => (v & ~0xfn) | t;
/** Replace the DPL (access rights 6:5). */
const withDpl = (d: bigint): Update => (v) => (v & ~0x60n) | (d << 5n);
const fields = (s: GuestSegment, v: { sel?: bigint; base?: bigint; limit?: bigint; ar?: bigint }): Partial<Record<FieldName, bigint>> => ({
  ...(v.sel === undefined ? {} : { [`GUEST_${s}_SELECTOR`]: v.sel }),
  ...(v.base === undefined ? {} : { [`GUEST_${s}_BASE`]: v.base }),
  ...(v.limit === undefined ? {} : { [`GUEST_${s}_LIMIT`]: v.limit }),
  ...(v.ar === undefined ? {} : { [`GUEST_${s}_AR_BYTES`]: v.ar }),
});

const S = 0x10n;
const P = 0x80n;
const G = 0x8000n;
const RSVD8 = 0x100n;
const RSVD17 = 0x2_0000n;
const UNUSABLE = 0x1_0000n;
const NON_CANONICAL = 0x0000_8000_0000_0000n;

/** A usable LDT: type 2, P = 1, byte granular, limit FFFFH, base 0, selector 8 (TI = 0). */
const LDTR_OK = { sel: 0x8n, base: 0n, limit: 0xffffn, ar: 0x82n };
const ldtr = (v: Partial<typeof LDTR_OK>): EntryWitness => ({ fields: fields('LDTR', { ...LDTR_OK, ...v }) });

type Six = 'CS' | 'SS' | 'DS' | 'ES' | 'FS' | 'GS';
const each = <const S extends Six, const R extends string>(segs: readonly S[], r: R, make: (s: S) => EntryWitness) =>
  Object.fromEntries(segs.map((s) => [`GUEST.SEG.${s}.${r}`, make(s)])) as Record<`GUEST.SEG.${S}.${R}`, EntryWitness>;
const SIX = ['CS', 'SS', 'DS', 'ES', 'FS', 'GS'] as const;
const DSEG = ['DS', 'ES', 'FS', 'GS'] as const;

/** G = 1 with a limit whose bits 11:0 are not all ones (bits 31:20 are, so G.HI holds). */
const breakGLow = (s: GuestSegment): Partial<Record<FieldName, bigint>> => ({ [`GUEST_${s}_LIMIT`]: 0xffff_fffen });
/** G = 0 with a limit above 20 bits (bits 11:0 all ones, so G.LO holds). */
const breakGHigh = (s: GuestSegment): Partial<Record<FieldName, bigint>> => ({ [`GUEST_${s}_LIMIT`]: 0x10_0fffn });

export const GUEST_SEGMENTS_WITNESSES = {
  'GUEST.SEG.TR.SEL.TI': { edit: sel('TR', or(4n)) },
  'GUEST.SEG.LDTR.SEL.TI': ldtr({ sel: 0xcn }),
  // CS.RPL is compared only with SS.RPL: changing it alone breaks just this rule.
  'GUEST.SEG.SS.SEL.RPL': { edit: sel('CS', or(3n)) },
  ...each(SIX, 'BASE.V86', (s) => ({ baseline: 'v86', edit: patch({ [`GUEST_${s}_BASE`]: (v: bigint) => v + 0x10n }) })),
  'GUEST.SEG.TR.BASE.CANON': { fields: { GUEST_TR_BASE: NON_CANONICAL } },
  'GUEST.SEG.FS.BASE.CANON': { fields: { GUEST_FS_BASE: NON_CANONICAL } },
  'GUEST.SEG.GS.BASE.CANON': { fields: { GUEST_GS_BASE: NON_CANONICAL } },
  'GUEST.SEG.LDTR.BASE.CANON': ldtr({ base: NON_CANONICAL }),
  // 1_0000_0000H is canonical, so only the 63:32 rule fails.
  ...each(['CS', 'SS', 'DS', 'ES'], 'BASE.HI', (s) => ({ fields: { [`GUEST_${s}_BASE`]: 1n << 32n } })),
  ...each(SIX, 'LIMIT.V86', (s) => ({ baseline: 'v86', fields: { [`GUEST_${s}_LIMIT`]: 0xfffen } })),
  // AVL (bit 12) set: the only difference from F3H.
  ...each(SIX, 'AR.V86', (s) => ({ baseline: 'v86', edit: ar(s, or(0x1000n)) })),
  // Type 10: execute/read code, not accessed.
  'GUEST.SEG.CS.TYPE': { edit: ar('CS', withType(10n)) },
  // Type 1: read-only data.
  'GUEST.SEG.SS.TYPE': { edit: ar('SS', withType(1n)) },
  ...each(DSEG, 'TYPE.ACC', (s) => ({ edit: ar(s, withType(2n)) })),
  // Type 9: execute-only code, accessed.
  ...each(DSEG, 'TYPE.READ', (s) => ({ edit: ar(s, withType(9n)) })),
  ...each(SIX, 'S', (s) => ({ edit: ar(s, andNot(S)) })),
  // Type 3 with DPL 3 needs unrestricted guest (for the type); SS.DPL stays 0.
  'GUEST.SEG.CS.DPL.TYPE3': { baseline: 'unrestricted-real', edit: ar('CS', (v) => withDpl(3n)(withType(3n)(v))) },
  'GUEST.SEG.CS.DPL.NONCONF': { edit: ar('CS', withDpl(3n)) },
  // Conforming code (type 15) with DPL 3 > SS.DPL 0.
  'GUEST.SEG.CS.DPL.CONF': { edit: ar('CS', (v) => withDpl(3n)(withType(15n)(v))) },
  // RPL 3 in both SS and CS selectors (SS.SEL.RPL holds), DPLs stay 0.
  'GUEST.SEG.SS.DPL.RPL': { edit: seq(sel('SS', or(3n)), sel('CS', or(3n))) },
  // Real mode under unrestricted guest; CS made type 3 so that CS.DPL.NONCONF does not tie CS.DPL to SS.DPL.
  'GUEST.SEG.SS.DPL.ZERO': { baseline: 'unrestricted-real', edit: seq(ar('SS', withDpl(3n)), ar('CS', withType(3n))) },
  ...each(DSEG, 'DPL.RPL', (s) => ({ edit: sel(s, or(3n)) })),
  ...each(SIX, 'P', (s) => ({ edit: ar(s, andNot(P)) })),
  ...each(SIX, 'RSVD8', (s) => ({ edit: ar(s, or(RSVD8)) })),
  'GUEST.SEG.CS.DB.LONG': { edit: ar('CS', or(0x4000n)) },
  ...each(SIX, 'G.LO', (s) => ({ fields: breakGLow(s), edit: ar(s, or(G)) })),
  ...each(SIX, 'G.HI', (s) => ({ fields: breakGHigh(s), edit: ar(s, andNot(G)) })),
  ...each(SIX, 'RSVD17', (s) => ({ edit: ar(s, or(RSVD17)) })),
  // Busy 16-bit TSS: allowed only outside IA-32e mode.
  'GUEST.SEG.TR.TYPE': { edit: ar('TR', withType(3n)) },
  'GUEST.SEG.TR.S': { edit: ar('TR', or(S)) },
  'GUEST.SEG.TR.P': { edit: ar('TR', andNot(P)) },
  'GUEST.SEG.TR.RSVD8': { edit: ar('TR', or(RSVD8)) },
  'GUEST.SEG.TR.G.LO': { fields: { GUEST_TR_LIMIT: 0x67n }, edit: ar('TR', or(G)) },
  'GUEST.SEG.TR.G.HI': { fields: breakGHigh('TR'), edit: ar('TR', andNot(G)) },
  'GUEST.SEG.TR.USABLE': { edit: ar('TR', or(UNUSABLE)) },
  'GUEST.SEG.TR.RSVD17': { edit: ar('TR', or(RSVD17)) },
  'GUEST.SEG.LDTR.TYPE': ldtr({ ar: 0x83n }),
  'GUEST.SEG.LDTR.S': ldtr({ ar: 0x92n }),
  'GUEST.SEG.LDTR.P': ldtr({ ar: 0x02n }),
  'GUEST.SEG.LDTR.RSVD8': ldtr({ ar: 0x82n | RSVD8 }),
  'GUEST.SEG.LDTR.G.LO': ldtr({ limit: 0xfffen, ar: 0x82n | G }),
  'GUEST.SEG.LDTR.G.HI': ldtr({ limit: 0x10_0fffn }),
  'GUEST.SEG.LDTR.RSVD17': ldtr({ ar: 0x82n | RSVD17 }),
  // CR4.FRED with a compatibility-mode CS (L = 0, D = 1) at SS.DPL 0.
  'GUEST.SEG.FRED.SSDPL': { fields: { GUEST_CR4: 0x1_0000_2020n, GUEST_CS_AR_BYTES: 0xc09bn } },
} satisfies Record<keyof typeof GUEST_SEGMENTS_CHECKS, EntryWitness>;
