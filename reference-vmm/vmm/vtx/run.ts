/**
 * Running a VT-x guest program natively and under the VT-x reference VMM — the two sides of the
 * Popek–Goldberg equivalence property and of the efficiency measurements:
 *
 * ```ts
 * const { guestView } = runNative(program);                       // NativeVtxCpu, no VMX
 * const { guestView, exits, vm } = runUnderVmm(program, config);  // reference CPU in VMX non-root operation
 * ```
 * `guestView` (guest-view.ts) is everything the guest can observe: its registers as its instructions
 * read them, its guest-physical memory, and the log of deliveries through its IDT and of the values
 * its privileged reads returned; `exits` counts the VM exits by reason (workload.ts's ExitTable).
 * Both runs use the same loop (drive.ts) and the same platform: an interrupt controller in front of the
 * processor (interrupt-controller.ts) and a serial device at 3F8H (device.ts).
 */
import { EXIT_REASON_BY_NUMBER } from '../../../spec/vtx/exit-reasons.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import { BUILTIN_PROFILES, DEFAULT_PROFILE } from '../../../spec/vtx/profiles/index.js';
import type { VtxGuestProgram } from '../../guests/vtx/program.js';
import { tableOf, type ExitTable } from '../workload.js';
import { DEFAULT_VTX_VMM_CONFIG, type VtxVmmConfig } from './config.js';
import { drive } from './drive.js';
import type { VtxGuestView } from './guest-view.js';
import { NativePlatform } from './native-platform.js';
import type { Vm } from './vm.js';
import { VmmPlatform } from './vmm.js';

export type { VtxGuestView, GuestLogEntry, GuestRegisters, RunEnd } from './guest-view.js';
export type { VtxVmmConfig } from './config.js';
export { DEFAULT_VTX_VMM_CONFIG, configWithout, VTX_FEATURES } from './config.js';
export { VmmError } from './host.js';

export const defaultVtxProfile = (): VtxProfile => BUILTIN_PROFILES[DEFAULT_PROFILE];

export interface NativeRun {
  readonly guestView: VtxGuestView;
}

export interface VmmRun {
  readonly guestView: VtxGuestView;
  readonly exits: ExitTable;
  /** Exit reasons in order (basic reason numbers). */
  readonly exitReasons: readonly number[];
  /** The VMM's state after the run (FPU bookkeeping, configuration) for tests and reports. */
  readonly vm: Vm;
}

/** The name an exit table uses for a basic exit reason (SDM App. C). */
export const exitReasonName = (reason: number): string => EXIT_REASON_BY_NUMBER.get(reason)?.name ?? `exit reason ${reason}`;

export const runNative = (program: VtxGuestProgram, profile: VtxProfile = defaultVtxProfile()): NativeRun =>
  ({ guestView: drive(program, new NativePlatform(profile, program.initial)) });

export const runUnderVmm = (program: VtxGuestProgram, config: VtxVmmConfig = DEFAULT_VTX_VMM_CONFIG, profile: VtxProfile = defaultVtxProfile()): VmmRun => {
  const platform = new VmmPlatform(profile, config, program.initial);
  const guestView = drive(program, platform);
  const reasons = platform.vm.exits;
  return { guestView, exits: tableOf(reasons.map(exitReasonName), guestView.retired), exitReasons: [...reasons], vm: platform.vm };
};
