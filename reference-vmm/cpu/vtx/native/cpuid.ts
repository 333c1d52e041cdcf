/**
 * What CPUID returns to a guest, natively and under the VT-x reference VMM alike (CPUID always exits
 * in VMX non-root operation, §25.1.2, so the VMM answers it; the native CPU answers the same so that
 * a guest cannot tell the two apart). The values are fixed and come from the profile where it has a
 * fact (address widths, SGX, RTM); everything else is a documented constant of this abstraction:
 *
 * - leaf 0: maximum basic leaf 7, vendor "GenuineIntel";
 * - leaf 1: family 6 model 0x55 stepping 4 (a Skylake-SP signature); EDX: FPU, TSC, MSR, PAE, APIC,
 *   SEP, PGE, FXSR, SSE, SSE2; ECX: SSE3, XSAVE, and OSXSAVE as CR4.OSXSAVE (Vol. 2A CPUID, bit 27 is
 *   the OS setting). **VMX (ECX[5]) and SMX (ECX[6]) are 0**: the processor the guest sees has no VMX
 *   (no nested virtualization) and no SMX, which is why CR4.VMXE and CR4.SMXE are reserved for it;
 * - leaf 7 subleaf 0: EBX[2] SGX and EBX[11] RTM from the profile;
 * - leaf 80000000H: maximum extended leaf 80000008H; 80000001H: EDX SYSCALL, NX, LM;
 *   80000008H: EAX = MAXPHYADDR | linear-address width << 8 (the profile's);
 * - any other leaf (Vol. 2A: a leaf above the maximum returns the highest basic leaf's data; here:
 *   all zero, a documented simplification).
 */
import type { VtxProfile } from '../../../../spec/vtx/profile.js';

export type CpuidResult = readonly [eax: bigint, ebx: bigint, ecx: bigint, edx: bigint];

const ascii = (s: string): bigint => BigInt(s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16)) | (BigInt(s.charCodeAt(3)) << 24n);
const bits = (...n: number[]): bigint => n.reduce((v, b) => v | (1n << BigInt(b)), 0n);
const CR4_OSXSAVE = 1n << 18n;

/** CPUID with EAX = `leaf`, ECX = `subleaf` (both 32-bit) on a processor of `profile` whose CR4 is `cr4`. */
export const cpuidResult = (profile: VtxProfile, cr4: bigint, leaf: bigint, subleaf: bigint): CpuidResult => {
  switch (leaf) {
    case 0n: return [7n, ascii('Genu'), ascii('ntel'), ascii('ineI')];
    case 1n: {
      const signature = (6n << 8n) | (0x5n << 4n) | (0x5n << 16n) | 4n; // family 6, model 55H, stepping 4
      const ecx = bits(0, 26) | ((cr4 & CR4_OSXSAVE) !== 0n ? bits(27) : 0n);
      const edx = bits(0, 4, 5, 6, 9, 11, 13, 24, 25, 26);
      return [signature, 0n, ecx, edx];
    }
    case 7n:
      if (subleaf !== 0n) return [0n, 0n, 0n, 0n];
      return [0n, (profile.cpuid.sgx ? bits(2) : 0n) | (profile.cpuid.rtm ? bits(11) : 0n), 0n, 0n];
    case 0x8000_0000n: return [0x8000_0008n, 0n, 0n, 0n];
    case 0x8000_0001n: return [0n, 0n, 0n, bits(11, 20, 29)];
    case 0x8000_0008n: return [BigInt(profile.maxPhysAddr) | (BigInt(profile.linearAddressWidth) << 8n), 0n, 0n, 0n];
    default: return [0n, 0n, 0n, 0n];
  }
};
