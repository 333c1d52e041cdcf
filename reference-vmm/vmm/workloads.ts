/** Every efficiency workload of both reference VMMs, for `vtspec vmm`. */
import { VTX_WORKLOADS } from './vtx/workloads.js';
import type { Workload } from './workload.js';

export const ALL_WORKLOADS: readonly Workload[] = [...VTX_WORKLOADS];
