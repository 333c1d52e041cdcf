/**
 * The capability profile decoded once into the numbers the reference CPU consults (SDM App. A):
 * allowed 0- and 1-settings of each control vector, fixed CR0/CR4 bits, the VMCS revision identifier,
 * IA32_VMX_MISC facts, address widths, and which VMCS fields exist.
 */
import { CONTROLS, type ControlName, type ControlVector } from '../../../spec/vtx/controls.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { VmcsFieldSpec } from '../../../spec/vtx/vmcs/fields.js';

const LOW32 = 0xffff_ffffn;
const bit = (value: bigint, n: number): boolean => ((value >> BigInt(n)) & 1n) === 1n;

export interface ControlLimits {
  /** Bits that must be 1 (allowed-0 half). */
  readonly mustBeOne: bigint;
  /** Bits that may be 1 (allowed-1 half). */
  readonly mayBeOne: bigint;
}

export class Capabilities {
  readonly profile: VtxProfile;
  readonly basic: bigint;
  readonly revisionId: bigint;
  /** IA32_VMX_BASIC[48]: VMX structure addresses limited to 32 bits. */
  readonly addresses32: boolean;
  /** IA32_VMX_BASIC[55]: the TRUE_ control MSRs govern the allowed 0-settings. */
  readonly trueControls: boolean;
  /** IA32_VMX_BASIC[56]: hardware exceptions may be injected with or without an error code. */
  readonly noHwErrorCodeCheck: boolean;
  readonly misc: bigint;
  readonly cr0Fixed0: bigint;
  readonly cr0Fixed1: bigint;
  readonly cr4Fixed0: bigint;
  readonly cr4Fixed1: bigint;
  readonly eptVpidCap: bigint;
  readonly vmfunc: bigint;
  readonly maxPhysAddr: bigint;
  readonly linearWidth: number;
  readonly intel64: boolean;
  readonly limits: Readonly<Record<ControlVector, ControlLimits>>;

  constructor(profile: VtxProfile) {
    const m = profile.msrs;
    this.profile = profile;
    this.basic = m.IA32_VMX_BASIC;
    this.revisionId = m.IA32_VMX_BASIC & 0x7fff_ffffn;
    this.addresses32 = bit(this.basic, 48);
    this.trueControls = bit(this.basic, 55);
    this.noHwErrorCodeCheck = bit(this.basic, 56);
    this.misc = m.IA32_VMX_MISC;
    this.cr0Fixed0 = m.IA32_VMX_CR0_FIXED0;
    this.cr0Fixed1 = m.IA32_VMX_CR0_FIXED1;
    this.cr4Fixed0 = m.IA32_VMX_CR4_FIXED0;
    this.cr4Fixed1 = m.IA32_VMX_CR4_FIXED1;
    this.eptVpidCap = m.IA32_VMX_EPT_VPID_CAP ?? 0n;
    this.vmfunc = m.IA32_VMX_VMFUNC ?? 0n;
    this.maxPhysAddr = BigInt(profile.maxPhysAddr);
    this.linearWidth = profile.linearAddressWidth;
    this.intel64 = profile.intel64;

    // A 32-bit vector's limits: the TRUE_ MSR (when BASIC[55] says it exists) governs both halves.
    const pair = (plain: bigint, tru: bigint | undefined): ControlLimits => {
      const msr = this.trueControls && tru !== undefined ? tru : plain;
      return { mustBeOne: msr & LOW32, mayBeOne: (msr >> 32n) & LOW32 };
    };
    const pin = pair(m.IA32_VMX_PINBASED_CTLS, m.IA32_VMX_TRUE_PINBASED_CTLS);
    const proc = pair(m.IA32_VMX_PROCBASED_CTLS, m.IA32_VMX_TRUE_PROCBASED_CTLS);
    const exit = pair(m.IA32_VMX_EXIT_CTLS, m.IA32_VMX_TRUE_EXIT_CTLS);
    const entry = pair(m.IA32_VMX_ENTRY_CTLS, m.IA32_VMX_TRUE_ENTRY_CTLS);
    // Secondary / tertiary / secondary-exit vectors exist only when the primary vector may activate them.
    const proc2 = bit(proc.mayBeOne, 31) ? ((m.IA32_VMX_PROCBASED_CTLS2 ?? 0n) >> 32n) & LOW32 : 0n;
    const proc3 = bit(proc.mayBeOne, 17) ? (m.IA32_VMX_PROCBASED_CTLS3 ?? 0n) : 0n;
    const exit2 = bit(exit.mayBeOne, 31) ? (m.IA32_VMX_EXIT_CTLS2 ?? 0n) : 0n;
    this.limits = {
      pin, proc, exit, entry,
      proc2: { mustBeOne: 0n, mayBeOne: proc2 },
      proc3: { mustBeOne: 0n, mayBeOne: proc3 },
      exit2: { mustBeOne: 0n, mayBeOne: exit2 },
    };
  }

  /** The processor supports the 1-setting of `control`. */
  allows(control: ControlName): boolean {
    const c = CONTROLS[control];
    return bit(this.limits[c.vector].mayBeOne, c.bit);
  }

  /** A VMCS field exists when its list is empty or the 1-setting of any listed control is supported. */
  fieldExists(field: VmcsFieldSpec): boolean {
    return field.existsWith.length === 0 || field.existsWith.some((c) => this.allows(c));
  }

  /** IA32_VMX_MISC bit 29: VMWRITE may write VM-exit information fields. */
  get vmwriteAnyField(): boolean {
    return bit(this.misc, 29);
  }

  /** Activity state 1 (HLT), 2 (shutdown), 3 (wait-for-SIPI) support: IA32_VMX_MISC bits 6, 7, 8. */
  activityStateSupported(state: bigint): boolean {
    if (state === 0n) return true;
    if (state > 3n) return false;
    return bit(this.misc, 5 + Number(state));
  }

  /** No bit at or above the physical-address width (nor in 63:32 when IA32_VMX_BASIC[48] = 1). */
  withinPaw(address: bigint): boolean {
    if ((address >> this.maxPhysAddr) !== 0n) return false;
    return !(this.addresses32 && (address >> 32n) !== 0n);
  }

  /** 4-KByte aligned and within the physical-address width. */
  pageAddressValid(address: bigint): boolean {
    return (address & 0xfffn) === 0n && this.withinPaw(address);
  }

  /** Bits 63:N-1 all equal, N = linear-address width. */
  canonical(value: bigint): boolean {
    const top = value >> BigInt(this.linearWidth - 1);
    return top === 0n || top === (1n << BigInt(65 - this.linearWidth)) - 1n;
  }

  /** Bits 63:N all equal (the form the RIP and guest-SSP rules use). */
  upperBitsIdentical(value: bigint): boolean {
    if (this.linearWidth >= 64) return true;
    const top = value >> BigInt(this.linearWidth);
    return top === 0n || top === (1n << BigInt(64 - this.linearWidth)) - 1n;
  }
}
