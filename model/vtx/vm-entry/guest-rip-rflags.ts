/**
 * §26.3.1.4 "Checks on Guest RIP and RFLAGS" (rules GUEST.RIP.*, GUEST.RFLAGS.*).
 */
import type { GUEST_RIP_RFLAGS_CHECKS } from '../../../spec/vtx/vm-entry/guest-rip-rflags.js';
import type { CheckImpl } from './check.js';
import { F, hi, lo, type EntryEnv } from './env.js';
import { bitsFromAllEqual } from '../u64.js';

/** CS.L, access-rights bit 13: with "IA-32e mode guest" it selects 64-bit mode (§26.3.1.4). */
const longCode = (e: EntryEnv): boolean => e.ia32e && (lo(e, F.GUEST_CS_AR_BYTES) & (1 << 13)) !== 0;
/** RFLAGS reserved-as-0 bits in 31:0: 31:22, 15, 5, 3. */
const RFLAGS_RSVD0_LO = 0xffc0_0000 | (1 << 15) | (1 << 5) | (1 << 3);
const RFLAGS_IF = 1 << 9;

export const GUEST_RIP_RFLAGS_IMPL = {
  'GUEST.RIP.HI': { applies: (e) => e.caps.intel64 && !longCode(e), holds: (e) => hi(e, F.GUEST_RIP) === 0 },
  'GUEST.RIP.CANON': {
    applies: (e) => e.caps.intel64 && longCode(e) && e.caps.linearAddressWidth < 64,
    holds: (e) => bitsFromAllEqual(lo(e, F.GUEST_RIP), hi(e, F.GUEST_RIP), e.caps.linearAddressWidth),
  },
  'GUEST.RFLAGS.RSVD0': {
    // Without Intel 64 the field holds 32 bits; bits 63:32 exist (and are reserved) only with Intel 64.
    holds: (e) => (lo(e, F.GUEST_RFLAGS) & RFLAGS_RSVD0_LO) === 0 && (!e.caps.intel64 || hi(e, F.GUEST_RFLAGS) === 0),
  },
  'GUEST.RFLAGS.BIT1': { holds: (e) => (lo(e, F.GUEST_RFLAGS) & 2) !== 0 },
  'GUEST.RFLAGS.VM.IA32E': { applies: (e) => e.ia32e, holds: (e) => !e.v86 },
  'GUEST.RFLAGS.VM.REAL': { applies: (e) => (lo(e, F.GUEST_CR0) & 1) === 0, holds: (e) => !e.v86 },
  'GUEST.RFLAGS.IF.EXTINT': {
    applies: (e) => e.injecting && e.injType === 0,
    holds: (e) => (lo(e, F.GUEST_RFLAGS) & RFLAGS_IF) !== 0,
  },
} satisfies Record<keyof typeof GUEST_RIP_RFLAGS_CHECKS, CheckImpl>;
