/**
 * The VT-x efficiency workloads (`vtspec vmm run --arch vtx`, `vtspec vmm compare`): each hand-written
 * guest kernel run under the reference VMM with and without the control the paper says helps it, the
 * VM exits counted by reason (ITJ "Frequent Access to Privileged Resources", "Interrupt
 * Virtualization", "Lazy Floating-Point State Processing"; EPT against shadow paging; and system calls,
 * which cause no exits under VT-x at all — there the feature measured is the MSR bitmaps, for the
 * RDMSR in the kernel's entry path).
 */
import { interruptMaskingKernel, lazyFpuKernel, pageTableKernel, syscallKernel, tprKernel } from '../../guests/vtx/kernels.js';
import type { VtxGuestProgram } from '../../guests/vtx/program.js';
import type { ExitTable, Workload } from '../workload.js';
import { configWithout, VTX_FEATURES, type VtxFeature } from './config.js';
import { runUnderVmm } from './run.js';

const workload = (name: string, description: string, feature: VtxFeature, guest: () => VtxGuestProgram): Workload => ({
  arch: 'vtx',
  name,
  description,
  feature,
  fallback: VTX_FEATURES[feature].fallback,
  run: (opts: { readonly without: readonly string[] }): ExitTable => runUnderVmm(guest(), configWithout(opts.without)).exits,
});

export const VTX_WORKLOADS: readonly Workload[] = [
  workload('tpr', 'MOV CR8 at high frequency (raise/lower around critical sections) with class-5 interrupts arriving', 'tpr-shadow', () => tprKernel()),
  workload('interrupt-masking', 'CLI/STI around critical sections with a stream of timer interrupts', 'interrupt-window', () => interruptMaskingKernel()),
  workload('lazy-fpu', 'a scheduler setting CR0.TS at each of 30 task switches; every task uses the FPU 4 times; 3 host ticks', 'lazy-fpu', () => lazyFpuKernel()),
  workload('page-tables', 'MOV CR3 between two address spaces, PTE stores with INVLPG', 'ept', () => pageTableKernel()),
  workload('syscall', 'SYSENTER/SYSEXIT system calls from CPL 3 (no exits under VT-x); RDMSR in the kernel entry', 'msr-bitmaps', () => syscallKernel()),
];
