/**
 * §26.3.1.1 "Checks on Guest Control Registers, Debug Registers, and MSRs" (rules GUEST.CR0.* …
 * GUEST.FRED.*), including the post-2016 CET, PKRS, UINV and FRED guest rules.
 */
import type { GUEST_CONTROL_REGISTERS_CHECKS } from '../../../spec/vtx/vm-entry/guest-control-registers.js';
import type { CheckImpl } from './check.js';
import { canonical, F, hi, lo, type EntryEnv } from './env.js';
import { patValid } from './msr-values.js';
import { bit, bitsFromAllEqual, withinPaw } from '../u64.js';

const CR0_PE = 1 << 0;
const CR0_WP = 1 << 16;
const CR0_NW_CD = (1 << 29) | (1 << 30);
const CR0_PG = 1 << 31;
const CR4_PAE = 5;
const CR4_PCIDE = 17;
const CR4_CET = 23;
/** CR4.FRED is bit 32: bit 0 of the high half. */
const CR4_HI_FRED = 0;

const ENTRY_LOAD_DEBUG_CONTROLS = 2;
const ENTRY_LOAD_PERF_GLOBAL_CTRL = 13;
const ENTRY_LOAD_PAT = 14;
const ENTRY_LOAD_EFER = 15;
const ENTRY_LOAD_BNDCFGS = 16;
const ENTRY_LOAD_UINV = 19;
const ENTRY_LOAD_CET = 20;
const ENTRY_LOAD_PKRS = 22;
const ENTRY_LOAD_FRED = 23;

/** IA32_EFER: only SCE (0), LME (8), LMA (10) and NXE (11) are defined (Vol. 3A §2.2.1). */
const EFER_DEFINED = (1 << 0) | (1 << 8) | (1 << 10) | (1 << 11);
const EFER_LME = 8;
const EFER_LMA = 10;
/** IA32_S_CET bits 9:6 are reserved; SUPPRESS (10) and TRACKER (11) may not both be set. */
const S_CET_RESERVED = 0x3c0;
const S_CET_SUPPRESS_TRACKER = 0xc00;
/** IA32_FRED_CONFIG reserved bits 11, 5:4, 2 (post-2016 notes, §3 FRED rules). */
const FRED_CONFIG_RESERVED = 0x834;

const entryBit = (n: number) => (e: EntryEnv): boolean => bit(e.entry, n);
const intel64 = (e: EntryEnv): boolean => e.caps.intel64;
const canonicalField = (field: number) => (e: EntryEnv): boolean => canonical(e, field);
const allCanonical = (fields: readonly number[]) => (e: EntryEnv): boolean => fields.every((f) => canonicalField(f)(e));
const allAligned = (fields: readonly number[], lowMask: number) => (e: EntryEnv): boolean => fields.every((f) => (lo(e, f) & lowMask) === 0);

/** The FRED MSR rules apply to a 64-bit guest that loads FRED state (KVM FRED series; post-2016 notes §3). */
const loadFred = (e: EntryEnv): boolean => e.ia32e && bit(e.entry, ENTRY_LOAD_FRED);
const FRED_RSP = [F.GUEST_IA32_FRED_RSP1, F.GUEST_IA32_FRED_RSP2, F.GUEST_IA32_FRED_RSP3] as const;
const FRED_SSP = [F.GUEST_IA32_FRED_SSP1, F.GUEST_IA32_FRED_SSP2, F.GUEST_IA32_FRED_SSP3] as const;

