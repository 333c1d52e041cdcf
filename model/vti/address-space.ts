/**
 * Which virtual addresses exist (SDM 2:§4.1.1.6; ITJ "VT-i Architecture Overview"): bits 63:61 pick
 * the region, bits IMPL_VA_MSB:0 are implemented, and bits 60:IMPL_VA_MSB+1 must repeat bit
 * IMPL_VA_MSB. With PSR.vm = 1 bit IMPL_VA_MSB is treated as unimplemented too, so the guest has one
 * bit less in every region and the other half of each region is the VMM's alone.
 */
import type { VtiProfile } from '../../spec/vti/machine/profile.js';
import { bits, psrGet } from './bits.js';

/**
 * The highest implemented VA bit for code running with `psr`.
 * Implements VTI.UNIMPL_VA.VMM (PSR.vm = 0: every bit) and the narrowing of VTI.UNIMPL_VA.DATA,
 * VTI.UNIMPL_VA.INSTRUCTION and VTI.UNIMPL_VA.THASH_TTAG (PSR.vm = 1: one bit less).
 */
export const effectiveVaMsb = (profile: VtiProfile, psr: bigint): number =>
  psrGet(psr, 'vm') === 1n ? profile.implVaMsb - 1 : profile.implVaMsb;

/** Bits 60:msb all equal (all implemented when msb >= 60). */
export const isImplementedVa = (addr: bigint, msb: number): boolean => {
  if (msb >= 60) return true;
  if (msb < 0) return false;
  const top = bits(addr, 60, msb);
  return top === 0n || top === (1n << BigInt(61 - msb)) - 1n;
};

/** `addr` exists for code running with `psr` on `profile`. */
export const vaImplemented = (profile: VtiProfile, psr: bigint, addr: bigint): boolean =>
  isImplementedVa(addr, effectiveVaMsb(profile, psr));
