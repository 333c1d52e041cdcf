/**
 * Two synthetic profiles: a first-generation VT-x part (2006: no secondary controls, no EPT/VPID,
 * no TRUE_ control MSRs, no preemption timer or virtual NMIs) and a maximal part that supports the
 * 1-setting of every control this model knows and the 0-setting of every default1 bit (so that every
 * rule of the catalog can be both satisfied and violated).
 */
import { CONTROLS, DEFAULT1_CLASS, type ControlVector } from '../controls.js';
import type { VtxProfile } from '../profile.js';
import { DEFAULT_CHOICES } from './choices.js';

const bits = (ns: readonly number[]): bigint => ns.reduce((m, n) => m | (1n << BigInt(n)), 0n);
const defined = (v: ControlVector): bigint =>
  bits(Object.values(CONTROLS).filter((c) => c.vector === v).map((c) => c.bit));
const default1 = (v: ControlVector): bigint => bits(DEFAULT1_CLASS[v]);
/** A control capability MSR: allowed-0 settings in 31:0, allowed-1 settings in 63:32 (Appendix A.3). */
const ctl = (allowed0: bigint, allowed1: bigint): bigint => (allowed1 << 32n) | allowed0;

const BASIC = (revision: bigint, extra: bigint) => (6n << 50n) | (0x1000n << 32n) | revision | extra;

export const VTX_2006: VtxProfile = {
  name: 'vtx-2006',
  description: 'first-generation VT-x (2006): primary controls only, no EPT/VPID, no TRUE_ control MSRs',
  msrs: {
    IA32_VMX_BASIC: BASIC(0x7n, 0n),
    IA32_VMX_PINBASED_CTLS: ctl(default1('pin'), default1('pin') | bits([0, 3])),
    IA32_VMX_PROCBASED_CTLS: ctl(default1('proc'), default1('proc') | bits([2, 3, 7, 9, 10, 11, 12, 19, 20, 21, 23, 24, 25, 28, 29, 30])),
    IA32_VMX_EXIT_CTLS: ctl(default1('exit'), default1('exit') | bits([9, 15])),
    IA32_VMX_ENTRY_CTLS: ctl(default1('entry'), default1('entry') | bits([9, 10, 11])),
    // HLT activity state, 4 CR3-target values; no preemption timer.
    IA32_VMX_MISC: (1n << 6n) | (4n << 16n),
    IA32_VMX_CR0_FIXED0: 0x8000_0021n,
    IA32_VMX_CR0_FIXED1: 0xffff_ffffn,
    IA32_VMX_CR4_FIXED0: 0x2000n,
    IA32_VMX_CR4_FIXED1: 0x27ffn,
    IA32_VMX_VMCS_ENUM: 0x2cn,
  },
  maxPhysAddr: 36,
  linearAddressWidth: 48,
  intel64: true,
  cpuid: { sgx: false, rtm: false },
  choices: DEFAULT_CHOICES,
};

const all = (v: ControlVector) => default1(v) | defined(v);
// CR4: bits 0–14, 16–25 (FSGSBASE … UINTR), 28 (LAM_SUP), 32 (FRED).
const CR4_ALL = bits([...Array.from({ length: 15 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 16 + i), 28, 32]);
// Every EPT/VPID capability bit of Appendix A.10 plus page-walk length 5 (bit 7).
const EPT_VPID_ALL = bits([0, 6, 7, 8, 14, 16, 17, 20, 21, 22, 25, 26, 32, 40, 41, 42, 43]);

export const VTX_MAX: VtxProfile = {
  name: 'vtx-max',
  description: 'maximal profile: every control, every default1 bit may be 0 (TRUE MSRs), all activity states, EPT/VPID, VM functions, tertiary and secondary exit controls',
  msrs: {
    // Revision 1; INS/OUTS information (54); TRUE_ controls (55); dual-monitor treatment (49).
    // Bit 56 (relaxed error-code rule) stays 0 so CTL.INJ.ERRCODE.REQ is reachable.
    IA32_VMX_BASIC: BASIC(0x1n, (1n << 49n) | (1n << 54n) | (1n << 55n)),
    IA32_VMX_PINBASED_CTLS: ctl(default1('pin'), all('pin')),
    IA32_VMX_PROCBASED_CTLS: ctl(default1('proc'), all('proc')),
    IA32_VMX_EXIT_CTLS: ctl(default1('exit'), all('exit')),
    IA32_VMX_ENTRY_CTLS: ctl(default1('entry'), all('entry')),
    IA32_VMX_TRUE_PINBASED_CTLS: ctl(0n, all('pin')),
    IA32_VMX_TRUE_PROCBASED_CTLS: ctl(0n, all('proc')),
    IA32_VMX_TRUE_EXIT_CTLS: ctl(0n, all('exit')),
    IA32_VMX_TRUE_ENTRY_CTLS: ctl(0n, all('entry')),
    IA32_VMX_PROCBASED_CTLS2: ctl(0n, defined('proc2')),
    IA32_VMX_PROCBASED_CTLS3: defined('proc3'),
    IA32_VMX_EXIT_CTLS2: defined('exit2'),
    // Preemption-timer rate 5, EFER.LMA store (5), HLT/shutdown/wait-for-SIPI (6–8), 4 CR3 targets,
    // VMWRITE to any field (29), zero-length software injection (30).
    IA32_VMX_MISC: 5n | (1n << 5n) | (7n << 6n) | (4n << 16n) | (1n << 29n) | (1n << 30n),
    IA32_VMX_CR0_FIXED0: 0x8000_0021n,
    IA32_VMX_CR0_FIXED1: 0xffff_ffffn,
    IA32_VMX_CR4_FIXED0: 0x2000n,
    IA32_VMX_CR4_FIXED1: CR4_ALL,
    IA32_VMX_VMCS_ENUM: 0x60n,
    IA32_VMX_EPT_VPID_CAP: EPT_VPID_ALL,
    IA32_VMX_VMFUNC: 0x1n,
  },
  maxPhysAddr: 46,
  linearAddressWidth: 48,
  intel64: true,
  cpuid: { sgx: true, rtm: true },
  choices: DEFAULT_CHOICES,
};
