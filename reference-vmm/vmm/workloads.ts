/** Every efficiency workload of both reference VMMs, for `vtspec vmm`. */
import { VTI_WORKLOADS } from './vti/workloads.js';
import { VTX_WORKLOADS } from './vtx/workloads.js';
import type { Workload } from './workload.js';

export const ALL_WORKLOADS: readonly Workload[] = [...VTX_WORKLOADS, ...VTI_WORKLOADS];
