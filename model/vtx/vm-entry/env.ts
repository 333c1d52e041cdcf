/**
 * Everything a VM-entry check reads, decoded once per VMLAUNCH/VMRESUME. Checks are pure functions
 * of an EntryEnv; `F` names the dense field indices so `lo(e, F.GUEST_CR0)` reads bits 31:0.
 */
import { FIELD_INDEX } from '../../../spec/vtx/vmcs/encoding.js';
import type { VmcsImage, VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { isCanonical } from '../u64.js';

export const F = FIELD_INDEX;

export type EntryInstruction = 'VMLAUNCH' | 'VMRESUME';

export interface EntryEnv {
  readonly caps: Capabilities;
  readonly state: VtxState;
  readonly instruction: EntryInstruction;
  readonly v: VmcsImage;
  /** Effective control values: secondary (tertiary, secondary-exit) controls read as 0 unless activated. */
  readonly pin: number;
  readonly proc: number;
  readonly proc2: number;
  readonly proc3Lo: number;
  readonly proc3Hi: number;
  readonly exit: number;
  readonly exit2Lo: number;
  readonly exit2Hi: number;
  readonly entry: number;
  /** "unrestricted guest" (secondary bit 7). */
  readonly ug: boolean;
  /** "IA-32e mode guest" VM-entry control (bit 9). */
  readonly ia32e: boolean;
  /** "host address-space size" VM-exit control (bit 9). */
  readonly hasz: boolean;
  /** Guest RFLAGS.VM (bit 17): virtual-8086 guest. */
  readonly v86: boolean;
  /** VM-entry interruption-information field, bit 31 valid, bits 10:8 type, 7:0 vector. */
  readonly injecting: boolean;
  readonly injType: number;
  readonly injVector: number;
  /** The logical processor is in SMM (the entry is a return from SMM under dual-monitor treatment). */
  readonly inSmm: boolean;
}

export const lo = (e: EntryEnv, field: number): number => e.v[field * 2]!;
export const hi = (e: EntryEnv, field: number): number => e.v[field * 2 + 1]!;

/** The field holds a canonical linear address for this processor (bits 63:N-1 equal, N = linear-address width). */
export const canonical = (e: EntryEnv, field: number): boolean =>
  isCanonical(lo(e, field), hi(e, field), e.caps.linearAddressWidth);

export const makeEntryEnv = (caps: Capabilities, state: VtxState, instruction: EntryInstruction, v: VmcsImage): EntryEnv => {
  const proc = v[F.CPU_BASED_VM_EXEC_CONTROL * 2]!;
  const proc2 = (proc >>> 31) & 1 ? v[F.SECONDARY_VM_EXEC_CONTROL * 2]! : 0;
  const tertiary = ((proc >>> 17) & 1) === 1;
  const exit = v[F.VM_EXIT_CONTROLS * 2]!;
  const secondaryExit = ((exit >>> 31) & 1) === 1;
  const entry = v[F.VM_ENTRY_CONTROLS * 2]!;
  const intr = v[F.VM_ENTRY_INTR_INFO_FIELD * 2]!;
  return {
    caps, state, instruction, v,
    pin: v[F.PIN_BASED_VM_EXEC_CONTROL * 2]!,
    proc,
    proc2,
    proc3Lo: tertiary ? v[F.TERTIARY_VM_EXEC_CONTROL * 2]! : 0,
    proc3Hi: tertiary ? v[F.TERTIARY_VM_EXEC_CONTROL * 2 + 1]! : 0,
    exit,
    exit2Lo: secondaryExit ? v[F.SECONDARY_VM_EXIT_CONTROLS * 2]! : 0,
    exit2Hi: secondaryExit ? v[F.SECONDARY_VM_EXIT_CONTROLS * 2 + 1]! : 0,
    entry,
    ug: ((proc2 >>> 7) & 1) === 1,
    ia32e: ((entry >>> 9) & 1) === 1,
    hasz: ((exit >>> 9) & 1) === 1,
    v86: ((v[F.GUEST_RFLAGS * 2]! >>> 17) & 1) === 1,
    injecting: ((intr >>> 31) & 1) === 1,
    injType: (intr >>> 8) & 7,
    injVector: intr & 0xff,
    inSmm: state.cpu.inSmm,
  };
};
