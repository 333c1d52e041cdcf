/** VMXON (SDM §30.3 "VMXON—Enter VMX Operation"), rules VMXON.*. */
import { MSR, readMemory32, type VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { fault, vmFail, vmFailInvalid, vmSucceed } from '../flags.js';
import { bigOf } from '../u64.js';
import { protectedNonV86, validRegionAddress, type RuledStep } from './prologue.js';

const CR4_VMXE = 1n << 13n;
const FC_LOCK = 1n;
const FC_ENABLE_IN_SMX = 2n;
const FC_ENABLE_OUTSIDE_SMX = 4n;

/** CR0/CR4 values allowed in VMX operation (§23.8): FIXED0 bits set, bits clear in FIXED1 clear. */
const fixedBitsHold = (value: bigint, fixed0: bigint, fixed1: bigint): boolean => (value & fixed0) === fixed0 && (value & ~fixed1) === 0n;

export const vmxon = (caps: Capabilities, s: VtxState, operand: bigint): RuledStep => {
  if (!protectedNonV86(s) || (s.cpu.cr4 & CR4_VMXE) === 0n) return { ...fault(s, '#UD'), rule: 'VMXON.UD' };
  if (s.vmx === 'non-root') return { observation: { kind: 'vm-exit', reason: 27, qualification: 0n }, state: s, rule: 'VMXON.NONROOT' };
  if (s.vmx === 'root') {
    if (s.cpu.cpl > 0) return { ...fault(s, '#GP(0)'), rule: 'VMXON.ROOT.CPL' };
    return { ...vmFail(s, 15), rule: 'VMXON.ROOT' };
  }
  if (s.cpu.cpl > 0) return { ...fault(s, '#GP(0)'), rule: 'VMXON.CPL' };
  if (s.cpu.a20m) return { ...fault(s, '#GP(0)'), rule: 'VMXON.A20M' };
  const cr0ok = fixedBitsHold(s.cpu.cr0, bigOf(caps.cr0Fixed0Lo, caps.cr0Fixed0Hi), bigOf(caps.cr0Fixed1Lo, caps.cr0Fixed1Hi));
  const cr4ok = fixedBitsHold(s.cpu.cr4, bigOf(caps.cr4Fixed0Lo, caps.cr4Fixed0Hi), bigOf(caps.cr4Fixed1Lo, caps.cr4Fixed1Hi));
  if (!cr0ok || !cr4ok) return { ...fault(s, '#GP(0)'), rule: 'VMXON.CR.FIXED' };
  const fc = s.cpu.msrs.get(MSR.IA32_FEATURE_CONTROL) ?? 0n;
  if ((fc & FC_LOCK) === 0n) return { ...fault(s, '#GP(0)'), rule: 'VMXON.FC.LOCK' };
  if ((fc & (s.cpu.inSmx ? FC_ENABLE_IN_SMX : FC_ENABLE_OUTSIDE_SMX)) === 0n) return { ...fault(s, '#GP(0)'), rule: 'VMXON.FC.ENABLE' };
  if (!validRegionAddress(operand, caps.maxPhysAddr, caps.addresses32)) return { ...vmFailInvalid(s), rule: 'VMXON.ADDR' };
  if (readMemory32(s.memory, operand) !== BigInt(caps.revisionId)) return { ...vmFailInvalid(s), rule: 'VMXON.REVID' };
  const next: VtxState = { ...s, vmx: 'root', vmxonPointer: operand, currentVmcs: null };
  return { ...vmSucceed(next), rule: 'VMXON.OK' };
};
