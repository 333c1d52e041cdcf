/**
 * The processor as a guest sees it when nothing virtualizes it: the reference CPU's capabilities with
 * the VMX fixed-bit restrictions of §23.8 lifted (they bind software in VMX operation only) and CR4.VMXE
 * and CR4.SMXE reserved, because the processor the guest is told it has (./cpuid.ts) has neither VMX
 * nor SMX (Vol. 3A §2.5: setting a reserved CR4 bit is #GP(0)). The reference CPU's MOV-to-CR0/CR4
 * code checks the value against these bits, so it then applies the native rules.
 */
import type { VtxProfile } from '../../../../spec/vtx/profile.js';
import { Capabilities } from '../capabilities.js';

const CR4_VMXE = 1n << 13n;
const CR4_SMXE = 1n << 14n;

/** `profile` as the processor a guest runs on natively. */
export const nativeProfile = (profile: VtxProfile): VtxProfile => ({
  ...profile,
  msrs: {
    ...profile.msrs,
    IA32_VMX_CR0_FIXED0: 0n,
    IA32_VMX_CR0_FIXED1: 0xffff_ffffn,
    IA32_VMX_CR4_FIXED0: 0n,
    IA32_VMX_CR4_FIXED1: profile.msrs.IA32_VMX_CR4_FIXED1 & ~(CR4_VMXE | CR4_SMXE),
  },
});

export const nativeCapabilities = (profile: VtxProfile): Capabilities => new Capabilities(nativeProfile(profile));

/** CR4 bits a guest may set natively (the others are reserved for it: #GP(0)). */
export const nativeCr4Supported = (profile: VtxProfile): bigint => profile.msrs.IA32_VMX_CR4_FIXED1 & ~(CR4_VMXE | CR4_SMXE);
