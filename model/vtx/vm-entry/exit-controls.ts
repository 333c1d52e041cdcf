/**
 * SDM §26.2.1.2: rules CTL.EXIT.*, CTL.EXIT2.* of the catalog (spec/vtx/vm-entry/exit-controls.ts).
 * The MSR-area helpers are shared with the VM-entry MSR-load rules of §26.2.1.3.
 */
import type { EXIT_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/exit-controls.js';
import { bit, toNumber, withinPaw } from '../u64.js';
import type { CheckImpl } from './check.js';
import { F, hi, lo, type EntryEnv } from './env.js';
import { structureWidth } from './execution-controls.js';

/** An MSR area's address: 16-byte aligned and fits in `width` bits. */
export const msrAreaAligned = (addrLo: number, addrHi: number, width: number): boolean =>
  (addrLo & 0xf) === 0 && withinPaw(addrHi, width);

/**
 * The last byte of an MSR area of `count` 16-byte entries, address + 16·count − 1, computed without
 * wrap around 2^64, has no bit at or above `width`. Once the address itself fits (< 2^52), the sum is
 * below 2^53 and so exact as a float.
 */
export const msrAreaEndWithin = (addrLo: number, addrHi: number, count: number, width: number): boolean =>
  withinPaw(addrHi, width) && toNumber(addrLo, addrHi) + count * 16 - 1 < 2 ** width;

const areaAligned = (e: EntryEnv, addr: number) => msrAreaAligned(lo(e, addr), hi(e, addr), structureWidth(e));
const areaEnd = (e: EntryEnv, addr: number, count: number) =>
  msrAreaEndWithin(lo(e, addr), hi(e, addr), lo(e, count), structureWidth(e));

export const EXIT_CONTROLS_IMPL = {
  'CTL.EXIT.RSVD0': { holds: (e) => (~e.exit & e.caps.exit0) === 0 },
  'CTL.EXIT.RSVD1': { holds: (e) => (e.exit & ~e.caps.exit1) === 0 },
  'CTL.EXIT2.RSVD': {
    applies: (e) => bit(e.exit, 31),
    holds: (e) => (e.exit2Lo & ~e.caps.exit2_1Lo) === 0 && (e.exit2Hi & ~e.caps.exit2_1Hi) === 0,
  },
  'CTL.EXIT.SAVETIMER': { applies: (e) => !bit(e.pin, 6), holds: (e) => !bit(e.exit, 22) },
  'CTL.EXIT.MSRSTORE.ALIGN': {
    applies: (e) => lo(e, F.VM_EXIT_MSR_STORE_COUNT) !== 0,
    holds: (e) => areaAligned(e, F.VM_EXIT_MSR_STORE_ADDR),
  },
  'CTL.EXIT.MSRSTORE.END': {
    applies: (e) => lo(e, F.VM_EXIT_MSR_STORE_COUNT) !== 0,
    holds: (e) => areaEnd(e, F.VM_EXIT_MSR_STORE_ADDR, F.VM_EXIT_MSR_STORE_COUNT),
  },
  'CTL.EXIT.MSRLOAD.ALIGN': {
    applies: (e) => lo(e, F.VM_EXIT_MSR_LOAD_COUNT) !== 0,
    holds: (e) => areaAligned(e, F.VM_EXIT_MSR_LOAD_ADDR),
  },
  'CTL.EXIT.MSRLOAD.END': {
    applies: (e) => lo(e, F.VM_EXIT_MSR_LOAD_COUNT) !== 0,
    holds: (e) => areaEnd(e, F.VM_EXIT_MSR_LOAD_ADDR, F.VM_EXIT_MSR_LOAD_COUNT),
  },
} satisfies Record<keyof typeof EXIT_CONTROLS_CHECKS, CheckImpl>;
