/**
 * VMLAUNCH / VMRESUME (SDM ch. 30, §26.1 basic VM-entry checks, strictly ordered), then VM entry.
 * Each failing basic check reports its catalog ID (BASIC.*).
 */
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { failInvalid, vmfail, type StepResult } from '../outcome.js';
import { enterGuest } from '../vm-entry/index.js';
import { prologue, VMX_EXIT_REASON } from './prologue.js';

export const vmlaunchOrResume = (m: Machine, caps: Capabilities, launch: boolean): StepResult => {
  const early = prologue(m, launch ? VMX_EXIT_REASON.VMLAUNCH : VMX_EXIT_REASON.VMRESUME, true, {
    outside: 'BASIC.VMXOP', mode: 'BASIC.MODE', nonRoot: 'BASIC.NONROOT', cpl: 'BASIC.CPL',
  });
  if (early !== null) return early;
  if (m.currentVmcs === null) return failInvalid('BASIC.CURVMCS');
  // A shadow VMCS (bit 31 of the revision dword of its region) cannot be entered.
  if (((m.read32(m.currentVmcs) >> 31n) & 1n) === 1n) return failInvalid('BASIC.NOTSHADOW');
  if (m.cpu.blockingByMovSs) return vmfail(m, 26, 'BASIC.MOVSS');
  const vmcs = m.region(m.currentVmcs);
  if (launch && vmcs.launched) return vmfail(m, 4, 'BASIC.LAUNCH.CLEAR');
  if (!launch && !vmcs.launched) return vmfail(m, 5, 'BASIC.RESUME.LAUNCHED');
  return enterGuest(m, caps, vmcs, launch);
};
