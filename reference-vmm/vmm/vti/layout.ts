/**
 * Where the VMM keeps its own things: in the half of the virtual-address space that PSR.vm = 1 code
 * cannot use (ITJ, "VT-i Architecture Overview" and "Address-Space Compression"). With PSR.vm = 1 bit
 * IMPL_VA_MSB is unimplemented, so an address whose bits 60:IMPL_VA_MSB are all 1 and bit
 * IMPL_VA_MSB - 1 is 0 is implemented for the VMM and unimplemented for every guest: the guest can
 * neither load from it nor branch to it. The VMM also tells the guest its processor has one
 * implemented bit fewer (`guestProfile`), as the paper's PAL_VM_SUMMARY interception would.
 */
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';

const REGION_7 = 0xe000_0000_0000_0000n;

/** Region-7 address `offset` inside the VMM's half (offset < 2^(IMPL_VA_MSB - 1)). */
export const vmmAddress = (profile: VtiProfile, offset: bigint): bigint => {
  const high = ((1n << 61n) - 1n) & ~((1n << BigInt(profile.implVaMsb)) - 1n);
  return REGION_7 | high | offset;
};

/**
 * An address only the VMM can have executed: implemented with PSR.vm = 0, unimplemented with
 * PSR.vm = 1 (bits 60:IMPL_VA_MSB all equal and different from bit IMPL_VA_MSB - 1).
 */
export const isVmmOnlyAddress = (profile: VtiProfile, addr: bigint): boolean => {
  const msb = BigInt(profile.implVaMsb);
  const high = (addr >> msb) & ((1n << (61n - msb)) - 1n);
  const all = (1n << (61n - msb)) - 1n;
  const below = (addr >> (msb - 1n)) & 1n;
  return (high === 0n && below === 1n) || (high === all && below === 0n);
};

/**
 * The processor the guest is told it has: one implemented virtual-address bit fewer, and no VT-i of
 * its own (PAL_PROC_GET_FEATURES bits 40 and 54 clear: this VMM does not nest, so a guest vmsw is an
 * Illegal Operation fault, as on a processor without the VM features; SDM 3:273).
 */
export const guestProfile = (profile: VtiProfile): VtiProfile =>
  ({ ...profile, name: `${profile.name} (as a guest sees it)`, implVaMsb: profile.implVaMsb - 1, palProcFeatures: 0n });

export interface VmmLayout {
  /** The VMM's own code (boot and everything not at a host IVT entry). */
  readonly code: bigint;
  /** The VP's 64 KiB VPD (32 KiB aligned). */
  readonly vpd: bigint;
  /** The PAL virtual environment buffer (4 KiB aligned), physical and virtual. */
  readonly bufferPhysical: bigint;
  readonly bufferVirtual: bigint;
  /** The host IVT the VP is created with: intercepts arrive at + 0x6100. */
  readonly hostIva: bigint;
  /** The machine VHPT (PTA base) when the VMM relocates it. */
  readonly vhpt: bigint;
}

export const vmmLayout = (profile: VtiProfile): VmmLayout => ({
  code: vmmAddress(profile, 0x0001_0000n),
  vpd: vmmAddress(profile, 0x0400_0000n),
  bufferPhysical: 0x0800_0000n,
  bufferVirtual: vmmAddress(profile, 0x0800_0000n),
  hostIva: vmmAddress(profile, 0x0010_0000n),
  vhpt: vmmAddress(profile, 0x2000_0000n),
});
