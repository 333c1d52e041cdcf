/**
 * The reference VT-i VMM (README.md): boots a virtual processor through PAL, runs guest programs on
 * an injected `VtiStep` (the reference CPU, or the model's canonical step), emulates every
 * intercepted instruction, delivers the guest's interrupts, and counts its entries by cause.
 */
export { VtiVmm, runUnderVmm, type GuestStep, type VmmRun } from './vmm.js';
export { runNative, type NativeRun } from './native.js';
export { guestDiff, guestView } from './guest-view.js';
export {
  DEFAULT_VTI_VMM_CONFIG, INT_CR_ACCELERATIONS, intCrPolicy, LK_XEN_VAC, LK_XEN_VDC, NO_ACCELERATION_CONFIG, vacBit, vdcBit,
  type VtiVmmConfig,
} from './config.js';
export { guestProfile, isVmmOnlyAddress, vmmAddress, vmmLayout, type VmmLayout } from './layout.js';
export { nextInstructionAddress, slotAddress, type GuestProgram, type RunEnd, type ScheduledEvent } from './program.js';
export type { CountRow, VmmCounts } from './stats.js';
export { formatInterceptTables, runWorkloadOn, type InterceptTable } from './workload.js';
export { runVtiWorkload, vtiInterceptReport, type VtiReportOptions, type VtiWorkloadOptions } from './report.js';
export { VmmError } from './host.js';