export const GUEST_CONTROL_REGISTERS_IMPL = {
  'GUEST.CR0.FIXED0': {
    holds: (e) => {
      // Footnotes 2 and 3 of §26.3.1.1: PE and PG are exempt when "unrestricted guest" is in effect.
      const need = e.caps.cr0Fixed0Lo & (e.ug ? ~(CR0_PE | CR0_PG) : ~0);
      return (need & ~lo(e, F.GUEST_CR0)) === 0 && (e.caps.cr0Fixed0Hi & ~hi(e, F.GUEST_CR0)) === 0;
    },
  },
  'GUEST.CR0.FIXED1': {
    // NW and CD keep their current values across VM entry (§26.3.2.1), hence are never checked.
    holds: (e) => (lo(e, F.GUEST_CR0) & ~e.caps.cr0Fixed1Lo & ~CR0_NW_CD) === 0 && (hi(e, F.GUEST_CR0) & ~e.caps.cr0Fixed1Hi) === 0,
  },
  'GUEST.CR0.PG_PE': {
    holds: (e) => (lo(e, F.GUEST_CR0) & CR0_PG) === 0 || (lo(e, F.GUEST_CR0) & CR0_PE) !== 0,
  },
  'GUEST.CR4.FIXED0': {
    holds: (e) => (e.caps.cr4Fixed0Lo & ~lo(e, F.GUEST_CR4)) === 0 && (e.caps.cr4Fixed0Hi & ~hi(e, F.GUEST_CR4)) === 0,
  },
  'GUEST.CR4.FIXED1': {
    holds: (e) => (lo(e, F.GUEST_CR4) & ~e.caps.cr4Fixed1Lo) === 0 && (hi(e, F.GUEST_CR4) & ~e.caps.cr4Fixed1Hi) === 0,
  },
  'GUEST.DEBUGCTL.RSVD': {
    applies: entryBit(ENTRY_LOAD_DEBUG_CONTROLS),
    holds: (e) =>
      (lo(e, F.GUEST_IA32_DEBUGCTL) & ~e.caps.debugctlValidLo) === 0 && (hi(e, F.GUEST_IA32_DEBUGCTL) & ~e.caps.debugctlValidHi) === 0,
  },
  'GUEST.IA32E.PG': {
    applies: (e) => e.caps.intel64 && e.ia32e,
    holds: (e) => bit(lo(e, F.GUEST_CR0), 31),
  },
  'GUEST.IA32E.PAE': {
    applies: (e) => e.caps.intel64 && e.ia32e,
    holds: (e) => bit(lo(e, F.GUEST_CR4), CR4_PAE),
  },
  'GUEST.NOIA32E.PCIDE': {
    applies: (e) => e.caps.intel64 && !e.ia32e,
    holds: (e) => !bit(lo(e, F.GUEST_CR4), CR4_PCIDE),
  },
  'GUEST.CR3.PAW': {
    // Bit 63 is included even though MOV to CR3 uses it as a no-flush hint with PCIDE (footnote 5).
    applies: intel64,
    holds: (e) => withinPaw(hi(e, F.GUEST_CR3), e.caps.maxPhysAddr),
  },
  'GUEST.DR7.HI': {
    applies: (e) => e.caps.intel64 && bit(e.entry, ENTRY_LOAD_DEBUG_CONTROLS),
    holds: (e) => hi(e, F.GUEST_DR7) === 0,
  },
  'GUEST.SYSENTER_ESP.CANON': { applies: intel64, holds: canonicalField(F.GUEST_SYSENTER_ESP) },
  'GUEST.SYSENTER_EIP.CANON': { applies: intel64, holds: canonicalField(F.GUEST_SYSENTER_EIP) },
  'GUEST.PERFGLOBAL.RSVD': {
    applies: entryBit(ENTRY_LOAD_PERF_GLOBAL_CTRL),
    holds: (e) =>
      (lo(e, F.GUEST_IA32_PERF_GLOBAL_CTRL) & ~e.caps.perfGlobalCtrlValidLo) === 0 &&
      (hi(e, F.GUEST_IA32_PERF_GLOBAL_CTRL) & ~e.caps.perfGlobalCtrlValidHi) === 0,
  },
  'GUEST.PAT.VALID': {
    applies: entryBit(ENTRY_LOAD_PAT),
    holds: (e) => patValid(lo(e, F.GUEST_IA32_PAT), hi(e, F.GUEST_IA32_PAT)),
  },
  'GUEST.EFER.RSVD': {
    applies: entryBit(ENTRY_LOAD_EFER),
    holds: (e) => (lo(e, F.GUEST_IA32_EFER) & ~EFER_DEFINED) === 0 && hi(e, F.GUEST_IA32_EFER) === 0,
  },
  'GUEST.EFER.LMA': {
    applies: entryBit(ENTRY_LOAD_EFER),
    holds: (e) => bit(lo(e, F.GUEST_IA32_EFER), EFER_LMA) === e.ia32e,
  },
  'GUEST.EFER.LME': {
    applies: (e) => bit(e.entry, ENTRY_LOAD_EFER) && bit(lo(e, F.GUEST_CR0), 31),
    holds: (e) => bit(lo(e, F.GUEST_IA32_EFER), EFER_LME) === bit(lo(e, F.GUEST_IA32_EFER), EFER_LMA),
  },
  'GUEST.BNDCFGS.RSVD': {
    applies: entryBit(ENTRY_LOAD_BNDCFGS),
    holds: (e) => (lo(e, F.GUEST_BNDCFGS) & 0xffc) === 0,
  },
  'GUEST.BNDCFGS.BASE': {
    // Canonicality looks only at bits 63:N-1, so the low 12 bits (enable, preserve, reserved) do not matter.
    applies: entryBit(ENTRY_LOAD_BNDCFGS),
    holds: canonicalField(F.GUEST_BNDCFGS),
  },
  'GUEST.CR4CET.WP': {
    holds: (e) => !bit(lo(e, F.GUEST_CR4), CR4_CET) || (lo(e, F.GUEST_CR0) & CR0_WP) !== 0,
  },
  'GUEST.CET.SCET': {
    applies: entryBit(ENTRY_LOAD_CET),
    holds: (e) => {
      const v = lo(e, F.GUEST_S_CET);
      return (v & S_CET_RESERVED) === 0 && (v & S_CET_SUPPRESS_TRACKER) !== S_CET_SUPPRESS_TRACKER;
    },
  },
  'GUEST.CET.SSP': {
    applies: entryBit(ENTRY_LOAD_CET),
    holds: (e) => (lo(e, F.GUEST_SSP) & 3) === 0 && bitsFromAllEqual(lo(e, F.GUEST_SSP), hi(e, F.GUEST_SSP), e.caps.linearAddressWidth),
  },
  'GUEST.CET.SSPTBL': { applies: entryBit(ENTRY_LOAD_CET), holds: canonicalField(F.GUEST_INTR_SSP_TABLE) },
  'GUEST.PKRS.RSVD': { applies: entryBit(ENTRY_LOAD_PKRS), holds: (e) => hi(e, F.GUEST_IA32_PKRS) === 0 },
  'GUEST.UINV.RANGE': { applies: entryBit(ENTRY_LOAD_UINV), holds: (e) => lo(e, F.GUEST_UINV) <= 0xff },
  'GUEST.FRED.CONFIG.RSVD': {
    applies: loadFred,
    holds: (e) => (lo(e, F.GUEST_IA32_FRED_CONFIG) & FRED_CONFIG_RESERVED) === 0,
  },
  'GUEST.FRED.CONFIG.CANON': { applies: loadFred, holds: canonicalField(F.GUEST_IA32_FRED_CONFIG) },
  'GUEST.FRED.RSP.ALIGN': { applies: loadFred, holds: allAligned(FRED_RSP, 0x3f) },
  'GUEST.FRED.RSP.CANON': { applies: loadFred, holds: allCanonical(FRED_RSP) },
  'GUEST.FRED.SSP.ALIGN': { applies: loadFred, holds: allAligned(FRED_SSP, 0x7) },
  'GUEST.FRED.SSP.CANON': { applies: loadFred, holds: allCanonical(FRED_SSP) },
  'GUEST.FRED.CR4.IA32E': {
    holds: (e) => !bit(hi(e, F.GUEST_CR4), CR4_HI_FRED) || e.ia32e,
  },
} satisfies Record<keyof typeof GUEST_CONTROL_REGISTERS_CHECKS, CheckImpl>;
