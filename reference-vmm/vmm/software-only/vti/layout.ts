/**
 * Where the software-only VMM for Itanium keeps itself (ITJ, "Address-Space Compression"): a VMM
 * without VT must own the interruption vector table (cr.iva), its VHPT (cr.pta) and its data, and
 * all of them must have virtual addresses in the guest's own address space, since the guest runs
 * with the VMM's translations. It takes the top of region 7, the same addresses the VT-i VMM uses
 * (spec/paper/layout.ts), so that the two VMMs differ only in what the hardware does about a guest
 * access there: with PSR.vm = 1 such an address is unimplemented; here it is simply the VMM's.
 */
import { VTI_VMM_IVT } from '../../../../spec/paper/layout.js';
import type { VtiProfile } from '../../../../spec/vti/machine/profile.js';

const REGION_OFFSET = (1n << 61n) - 1n;

/**
 * The VMM's part of the address space: bits 60:IMPL_VA_MSB of the region offset all 1 and bit
 * IMPL_VA_MSB - 1 clear — the half of region 7's top that a processor with one implemented bit
 * fewer (the one the VMM tells the guest it has) cannot name.
 */
export const isVmmAddress = (profile: VtiProfile, addr: bigint): boolean => {
  if (addr >> 61n !== 7n) return false;
  const msb = BigInt(profile.implVaMsb);
  const top = (addr & REGION_OFFSET) >> msb;
  return top === (1n << (61n - msb)) - 1n && ((addr >> (msb - 1n)) & 1n) === 0n;
};

export const BASELINE_VTI_LAYOUT = {
  /** cr.iva while the guest runs: every guest interruption enters the VMM here. */
  ivt: VTI_VMM_IVT,
  /** The VMM's own code (its interruption handlers' common path). */
  code: VTI_VMM_IVT + 0x1_0000n,
  /** The machine's VHPT: the VMM's, relocated away from wherever the guest's PTA points. */
  vhpt: VTI_VMM_IVT + 0x1000_0000n,
} as const;

/**
 * The machine PTA while the guest runs: the VMM's VHPT with the guest's size, format and walker
 * bits (a VMM that shadows the guest's VHPT keeps its geometry).
 */
export const machinePta = (guestPta: bigint): bigint => BASELINE_VTI_LAYOUT.vhpt | (guestPta & 0x1ffn);

/**
 * Words of the VMM's IVT as they sit in memory: the instructions of its handlers are data to a load,
 * and not zero. The abstract ISA keeps code out of the memory map, so the VMM stores a recognisable
 * image of its first bundles there at boot.
 */
export const VMM_IVT_IMAGE: readonly (readonly [bigint, bigint])[] = [0n, 8n, 0x5400n, 0x5408n, 0x3000n, 0x3008n]
  .map((off) => [BASELINE_VTI_LAYOUT.ivt + off, 0x0b0e_0000_0000_0000n | off] as const);
