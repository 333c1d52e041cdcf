/**
 * The Bochs backend: run VT-x VM-entry cases on Debian's Bochs 2.7 (an independent VMX
 * implementation) and report what it does, for `vtspec check --impl bochs` and `vtspec conform`.
 * See docs/bochs-backend.md.
 */
export { bochsAvailable, type Availability } from './bochs-process.js';
export { runOnBochs, profileForCpuModel, CPU_MODEL_PROFILES, type BochsResult, type RunOptions } from './run.js';
export { captureProfile, CaptureError } from './capture.js';
export { bochsRealiser, HARNESS_CPU, type BochsCase, type Realised, type Realiser } from './realise.js';
export { baselineCase, witnessCase, witnessCases } from './cases.js';
