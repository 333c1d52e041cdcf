/**
 * §26.3.1.2 "Checks on Guest Segment Registers": selector, base, limit and access-rights checks on
 * CS, SS, DS, ES, FS, GS, TR and LDTR. Exit reason 33, qualification 0 for every rule.
 *
 * Terms (§26.3.1.2): the guest is virtual-8086 ("v86") when RFLAGS.VM (bit 17) = 1; a register is
 * usable when bit 16 of its access rights is 0. Access-rights layout (§24.4.1): 3:0 type, 4 S,
 * 6:5 DPL, 7 P, 11:8 reserved, 12 AVL, 13 L, 14 D/B, 15 G, 16 unusable, 31:17 reserved.
 *
 * Rules that are the same sentence for several registers are generated per register; the keys stay
 * literal types, so `keyof typeof GUEST_SEGMENTS_CHECKS` is exactly the union of catalog IDs.
 * Not modelled: GUEST.SEG.FRED.SSDPL (its text is unverified, see the post-2016 notes).
 */
import type { FieldName } from '../vmcs/fields.js';
import { X33, type Confidence, type EntryCheckSpec } from './rule.js';

export type GuestSegment = 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDTR' | 'TR';

const sel = (s: GuestSegment): FieldName => `GUEST_${s}_SELECTOR`;
const base = (s: GuestSegment): FieldName => `GUEST_${s}_BASE`;
const limit = (s: GuestSegment): FieldName => `GUEST_${s}_LIMIT`;
const ar = (s: GuestSegment): FieldName => `GUEST_${s}_AR_BYTES`;

type Draft = Pick<EntryCheckSpec, 'statement' | 'precondition' | 'reads' | 'confidence'>;
const rule = (d: Draft): EntryCheckSpec => ({ section: '26.3.1.2', phase: 'guest', failure: X33(0), since: '2016', ...d });

/**
 * One catalog row per (register, rule) pair, register-major: `GUEST.SEG.<S>.<R>` for each S in `segs`,
 * and for each S, each R in `rules` in order (so G.LO and G.HI of one register stay adjacent).
 */
const perSegment = <const S extends GuestSegment, const R extends string>(
  segs: readonly S[], rules: readonly R[], make: (s: S, r: R) => Draft,
): { readonly [K in `GUEST.SEG.${S}.${R}`]: EntryCheckSpec } =>
  Object.fromEntries(segs.flatMap((s) => rules.map((r) => [`GUEST.SEG.${s}.${r}`, rule(make(s, r))]))) as {
    readonly [K in `GUEST.SEG.${S}.${R}`]: EntryCheckSpec;
  };

const SIX = ['CS', 'SS', 'DS', 'ES', 'FS', 'GS'] as const;
const DSEG = ['DS', 'ES', 'FS', 'GS'] as const;
/** Confidence of the SS rows that only the SDM states (Bochs checks them for the other registers). */
const conf = (s: GuestSegment): Confidence => (s === 'SS' ? 'S' : '2+');
const notV86Usable = (s: GuestSegment): string =>
  s === 'CS' ? 'guest not virtual-8086' : `guest not virtual-8086 and ${s} usable`;

