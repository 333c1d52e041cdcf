/**
 * The VMCS the native CPU shows the reference CPU's non-root code so that it behaves as a processor
 * outside VMX operation: every VM-execution control 0 (no exit beyond the unconditional ones, no
 * changed behaviour: CR0/CR4 masks 0, no TSC offset, exception bitmap 0 with #PF mask = match = 0,
 * so no #PF exits either), except
 * - "activate secondary controls" with "enable RDTSCP", "enable INVPCID" and "enable XSAVES/XRSTORS"
 *   where the profile supports them: the 0-setting of these three *changes* behaviour (#UD, §25.3),
 *   the 1-setting is the native instruction; the native processor has the instruction when the
 *   profile's processor could let a guest use it;
 * - "use MSR bitmaps" with the bitmaps at an address no physical memory has (it reads as zeros):
 *   with the 0-setting every RDMSR and WRMSR would exit (§25.1.3), with all-zero bitmaps none does;
 * - the VM-exit controls "save debug controls", "save IA32_PAT", "save IA32_EFER" and "host
 *   address-space size": they act only on a VM exit, and they make the guest-state area hold every
 *   register the native CPU restores after the exits it turns back into native behaviour (./restore.ts).
 * The region lives only in the reference CPU's VMCS map (never in the guest's memory) under an
 * address no physical memory has.
 */
import { CONTROLS, type ControlName } from '../../../../spec/vtx/controls.js';
import type { Capabilities } from '../capabilities.js';
import { VmcsData } from '../machine.js';

/** Above any MAXPHYADDR (52): the key of the view in the VMCS map, never a guest-physical address. */
export const NATIVE_VMCS_KEY = 1n << 60n;
/** A physical address above any MAXPHYADDR: reads as 0, and no guest access can reach it. */
const NO_MEMORY = 1n << 56n;

const bitOf = (name: ControlName): bigint => 1n << BigInt(CONTROLS[name].bit);

export const nativeVmcsView = (caps: Capabilities): VmcsData => {
  const vmcs = new VmcsData(true, null);
  const enables: ControlName[] = ['proc2.ENABLE_RDTSCP', 'proc2.ENABLE_INVPCID', 'proc2.ENABLE_XSAVES_XRSTORS'];
  let proc2 = 0n;
  for (const c of enables) if (caps.allows(c)) proc2 |= bitOf(c);
  vmcs.set('CPU_BASED_VM_EXEC_CONTROL', bitOf('proc.USE_MSR_BITMAPS') | (proc2 === 0n ? 0n : bitOf('proc.ACTIVATE_SECONDARY_CONTROLS')));
  vmcs.set('MSR_BITMAP', NO_MEMORY);
  vmcs.set('SECONDARY_VM_EXEC_CONTROL', proc2);
  vmcs.set('VM_EXIT_CONTROLS', bitOf('exit.SAVE_DEBUG_CONTROLS') | bitOf('exit.SAVE_IA32_PAT') | bitOf('exit.SAVE_IA32_EFER') | bitOf('exit.HOST_ADDRESS_SPACE_SIZE'));
  vmcs.set('VMCS_LINK_POINTER', 0xffff_ffff_ffff_ffffn);
  return vmcs;
};
