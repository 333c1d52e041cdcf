/**
 * SDM §26.2.1.3: rules CTL.ENTRY.*, CTL.INJ.* of the catalog (spec/vtx/vm-entry/entry-controls.ts).
 * Every CTL.INJ.* rule applies only while the interruption-information field is valid (bit 31).
 */
import type { ENTRY_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/entry-controls.js';
import { bit } from '../u64.js';
import type { CheckImpl } from './check.js';
import { F, hi, lo, type EntryEnv } from './env.js';
import { structureWidth } from './execution-controls.js';
import { msrAreaAligned, msrAreaEndWithin } from './exit-controls.js';

const HW_EXCEPTION = 3;
const OTHER_EVENT = 7;
/** #DF, #TS, #NP, #SS, #GP, #PF, #AC: the exceptions that push an error code (§6.15 of Vol. 3A). */
const ERROR_CODE_VECTORS = (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17);

const deliversErrorCode = (e: EntryEnv) => bit(lo(e, F.VM_ENTRY_INTR_INFO_FIELD), 11);
const softwareEvent = (e: EntryEnv) => e.injecting && e.injType >= 4 && e.injType <= 6;
/** Real-address-mode guests (unrestricted guest with CR0.PE = 0) never get an error code (§26.2.1.3). */
const protectedGuest = (e: EntryEnv) => !e.ug || bit(lo(e, F.GUEST_CR0), 0);
const errorCodeVector = (e: EntryEnv) => e.injVector < 32 && bit(ERROR_CODE_VECTORS, e.injVector);

const msrLoadCount = (e: EntryEnv) => lo(e, F.VM_ENTRY_MSR_LOAD_COUNT);

export const ENTRY_CONTROLS_IMPL = {
  'CTL.ENTRY.RSVD0': { holds: (e) => (~e.entry & e.caps.entry0) === 0 },
  'CTL.ENTRY.RSVD1': { holds: (e) => (e.entry & ~e.caps.entry1) === 0 },
  'CTL.INJ.TYPE1': { applies: (e) => e.injecting, holds: (e) => e.injType !== 1 },
  'CTL.INJ.TYPE7': { applies: (e) => e.injecting && e.injType === OTHER_EVENT, holds: (e) => bit(e.caps.proc1, 27) },
  'CTL.INJ.NMI.VEC': { applies: (e) => e.injecting && e.injType === 2, holds: (e) => e.injVector === 2 },
  'CTL.INJ.HWEXC.VEC': { applies: (e) => e.injecting && e.injType === HW_EXCEPTION, holds: (e) => e.injVector <= 31 },
  'CTL.INJ.OTHER.VEC': { applies: (e) => e.injecting && e.injType === OTHER_EVENT, holds: (e) => e.injVector === 0 },
  'CTL.INJ.ERRCODE.REQ': {
    applies: (e) =>
      e.injecting && !e.caps.errorCodeAnyVector && protectedGuest(e) && e.injType === HW_EXCEPTION && errorCodeVector(e),
    holds: deliversErrorCode,
  },
  'CTL.INJ.ERRCODE.FORBID': {
    applies: (e) =>
      e.injecting && !(protectedGuest(e) && e.injType === HW_EXCEPTION && (e.caps.errorCodeAnyVector || errorCodeVector(e))),
    holds: (e) => !deliversErrorCode(e),
  },
  'CTL.INJ.RSVD': { applies: (e) => e.injecting, holds: (e) => (lo(e, F.VM_ENTRY_INTR_INFO_FIELD) & 0x7fff_f000) === 0 },
  'CTL.INJ.ERRCODE.RSVD': {
    applies: (e) => e.injecting && deliversErrorCode(e),
    holds: (e) => (lo(e, F.VM_ENTRY_EXCEPTION_ERROR_CODE) & e.caps.profile.choices.entryErrorCodeReservedMask) === 0,
  },
  'CTL.INJ.ILEN.RANGE': { applies: softwareEvent, holds: (e) => lo(e, F.VM_ENTRY_INSTRUCTION_LEN) <= 15 },
  'CTL.INJ.ILEN.ZERO': {
    applies: (e) => softwareEvent(e) && !e.caps.zeroLengthInjection,
    holds: (e) => lo(e, F.VM_ENTRY_INSTRUCTION_LEN) !== 0,
  },
  'CTL.ENTRY.MSRLOAD.ALIGN': {
    applies: (e) => msrLoadCount(e) !== 0,
    holds: (e) => msrAreaAligned(lo(e, F.VM_ENTRY_MSR_LOAD_ADDR), hi(e, F.VM_ENTRY_MSR_LOAD_ADDR), structureWidth(e)),
  },
  'CTL.ENTRY.MSRLOAD.END': {
    applies: (e) => msrLoadCount(e) !== 0,
    holds: (e) =>
      msrAreaEndWithin(lo(e, F.VM_ENTRY_MSR_LOAD_ADDR), hi(e, F.VM_ENTRY_MSR_LOAD_ADDR), msrLoadCount(e), structureWidth(e)),
  },
  'CTL.ENTRY.SMM.OUTSIDE': { applies: (e) => !e.inSmm, holds: (e) => (e.entry & 0xc00) === 0 },
  'CTL.ENTRY.SMM.BOTH': { holds: (e) => (e.entry & 0xc00) !== 0xc00 },
} satisfies Record<keyof typeof ENTRY_CONTROLS_CHECKS, CheckImpl>;