export const GUEST_SEGMENTS_CHECKS = {
  // --- selectors
  'GUEST.SEG.TR.SEL.TI': rule({
    statement: 'TR selector TI flag (bit 2) = 0', precondition: 'always', reads: [sel('TR')], confidence: '2+',
  }),
  'GUEST.SEG.LDTR.SEL.TI': rule({
    statement: 'LDTR selector TI flag (bit 2) = 0', precondition: 'LDTR usable', reads: [sel('LDTR'), ar('LDTR')], confidence: '2+',
  }),
  'GUEST.SEG.SS.SEL.RPL': rule({
    statement: 'SS selector RPL (bits 1:0) equals CS selector RPL',
    precondition: 'guest not virtual-8086 and "unrestricted guest" = 0',
    reads: [sel('SS'), sel('CS'), 'GUEST_RFLAGS', 'SECONDARY_VM_EXEC_CONTROL'], confidence: '2+',
  }),
  // --- base addresses
  ...perSegment(SIX, ['BASE.V86'], (s) => ({
    statement: `${s} base = ${s} selector × 16`, precondition: 'guest virtual-8086', reads: [base(s), sel(s), 'GUEST_RFLAGS'], confidence: '2+',
  })),
  ...perSegment(['TR', 'FS', 'GS'], ['BASE.CANON'], (s) => ({
    statement: `${s} base is canonical (checked even when ${s} is unusable)`, precondition: 'Intel 64 processor', reads: [base(s)], confidence: '2+',
  })),
  ...perSegment(['LDTR'], ['BASE.CANON'], (s) => ({
    statement: `${s} base is canonical`, precondition: 'Intel 64 processor and LDTR usable', reads: [base(s), ar(s)], confidence: '2+',
  })),
  ...perSegment(['CS', 'SS', 'DS', 'ES'], ['BASE.HI'], (s) => ({
    statement: `${s} base bits 63:32 are 0`,
    precondition: s === 'CS' ? 'Intel 64 processor' : `Intel 64 processor and ${s} usable`,
    reads: s === 'CS' ? [base(s)] : [base(s), ar(s)], confidence: '2+',
  })),
  // --- limits and access rights in virtual-8086 mode
  ...perSegment(SIX, ['LIMIT.V86'], (s) => ({
    statement: `${s} limit = 0000FFFFH`, precondition: 'guest virtual-8086', reads: [limit(s), 'GUEST_RFLAGS'], confidence: '2+',
  })),
  ...perSegment(SIX, ['AR.V86'], (s) => ({
    statement: `${s} access rights = 000000F3H (type 3, S = 1, DPL 3, P = 1, every other bit 0, so usable)`,
    precondition: 'guest virtual-8086', reads: [ar(s), 'GUEST_RFLAGS'], confidence: '2+',
  })),
  // --- access rights outside virtual-8086 mode: type
  'GUEST.SEG.CS.TYPE': rule({
    statement: 'CS type is 9, 11, 13 or 15 (accessed code); 3 (accessed read/write data) is also allowed when "unrestricted guest" = 1',
    precondition: 'guest not virtual-8086', reads: [ar('CS'), 'GUEST_RFLAGS', 'SECONDARY_VM_EXEC_CONTROL'], confidence: '2+',
  }),
  'GUEST.SEG.SS.TYPE': rule({
    statement: 'SS type is 3 or 7 (accessed read/write data, expand-up or expand-down)',
    precondition: notV86Usable('SS'), reads: [ar('SS'), 'GUEST_RFLAGS'], confidence: 'S',
  }),
  ...perSegment(DSEG, ['TYPE.ACC'], (s) => ({
    statement: `${s} type bit 0 (accessed) = 1`, precondition: notV86Usable(s), reads: [ar(s), 'GUEST_RFLAGS'], confidence: '2+',
  })),
  ...perSegment(DSEG, ['TYPE.READ'], (s) => ({
    statement: `a code segment in ${s} (type bit 3 = 1) is readable (type bit 1 = 1)`,
    precondition: `${notV86Usable(s)} and ${s} type bit 3 = 1`, reads: [ar(s), 'GUEST_RFLAGS'], confidence: '2+',
  })),
  // --- S
  ...perSegment(SIX, ['S'], (s) => ({
    statement: s === 'CS' ? 'CS S bit (4) = 1, even if CS is unusable' : `${s} S bit (4) = 1 (code or data segment)`,
    precondition: notV86Usable(s), reads: [ar(s), 'GUEST_RFLAGS'], confidence: conf(s),
  })),
  // --- DPL
  'GUEST.SEG.CS.DPL.TYPE3': rule({
    statement: 'CS DPL = 0 when CS type is 3 (a real-mode code segment, possible only with "unrestricted guest")',
    precondition: 'guest not virtual-8086 and CS type = 3', reads: [ar('CS'), 'GUEST_RFLAGS'], confidence: '2+',
  }),
  'GUEST.SEG.CS.DPL.NONCONF': rule({
    statement: 'CS DPL equals SS DPL for a non-conforming code segment',
    precondition: 'guest not virtual-8086 and CS type 9 or 11', reads: [ar('CS'), ar('SS'), 'GUEST_RFLAGS'], confidence: '2+',
  }),
  'GUEST.SEG.CS.DPL.CONF': rule({
    statement: 'CS DPL ≤ SS DPL for a conforming code segment',
    precondition: 'guest not virtual-8086 and CS type 13 or 15', reads: [ar('CS'), ar('SS'), 'GUEST_RFLAGS'], confidence: '2+',
  }),
  'GUEST.SEG.SS.DPL.RPL': rule({
    statement: 'SS DPL equals SS selector RPL',
    precondition: 'guest not virtual-8086 and "unrestricted guest" = 0',
    reads: [ar('SS'), sel('SS'), 'GUEST_RFLAGS', 'SECONDARY_VM_EXEC_CONTROL'], confidence: '2+',
  }),
  'GUEST.SEG.SS.DPL.ZERO': rule({
    statement: 'SS DPL = 0 when CS type is 3 or guest CR0.PE = 0 (both possible only with "unrestricted guest")',
    precondition: 'guest not virtual-8086', reads: [ar('SS'), ar('CS'), 'GUEST_CR0', 'GUEST_RFLAGS'], confidence: '2+',
  }),
  ...perSegment(DSEG, ['DPL.RPL'], (s) => ({
    statement: `${s} DPL ≥ ${s} selector RPL for a data or non-conforming code segment`,
    precondition: `${notV86Usable(s)}, "unrestricted guest" = 0 and ${s} type 0–11`,
    reads: [ar(s), sel(s), 'GUEST_RFLAGS', 'SECONDARY_VM_EXEC_CONTROL'], confidence: '2+',
  })),
  // --- P, reserved bits 11:8, D/B, G, reserved bits 31:17
  ...perSegment(SIX, ['P'], (s) => ({
    statement: `${s} P bit (7) = 1`, precondition: notV86Usable(s), reads: [ar(s), 'GUEST_RFLAGS'], confidence: conf(s),
  })),
  ...perSegment(SIX, ['RSVD8'], (s) => ({
    statement: `${s} access-rights bits 11:8 (reserved) are 0`, precondition: notV86Usable(s), reads: [ar(s), 'GUEST_RFLAGS'], confidence: conf(s),
  })),
  'GUEST.SEG.CS.DB.LONG': rule({
    statement: 'CS D/B (bit 14) = 0 for a 64-bit code segment',
    precondition: 'guest not virtual-8086, "IA-32e mode guest" = 1 and CS.L (bit 13) = 1',
    reads: [ar('CS'), 'GUEST_RFLAGS', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  }),
  ...perSegment(SIX, ['G.LO', 'G.HI'], (s, r) => ({
    statement: r === 'G.LO'
      ? `${s} G (bit 15) = 0 when any of ${s} limit bits 11:0 is 0`
      : `${s} G (bit 15) = 1 when any of ${s} limit bits 31:20 is 1`,
    precondition: notV86Usable(s), reads: [ar(s), limit(s), 'GUEST_RFLAGS'], confidence: conf(s),
  })),
  ...perSegment(SIX, ['RSVD17'], (s) => ({
    statement: `${s} access-rights bits 31:17 (reserved) are 0`, precondition: notV86Usable(s), reads: [ar(s), 'GUEST_RFLAGS'], confidence: conf(s),
  })),
  // --- TR
  'GUEST.SEG.TR.TYPE': rule({
    statement: 'TR type is 3 (busy 16-bit TSS) or 11 (busy 32/64-bit TSS); only 11 for an IA-32e mode guest',
    precondition: 'always', reads: [ar('TR'), 'VM_ENTRY_CONTROLS'], confidence: '2+',
  }),
  'GUEST.SEG.TR.S': rule({ statement: 'TR S bit (4) = 0 (system segment)', precondition: 'always', reads: [ar('TR')], confidence: '2+' }),
  'GUEST.SEG.TR.P': rule({ statement: 'TR P bit (7) = 1', precondition: 'always', reads: [ar('TR')], confidence: '2+' }),
  'GUEST.SEG.TR.RSVD8': rule({ statement: 'TR access-rights bits 11:8 (reserved) are 0', precondition: 'always', reads: [ar('TR')], confidence: '2+' }),
  ...perSegment(['TR'], ['G.LO', 'G.HI'], (s, r) => ({
    statement: r === 'G.LO'
      ? `${s} G (bit 15) = 0 when any of ${s} limit bits 11:0 is 0`
      : `${s} G (bit 15) = 1 when any of ${s} limit bits 31:20 is 1`,
    precondition: 'always', reads: [ar(s), limit(s)], confidence: '2+',
  })),
  'GUEST.SEG.TR.USABLE': rule({ statement: 'TR is usable (access-rights bit 16 = 0)', precondition: 'always', reads: [ar('TR')], confidence: '2+' }),
  'GUEST.SEG.TR.RSVD17': rule({ statement: 'TR access-rights bits 31:17 (reserved) are 0', precondition: 'always', reads: [ar('TR')], confidence: '2+' }),
  // --- LDTR (every rule only when LDTR is usable)
  'GUEST.SEG.LDTR.TYPE': rule({ statement: 'LDTR type = 2 (LDT)', precondition: 'LDTR usable', reads: [ar('LDTR')], confidence: '2+' }),
  'GUEST.SEG.LDTR.S': rule({ statement: 'LDTR S bit (4) = 0 (system segment)', precondition: 'LDTR usable', reads: [ar('LDTR')], confidence: '2+' }),
  'GUEST.SEG.LDTR.P': rule({ statement: 'LDTR P bit (7) = 1', precondition: 'LDTR usable', reads: [ar('LDTR')], confidence: '2+' }),
  'GUEST.SEG.LDTR.RSVD8': rule({ statement: 'LDTR access-rights bits 11:8 (reserved) are 0', precondition: 'LDTR usable', reads: [ar('LDTR')], confidence: '2+' }),
  ...perSegment(['LDTR'], ['G.LO', 'G.HI'], (s, r) => ({
    statement: r === 'G.LO'
      ? `${s} G (bit 15) = 0 when any of ${s} limit bits 11:0 is 0`
      : `${s} G (bit 15) = 1 when any of ${s} limit bits 31:20 is 1`,
    precondition: 'LDTR usable', reads: [ar(s), limit(s)], confidence: '2+',
  })),
  'GUEST.SEG.LDTR.RSVD17': rule({ statement: 'LDTR access-rights bits 31:17 (reserved) are 0', precondition: 'LDTR usable', reads: [ar('LDTR')], confidence: '2+' }),
  // --- FRED (newer SDMs; stated by the facts digest from Bochs, conf 1)
  'GUEST.SEG.FRED.SSDPL': {
    ...rule({
      statement: 'SS.DPL is 0 or 3; SS.DPL = 0 requires CS.L = 1, SS.DPL = 3 requires RFLAGS.IOPL = 0',
      precondition: 'guest CR4.FRED (bit 32) = 1', reads: ['GUEST_CR4', ar('SS'), ar('CS'), 'GUEST_RFLAGS'], confidence: '1',
    }),
    section: '26.3.1.2', since: 'post-2016',
  },
} as const satisfies Record<string, EntryCheckSpec>;
