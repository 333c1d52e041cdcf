/**
 * VMXON — enter VMX operation (SDM ch. 30 "VMXON"). Its prologue differs from the other VMX
 * instructions: CR4.VMXE = 0 is a #UD, being outside VMX operation is the normal case, and inside
 * VMX root operation the instruction fails with error 15.
 */
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { fault, failInvalid, nonRootExit, succeed, vmfail, type StepResult } from '../outcome.js';
import { inUdMode, VMX_EXIT_REASON } from './prologue.js';

const CR4_VMXE = 1n << 13n;
const IA32_FEATURE_CONTROL = 0x3a;
const FC_LOCK = 1n;
const FC_VMXON_IN_SMX = 2n;
const FC_VMXON_OUTSIDE_SMX = 4n;

/** A control-register value VMX operation allows: every FIXED0 bit set, no bit outside FIXED1. */
export const fixedBitsHold = (value: bigint, fixed0: bigint, fixed1: bigint): boolean =>
  (value & fixed0) === fixed0 && (value & ~fixed1) === 0n;

export const vmxon = (m: Machine, caps: Capabilities, pointer: bigint): StepResult => {
  const cpu = m.cpu;
  if ((cpu.cr4 & CR4_VMXE) === 0n || inUdMode(cpu)) return fault('#UD');
  if (m.vmx === 'non-root') return nonRootExit(m, VMX_EXIT_REASON.VMXON);
  if (cpu.cpl > 0) return fault('#GP(0)');
  if (m.vmx === 'root') return vmfail(m, 15);

  // Outside VMX operation: the #GP(0) conditions, in the order of the pseudocode.
  if (cpu.a20m) return fault('#GP(0)');
  if (!fixedBitsHold(cpu.cr0, caps.cr0Fixed0, caps.cr0Fixed1)) return fault('#GP(0)');
  if (!fixedBitsHold(cpu.cr4, caps.cr4Fixed0, caps.cr4Fixed1)) return fault('#GP(0)');
  const featureControl = m.msr(IA32_FEATURE_CONTROL);
  if ((featureControl & FC_LOCK) === 0n) return fault('#GP(0)');
  const enable = cpu.inSmx ? FC_VMXON_IN_SMX : FC_VMXON_OUTSIDE_SMX;
  if ((featureControl & enable) === 0n) return fault('#GP(0)');

  // The VMXON pointer and the revision identifier in its region: VMfailInvalid.
  if (!caps.pageAddressValid(pointer)) return failInvalid();
  const revision = m.read32(pointer);
  if ((revision & 0x7fff_ffffn) !== caps.revisionId || (revision >> 31n) !== 0n) return failInvalid();

  m.vmx = 'root';
  m.vmxonPointer = pointer;
  m.currentVmcs = null;
  cpu.a20m = false; // A20M is blocked and disabled in VMX operation.
  return succeed();
};
