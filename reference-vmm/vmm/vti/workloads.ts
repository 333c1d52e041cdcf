/**
 * The VT-i efficiency workloads for `vtspec vmm` (reference-vmm/vmm/workload.ts): each guest kernel
 * under the VT-i VMM on the reference CPU, with and without the interruption-control-register
 * accelerations (vac.a_from_int_cr / a_to_int_cr; ITJ "Frequent Access to Privileged Resources").
 * VMM entries are the virtualization intercepts (by cause) plus the other host interruptions.
 */
import type { VtiGuestName } from '../../guests/vti/index.js';
import type { ExitTable, Workload } from '../workload.js';
import { runVtiWorkload } from './report.js';

const DESCRIPTIONS: Readonly<Record<VtiGuestName, string>> = {
  'interruption-handler': 'an interruption handler reading nine interruption CRs and writing three on every interrupt, returning with rfi',
  'pta-thash': 'reads cr.pta, uses thash, logs cr.iipa from a break handler',
  'interrupt-masking': 'rsm/ssm psr.i and TPR raises/lowers under a stream of interrupts',
};

const table = (name: VtiGuestName, accelerate: boolean): ExitTable => {
  const t = runVtiWorkload(name, { accelerate });
  const byCause: Record<string, number> = {};
  for (const r of t.counts.intercepts) byCause[`intercept ${r.key}`] = r.count;
  for (const r of t.counts.hostInterruptions) byCause[`host ${r.key}`] = r.count;
  const total = Object.values(byCause).reduce((a, b) => a + b, 0);
  return { byCause, total, guestInstructions: t.retired, notes: { 'interruption-CR (CR16–CR25) intercepts': t.counts.interruptionCrIntercepts } };
};

/**
 * The guests whose cost the interruption-CR accelerations change. interrupt-masking is left out: its
 * VMM entries are psr.i and TPR accesses, which these accelerations do not touch (and the TPR/a_int
 * path still intercepts in the model, spec/paper challenge notes), so it has no helping feature here.
 */
const MEASURED: readonly VtiGuestName[] = ['interruption-handler', 'pta-thash'];

export const VTI_WORKLOADS: readonly Workload[] = MEASURED.map((name) => ({
  arch: 'vti',
  name,
  description: DESCRIPTIONS[name],
  feature: 'accelerations',
  fallback: 'every access to CR16–CR25 intercepts and the VMM emulates it on the VPD',
  run: (opts: { readonly without: readonly string[] }) => table(name, !opts.without.includes('accelerations')),
}));
