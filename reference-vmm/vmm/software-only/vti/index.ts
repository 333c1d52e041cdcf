/** The software-only (no VT-i) baseline VMM for Itanium: ring deprivileging with trap-and-emulate. */
export { SoftwareVtiVmm, SoftwareVmmError, type EntryCounts, type GuestStep } from './vmm.js';
export { runUnderSoftwareVmm, type SoftwareVtiRun } from './run.js';
export { BASELINE_VTI_LAYOUT, isVmmAddress } from './layout.js';
