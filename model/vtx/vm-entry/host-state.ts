/**
 * SDM §26.2.2 and §26.2.3: rules HOST.CR0.*, HOST.CR4.*, HOST.CR3.*, HOST.SYSENTER_*, HOST.PERFGLOBAL.*,
 * HOST.PAT.*, HOST.EFER.*, HOST.CR4CET.*, HOST.CET.*, HOST.PKRS.*, HOST.FRED.*, HOST.SEL.*, HOST.BASE.*
 * of the catalog (spec/vtx/vm-entry/host-state.ts).
 */
import type { HOST_STATE_CHECKS } from '../../../spec/vtx/vm-entry/host-state.js';
import { bit, withinPaw } from '../u64.js';
import type { CheckImpl } from './check.js';
import { canonical, F, hi, lo, type EntryEnv } from './env.js';
import { patValid } from './msr-values.js';


const intel64 = (e: EntryEnv) => e.caps.intel64;

const CR0_NW_CD = 0x6000_0000;
const EFER_VALID = 0xd01;
const S_CET_RESERVED = 0x3c0;
const S_CET_SUPPRESS_TRACKER = 0xc00;
const FRED_CONFIG_RESERVED = 0x834;

/** CET values that are linear addresses: canonical for a 64-bit host, within 32 bits otherwise. */
const cetAddress = (e: EntryEnv, field: number): boolean => (e.hasz ? canonical(e, field) : hi(e, field) === 0);

const loadFred = (e: EntryEnv) => e.hasz && bit(e.exit2Lo, 1);
const FRED_RSP = [F.HOST_IA32_FRED_RSP1, F.HOST_IA32_FRED_RSP2, F.HOST_IA32_FRED_RSP3] as const;
const FRED_SSP = [F.HOST_IA32_FRED_SSP1, F.HOST_IA32_FRED_SSP2, F.HOST_IA32_FRED_SSP3] as const;

const rplTi = (field: number): CheckImpl => ({ holds: (e) => (lo(e, field) & 7) === 0 });
const nonNull = (field: number): CheckImpl => ({ holds: (e) => (lo(e, field) & 0xffff) !== 0 });
const canonicalBase = (field: number): CheckImpl => ({ applies: intel64, holds: (e) => canonical(e, field) });

