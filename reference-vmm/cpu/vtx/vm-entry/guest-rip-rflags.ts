/** Checks on guest RIP and RFLAGS (SDM §26.3.1.4). Failure: exit reason 33, qualification 0. */
import { bitOf, type Check } from './context.js';

/** RFLAGS bits that must be 0: 63:22, 15, 5, 3. */
const RFLAGS_RESERVED = 0xffff_ffff_ffc0_0000n | (1n << 15n) | (1n << 5n) | (1n << 3n);

export const checkGuestRipRflags: Check = (c) => {
  const rip = c.f('GUEST_RIP');
  const csL = bitOf(c.f('GUEST_CS_AR_BYTES'), 13);
  if (c.caps.intel64) {
    if ((!c.ia32e || !csL) && (rip >> 32n) !== 0n) return 'GUEST.RIP.HI';
    // Bits 63:N, N = linear-address width (the SDM's wording; not 63:N-1).
    if (c.ia32e && csL && !c.caps.upperBitsIdentical(rip)) return 'GUEST.RIP.CANON';
  }
  const rflags = c.f('GUEST_RFLAGS');
  if ((rflags & RFLAGS_RESERVED) !== 0n) return 'GUEST.RFLAGS.RSVD0';
  if (!bitOf(rflags, 1)) return 'GUEST.RFLAGS.BIT1';
  if (c.ia32e && c.v86) return 'GUEST.RFLAGS.VM.IA32E';
  if (!bitOf(c.f('GUEST_CR0'), 0) && c.v86) return 'GUEST.RFLAGS.VM.REAL';
  if (c.injecting && c.injectionType === 0 && !bitOf(rflags, 9)) return 'GUEST.RFLAGS.IF.EXTINT';
  return null;
};
