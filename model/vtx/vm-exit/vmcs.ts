/**
 * Small helpers every step of the VM exit shares: the current VMCS image (a VM exit in non-root
 * operation always has one; without one the steps read zeros and write nothing, so the exit stays
 * total), control bits, and the "bits 63:N are set to bit N-1" rule §27.5 applies to host addresses.
 */
import { emptyVmcsImage, readField, type VmcsImage, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';

export const currentImage = (s: VtxState): VmcsImage => {
  const region = s.currentVmcs === null ? undefined : s.vmcs.get(s.currentVmcs);
  return region === undefined ? emptyVmcsImage() : region.fields;
};

/** `s` with the current VMCS's fields replaced (unchanged when there is no current VMCS). */
export const withImage = (s: VtxState, fields: VmcsImage): VtxState => {
  const at = s.currentVmcs;
  const region = at === null ? undefined : s.vmcs.get(at);
  if (at === null || region === undefined) return s;
  return { ...s, vmcs: new Map(s.vmcs).set(at, { ...region, fields }) };
};

/** Bits 31:0 of a control field as a number. */
export const control32 = (image: VmcsImage, name: FieldName): number => Number(readField(image, name) & 0xffff_ffffn);

export const bit = (value: number, n: number): boolean => ((value >>> n) & 1) === 1;
export const bitN = (value: bigint, n: number): boolean => ((value >> BigInt(n)) & 1n) === 1n;

const U64 = 0xffff_ffff_ffff_ffffn;

/** Bits 63:width of `value` set to bit width-1 (a canonical address for a linear-address width). */
export const signExtend = (value: bigint, width: number): bigint => {
  if (width >= 64) return value & U64;
  const low = value & ((1n << BigInt(width)) - 1n);
  return bitN(value, width - 1) ? (low | (U64 ^ ((1n << BigInt(width)) - 1n))) : low;
};

/** The controls an exit reads: pin-based ("virtual NMIs") and the VM-exit controls. */
export interface ExitControls {
  readonly pin: number;
  readonly exit: number;
}

export const exitControls = (image: VmcsImage): ExitControls => ({
  pin: control32(image, 'PIN_BASED_VM_EXEC_CONTROL'),
  exit: control32(image, 'VM_EXIT_CONTROLS'),
});

/** VM-exit control bit numbers (§24.7.1, Table 24-12). */
export const EXIT_CTL = {
  SAVE_DEBUG_CONTROLS: 2, HOST_ADDRESS_SPACE_SIZE: 9, LOAD_PERF_GLOBAL_CTRL: 12, SAVE_PAT: 18, LOAD_PAT: 19,
  SAVE_EFER: 20, LOAD_EFER: 21, SAVE_PREEMPTION_TIMER: 22, CLEAR_BNDCFGS: 23,
} as const;

/** Pin-based control "virtual NMIs" (§24.6.1). */
export const PIN_VIRTUAL_NMIS = 5;
