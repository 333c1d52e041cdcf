/**
 * RDMSR and WRMSR exits (basic reasons 31 and 32, §25.1.3): the VMM performs the guest's access as the
 * native processor the guest is told it has (cpu/vtx/native) would, with the reference CPU's MSR rules
 * (cpu/vtx/non-root/msr-access.ts) — so an MSR the processor lacks (any ECX outside the bitmap ranges,
 * whose accesses always exit, included) and a value its rules refuse are #GP(0), as natively.
 *
 * Where each guest MSR lives while the VMM runs:
 * - IA32_TIME_STAMP_COUNTER: the host's TSC plus the TSC offset (a write moves the offset);
 * - the MSRs of the guest-state area (§24.4.1): their fields — the processor holds the host's values
 *   now (§27.5.1); IA32_EFER's field is written with LMA kept (LMA is read-only, Vol. 4 Table 2-2), so
 *   the "IA-32e mode guest" entry control, which must equal it with "load IA32_EFER", stays right (§26.3.1.1);
 * - IA32_SYSENTER_CS: bits 31:0 in its field, bits 63:32 in `vm.sysenterCsHigh`. The field has 32 bits
 *   and every VM entry and exit clears the MSR's bits 63:32 (§26.3.2.1, §27.5.1), which the native
 *   processor lets software write and read back (Vol. 4 Table 2-2); so the VMM intercepts both accesses
 *   (boot.ts sets the MSR bitmap) — README, "Findings";
 * - every other MSR: the processor's own, shared with the guest (no VM entry or exit switches it).
 *
 * A write is judged against the guest's registers, not the VMM's: IA32_EFER.LME may not change while
 * the guest's CR0.PG (as it reads it) is 1 (Vol. 3A §2.2.1, §9.8.5), whatever the host runs with.
 */
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { readMsr, wrmsrAccepted, writeMsr } from '../../cpu/vtx/non-root/msr-access.js';
import type { Handled } from './exits.js';
import type { Vm } from './vm.js';

const LOW32 = 0xffff_ffffn;
const MASK64 = 0xffff_ffff_ffff_ffffn;
const LMA = 1n << 10n;
export const IA32_SYSENTER_CS = 0x174;

/** MSRs the guest-state area holds (IA32_SYSENTER_CS only in part, see the header). */
const VMCS_MSR: ReadonlyMap<number, FieldName> = new Map([
  [0x174, 'GUEST_SYSENTER_CS'], [0x175, 'GUEST_SYSENTER_ESP'], [0x176, 'GUEST_SYSENTER_EIP'],
  [0x1d9, 'GUEST_IA32_DEBUGCTL'], [0x277, 'GUEST_IA32_PAT'], [0xc000_0080, 'GUEST_IA32_EFER'],
  [0xc000_0100, 'GUEST_FS_BASE'], [0xc000_0101, 'GUEST_GS_BASE'],
] as const);

const guestTsc = (vm: Vm): bigint => (vm.host.registers.tsc + vm.f('TSC_OFFSET')) & MASK64;

/** The guest's value of MSR `index`, or null where the native processor raises #GP(0). */
export const guestMsr = (vm: Vm, index: number): bigint | null => {
  if (index === 0x10) return guestTsc(vm);
  if (index === IA32_SYSENTER_CS) return (vm.sysenterCsHigh << 32n) | (vm.f('GUEST_SYSENTER_CS') & LOW32);
  const field = VMCS_MSR.get(index);
  return field !== undefined ? vm.f(field) : readMsr(vm.host.machine, index);
};

/** WRMSR of `value` to `index` as the guest's processor does it; false for #GP(0). */
export const setGuestMsr = (vm: Vm, index: number, value: bigint): boolean => {
  const guest = { ...vm.host.registers, cr0: vm.guestCr0(), efer: vm.f('GUEST_IA32_EFER') };
  if (!wrmsrAccepted(guest, vm.guestCaps, index, value)) return false;
  const field = VMCS_MSR.get(index);
  if (index === 0x10) vm.w('TSC_OFFSET', (value - vm.host.registers.tsc) & MASK64);
  else if (index === 0xc000_0080) vm.w('GUEST_IA32_EFER', (value & ~LMA) | (guest.efer & LMA));
  else if (index === IA32_SYSENTER_CS) {
    vm.w('GUEST_SYSENTER_CS', value & LOW32);
    vm.sysenterCsHigh = value >> 32n;
  } else if (field !== undefined) vm.w(field, value);
  else writeMsr(vm.host.machine, index, value);
  return true;
};

export const rdmsr = (vm: Vm): Handled => {
  const value = guestMsr(vm, Number(vm.host.gpr(1) & LOW32));
  if (value === null) { vm.fault(13); return 'resume'; }
  vm.host.setGpr32(0, value & LOW32);
  vm.host.setGpr32(2, value >> 32n);
  vm.completeInstruction();
  return 'completed';
};

export const wrmsr = (vm: Vm): Handled => {
  const value = ((vm.host.gpr(2) & LOW32) << 32n) | (vm.host.gpr(0) & LOW32);
  if (!setGuestMsr(vm, Number(vm.host.gpr(1) & LOW32), value)) { vm.fault(13); return 'resume'; }
  vm.completeInstruction();
  return 'completed';
};
