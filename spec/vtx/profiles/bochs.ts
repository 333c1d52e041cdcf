/**
 * The IA32_VMX_* values Debian's Bochs 2.7 reports (read with RDMSR on a bare-metal harness,
 * shared/facts/bochs-vmx-msrs.md). `vtspec profile capture --impl bochs` re-captures them.
 * MAXPHYADDR/linear width are Bochs' CPUID.80000008H values for these models (40/48 on all three,
 * as `vtspec profile capture --impl bochs` reads them).
 */
import type { VtxProfile } from '../profile.js';
import { DEFAULT_CHOICES } from './choices.js';

// Bochs checks bits 31:16 of the VM-entry exception error code, not 31:15 (facts: CTL.INJ.ERRCODE.RSVD).
const bochsChoices = { ...DEFAULT_CHOICES, entryErrorCodeReservedMask: 0xffff0000 };

export const BOCHS_SKYLAKE_X: VtxProfile = {
  name: 'bochs-skylake-x',
  description: 'Bochs 2.7 cpu model corei7_skylake_x (EPT, VPID, unrestricted guest, VMCS shadowing, PML, VMFUNC)',
  msrs: {
    IA32_VMX_BASIC: 0x00d8_1000_0000_002bn,
    IA32_VMX_PINBASED_CTLS: 0x0000_007f_0000_0016n,
    IA32_VMX_PROCBASED_CTLS: 0xf7f9_fffe_0401_e172n,
    IA32_VMX_EXIT_CTLS: 0x007f_ffff_0003_6dffn,
    IA32_VMX_ENTRY_CTLS: 0x0000_ffff_0000_11ffn,
    IA32_VMX_MISC: 0x0000_0000_6004_01e0n,
    IA32_VMX_CR0_FIXED0: 0x8000_0021n,
    IA32_VMX_CR0_FIXED1: 0xffff_ffffn,
    IA32_VMX_CR4_FIXED0: 0x2000n,
    IA32_VMX_CR4_FIXED1: 0x0037_27ffn,
    IA32_VMX_VMCS_ENUM: 0x34n,
    IA32_VMX_PROCBASED_CTLS2: 0x0217_7fff_0000_0000n,
    IA32_VMX_EPT_VPID_CAP: 0x0000_0f01_0633_4141n,
    IA32_VMX_TRUE_PINBASED_CTLS: 0x0000_007f_0000_0016n,
    IA32_VMX_TRUE_PROCBASED_CTLS: 0xf7f9_fffe_0400_6172n,
    IA32_VMX_TRUE_EXIT_CTLS: 0x007f_ffff_0003_6dfbn,
    IA32_VMX_TRUE_ENTRY_CTLS: 0x0000_ffff_0000_11fbn,
    IA32_VMX_VMFUNC: 0x1n,
  },
  maxPhysAddr: 40,
  linearAddressWidth: 48,
  intel64: true,
  cpuid: { sgx: false, rtm: false },
  choices: bochsChoices,
};

export const BOCHS_PENRYN: VtxProfile = {
  name: 'bochs-penryn',
  description: 'Bochs 2.7 cpu model core2_penryn_t9600 (earliest 64-bit VMX model: no EPT, VPID or unrestricted guest)',
  msrs: {
    IA32_VMX_BASIC: 0x00d8_1000_0000_002bn,
    IA32_VMX_PINBASED_CTLS: 0x0000_003f_0000_0016n,
    IA32_VMX_PROCBASED_CTLS: 0xf7f9_fffe_0401_e172n,
    IA32_VMX_EXIT_CTLS: 0x0003_ffff_0003_6dffn,
    IA32_VMX_ENTRY_CTLS: 0x0000_3fff_0000_11ffn,
    IA32_VMX_MISC: 0x0000_0000_0004_01e0n,
    IA32_VMX_CR0_FIXED0: 0x8000_0021n,
    IA32_VMX_CR0_FIXED1: 0xffff_ffffn,
    IA32_VMX_CR4_FIXED0: 0x2000n,
    IA32_VMX_CR4_FIXED1: 0x0004_67ffn,
    IA32_VMX_VMCS_ENUM: 0x34n,
    IA32_VMX_PROCBASED_CTLS2: 0x0000_0041_0000_0000n,
    IA32_VMX_TRUE_PINBASED_CTLS: 0x0000_003f_0000_0016n,
    IA32_VMX_TRUE_PROCBASED_CTLS: 0xf7f9_fffe_0400_6172n,
    IA32_VMX_TRUE_EXIT_CTLS: 0x0003_ffff_0003_6dfbn,
    IA32_VMX_TRUE_ENTRY_CTLS: 0x0000_3fff_0000_11fbn,
  },
  maxPhysAddr: 40,
  linearAddressWidth: 48,
  intel64: true,
  cpuid: { sgx: false, rtm: false },
  choices: bochsChoices,
};

export const BOCHS_SANDY_BRIDGE: VtxProfile = {
  name: 'bochs-sandy-bridge',
  description: 'Bochs 2.7 cpu model corei7_sandy_bridge_2600k (EPT without accessed/dirty flags, no VMCS shadowing or VMFUNC)',
  msrs: {
    IA32_VMX_BASIC: 0x00d8_1000_0000_002bn,
    IA32_VMX_PINBASED_CTLS: 0x0000_007f_0000_0016n,
    IA32_VMX_PROCBASED_CTLS: 0xf7f9_fffe_0401_e172n,
    IA32_VMX_EXIT_CTLS: 0x007f_ffff_0003_6dffn,
    IA32_VMX_ENTRY_CTLS: 0x0000_ffff_0000_11ffn,
    IA32_VMX_MISC: 0x0000_0000_0004_01e0n,
    IA32_VMX_CR0_FIXED0: 0x8000_0021n,
    IA32_VMX_CR0_FIXED1: 0xffff_ffffn,
    IA32_VMX_CR4_FIXED0: 0x2000n,
    IA32_VMX_CR4_FIXED1: 0x0006_27ffn,
    IA32_VMX_VMCS_ENUM: 0x34n,
    IA32_VMX_PROCBASED_CTLS2: 0x0000_00ff_0000_0000n,
    IA32_VMX_EPT_VPID_CAP: 0x0000_0f01_0611_4141n,
    IA32_VMX_TRUE_PINBASED_CTLS: 0x0000_007f_0000_0016n,
    IA32_VMX_TRUE_PROCBASED_CTLS: 0xf7f9_fffe_0400_6172n,
    IA32_VMX_TRUE_EXIT_CTLS: 0x007f_ffff_0003_6dfbn,
    IA32_VMX_TRUE_ENTRY_CTLS: 0x0000_ffff_0000_11fbn,
  },
  maxPhysAddr: 40,
  linearAddressWidth: 48,
  intel64: true,
  cpuid: { sgx: false, rtm: false },
  choices: bochsChoices,
};
