/** The software-only (no VT-x) baseline VMM for IA-32: ring deprivileging with trap-and-emulate. */
export { SoftwareVtxPlatform } from './platform.js';
export { runUnderSoftwareVmm, type SoftwareVtxRun } from './run.js';
export { VMM_PHYSICAL, vmmAreaBase } from './layout.js';