export const HOST_STATE_IMPL = {
  'HOST.CR0.FIXED0': {
    holds: (e) => (~lo(e, F.HOST_CR0) & e.caps.cr0Fixed0Lo & ~CR0_NW_CD) === 0 && (~hi(e, F.HOST_CR0) & e.caps.cr0Fixed0Hi) === 0,
  },
  'HOST.CR0.FIXED1': {
    holds: (e) => (lo(e, F.HOST_CR0) & ~e.caps.cr0Fixed1Lo & ~CR0_NW_CD) === 0 && (hi(e, F.HOST_CR0) & ~e.caps.cr0Fixed1Hi) === 0,
  },
  'HOST.CR4.FIXED0': {
    holds: (e) => (~lo(e, F.HOST_CR4) & e.caps.cr4Fixed0Lo) === 0 && (~hi(e, F.HOST_CR4) & e.caps.cr4Fixed0Hi) === 0,
  },
  'HOST.CR4.FIXED1': {
    holds: (e) => (lo(e, F.HOST_CR4) & ~e.caps.cr4Fixed1Lo) === 0 && (hi(e, F.HOST_CR4) & ~e.caps.cr4Fixed1Hi) === 0,
  },
  'HOST.CR3.PAW': { applies: intel64, holds: (e) => withinPaw(hi(e, F.HOST_CR3), Math.min(e.caps.maxPhysAddr, 52)) },
  'HOST.SYSENTER_ESP.CANON': canonicalBase(F.HOST_IA32_SYSENTER_ESP),
  'HOST.SYSENTER_EIP.CANON': canonicalBase(F.HOST_IA32_SYSENTER_EIP),
  'HOST.PERFGLOBAL.RSVD': {
    applies: (e) => bit(e.exit, 12),
    holds: (e) =>
      (lo(e, F.HOST_IA32_PERF_GLOBAL_CTRL) & ~e.caps.perfGlobalCtrlValidLo) === 0 &&
      (hi(e, F.HOST_IA32_PERF_GLOBAL_CTRL) & ~e.caps.perfGlobalCtrlValidHi) === 0,
  },
  'HOST.PAT.VALID': { applies: (e) => bit(e.exit, 19), holds: (e) => patValid(lo(e, F.HOST_IA32_PAT), hi(e, F.HOST_IA32_PAT)) },
  'HOST.EFER.RSVD': {
    applies: (e) => bit(e.exit, 21),
    holds: (e) => (lo(e, F.HOST_IA32_EFER) & ~EFER_VALID) === 0 && hi(e, F.HOST_IA32_EFER) === 0,
  },
  'HOST.EFER.LMA': { applies: (e) => bit(e.exit, 21), holds: (e) => bit(lo(e, F.HOST_IA32_EFER), 10) === e.hasz },
  'HOST.EFER.LME': { applies: (e) => bit(e.exit, 21), holds: (e) => bit(lo(e, F.HOST_IA32_EFER), 8) === e.hasz },
  'HOST.CR4CET.WP': { applies: (e) => bit(lo(e, F.HOST_CR4), 23), holds: (e) => bit(lo(e, F.HOST_CR0), 16) },
  'HOST.CET.SCET': {
    applies: (e) => bit(e.exit, 28),
    holds: (e) => {
      const v = lo(e, F.HOST_S_CET);
      return (v & S_CET_RESERVED) === 0 && (v & S_CET_SUPPRESS_TRACKER) !== S_CET_SUPPRESS_TRACKER && cetAddress(e, F.HOST_S_CET);
    },
  },
  'HOST.CET.SSP': {
    applies: (e) => bit(e.exit, 28),
    holds: (e) => (lo(e, F.HOST_SSP) & 3) === 0 && cetAddress(e, F.HOST_SSP),
  },
  'HOST.CET.SSPTBL': { applies: (e) => bit(e.exit, 28), holds: (e) => canonical(e, F.HOST_INTR_SSP_TABLE) },
  'HOST.PKRS.RSVD': { applies: (e) => bit(e.exit, 29), holds: (e) => hi(e, F.HOST_IA32_PKRS) === 0 },
  'HOST.FRED.CONFIG.RSVD': { applies: loadFred, holds: (e) => (lo(e, F.HOST_IA32_FRED_CONFIG) & FRED_CONFIG_RESERVED) === 0 },
  // Bits 11:0 do not affect canonicality (N − 1 ≥ 12), so testing the whole value tests bits 63:12.
  'HOST.FRED.CONFIG.CANON': { applies: loadFred, holds: (e) => canonical(e, F.HOST_IA32_FRED_CONFIG) },
  'HOST.FRED.RSP.ALIGN': { applies: loadFred, holds: (e) => FRED_RSP.every((f) => (lo(e, f) & 0x3f) === 0) },
  'HOST.FRED.RSP.CANON': { applies: loadFred, holds: (e) => FRED_RSP.every((f) => canonical(e, f)) },
  'HOST.FRED.SSP.ALIGN': { applies: loadFred, holds: (e) => FRED_SSP.every((f) => (lo(e, f) & 7) === 0) },
  'HOST.FRED.SSP.CANON': { applies: loadFred, holds: (e) => FRED_SSP.every((f) => canonical(e, f)) },
  // KVM's FRED series checks this with the other 32-bit-host rules, whether or not FRED state is loaded.
  'HOST.FRED.CR4': { applies: (e) => intel64(e) && !e.hasz, holds: (e) => !bit(hi(e, F.HOST_CR4), 0) },
  'HOST.SEL.CS.RPLTI': rplTi(F.HOST_CS_SELECTOR),
  'HOST.SEL.SS.RPLTI': rplTi(F.HOST_SS_SELECTOR),
  'HOST.SEL.DS.RPLTI': rplTi(F.HOST_DS_SELECTOR),
  'HOST.SEL.ES.RPLTI': rplTi(F.HOST_ES_SELECTOR),
  'HOST.SEL.FS.RPLTI': rplTi(F.HOST_FS_SELECTOR),
  'HOST.SEL.GS.RPLTI': rplTi(F.HOST_GS_SELECTOR),
  'HOST.SEL.TR.RPLTI': rplTi(F.HOST_TR_SELECTOR),
  'HOST.SEL.CS.NONNULL': nonNull(F.HOST_CS_SELECTOR),
  'HOST.SEL.TR.NONNULL': nonNull(F.HOST_TR_SELECTOR),
  'HOST.SEL.SS.NONNULL': { applies: (e) => !e.hasz, holds: nonNull(F.HOST_SS_SELECTOR).holds },
  'HOST.BASE.FS.CANON': canonicalBase(F.HOST_FS_BASE),
  'HOST.BASE.GS.CANON': canonicalBase(F.HOST_GS_BASE),
  'HOST.BASE.GDTR.CANON': canonicalBase(F.HOST_GDTR_BASE),
  'HOST.BASE.IDTR.CANON': canonicalBase(F.HOST_IDTR_BASE),
  'HOST.BASE.TR.CANON': canonicalBase(F.HOST_TR_BASE),
} satisfies Record<keyof typeof HOST_STATE_CHECKS, CheckImpl>;
