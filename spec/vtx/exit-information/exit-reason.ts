/**
 * The 32-bit exit-reason field (encoding 4402H; SDM §24.9.1, written by §27.2.1). The 2016 bits are
 * defined once, in ../exit-reasons.ts (EXIT_REASON_LAYOUT); this file only restates them in the
 * BitField form the other layouts use, and adds the two bits newer processors define (facts C1;
 * bit 25 from Bochs, bit 26 from Bochs, Linux and Xen; marked `since: 'post-2016'`).
 */

import { EXIT_REASON_LAYOUT, decodeExitReason, type DecodedExitReason } from '../exit-reasons.js';
import type { BitField } from './layout.js';

export const EXIT_REASON_FIELD = { encoding: 0x4402, width: 32, section: '24.9.1' } as const;

type LayoutKey = keyof typeof EXIT_REASON_LAYOUT;

/** The 2016 bits, derived from EXIT_REASON_LAYOUT so the two can never disagree. */
export const EXIT_REASON_FIELDS_2016: readonly BitField[] = (Object.keys(EXIT_REASON_LAYOUT) as LayoutKey[]).map((name) => ({
  name,
  bits: EXIT_REASON_LAYOUT[name].bits,
  meaning: EXIT_REASON_LAYOUT[name].meaning,
}));

/** Bits added after the 2016 edition; every other bit outside both lists is cleared to 0. */
export const EXIT_REASON_FIELDS_LATER = [
  { name: 'shadowStackBusy', bits: [25, 25], meaning: 'the exit left a shadow stack prematurely busy (reported only when secondary VM-exit control bit 3 is 1)', since: 'post-2016', section: '24.9.1 (post-2016)' },
  { name: 'busLockDetected', bits: [26, 26], meaning: 'a bus lock was asserted by the guest before this exit (bus-lock detection)', since: 'post-2016', section: '24.9.1 (post-2016)' },
] as const satisfies readonly (BitField & { since: 'post-2016'; section: string })[];

export interface DecodedExitReasonFull extends DecodedExitReason {
  readonly shadowStackBusy: boolean;
  readonly busLockDetected: boolean;
}

/** decodeExitReason of ../exit-reasons.ts, plus the post-2016 bits. */
export const decodeExitReasonField = (value: number): DecodedExitReasonFull => ({
  ...decodeExitReason(value),
  shadowStackBusy: ((value >>> 25) & 1) === 1,
  busLockDetected: ((value >>> 26) & 1) === 1,
});
