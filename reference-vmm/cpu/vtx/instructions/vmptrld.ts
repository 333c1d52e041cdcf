/** VMPTRLD — make a VMCS active and current (SDM ch. 30 "VMPTRLD"). */
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { succeed, vmfail, type StepResult } from '../outcome.js';
import { prologue, VMX_EXIT_REASON } from './prologue.js';

export const vmptrld = (m: Machine, caps: Capabilities, pointer: bigint): StepResult => {
  const early = prologue(m, VMX_EXIT_REASON.VMPTRLD);
  if (early !== null) return early;
  if (!caps.pageAddressValid(pointer)) return vmfail(m, 9);
  if (pointer === m.vmxonPointer) return vmfail(m, 10);
  const revision = m.read32(pointer);
  const shadow = (revision >> 31n) !== 0n;
  if ((revision & 0x7fff_ffffn) !== caps.revisionId || (shadow && !caps.allows('proc2.VMCS_SHADOWING'))) {
    return vmfail(m, 11);
  }
  m.currentVmcs = pointer; // the launch state of the region is untouched
  return succeed();
};
