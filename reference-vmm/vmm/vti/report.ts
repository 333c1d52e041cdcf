/**
 * What the CLI calls (`vtspec vmm run --arch vti --guest <name> [--without accel]`): a guest program
 * under the VMM on the reference CPU — the processor the VMM is written for — and the intercept
 * table, with and without the interruption-control-register accelerations (issue 5, acceptance).
 */
import { DEFAULT_VTI_PROFILE, type VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { referenceVtiStep } from '../../cpu/vti/index.js';
import type { VtiGuestName } from '../../guests/vti/index.js';
import { formatInterceptTables, runWorkloadOn, type InterceptTable } from './workload.js';

export interface VtiWorkloadOptions {
  /** With vac.a_from_int_cr and vac.a_to_int_cr. */
  readonly accelerate: boolean;
  /** The processor; default the reference CPU. */
  readonly step?: VtiStep;
  readonly profile?: VtiProfile;
}

/** Run guest `name` under the VMM and count every entry into the VMM by cause. */
export const runVtiWorkload = (name: VtiGuestName, opts: VtiWorkloadOptions): InterceptTable =>
  runWorkloadOn(opts.step ?? referenceVtiStep, opts.profile ?? DEFAULT_VTI_PROFILE, name, { accelerate: opts.accelerate });

export interface VtiReportOptions {
  /** Only one column: with (true) or without (false) the accelerations; default both. */
  readonly accelerate?: boolean;
  readonly step?: VtiStep;
  readonly profile?: VtiProfile;
}

/**
 * The intercept report of guest `name` (default the interruption-handler kernel of the acceptance
 * item): one column with the interruption-CR accelerations and one without, or only the one asked.
 */
export const vtiInterceptReport = (name: VtiGuestName = 'interruption-handler', opts: VtiReportOptions = {}): string => {
  const runs = opts.accelerate === undefined ? [true, false] : [opts.accelerate];
  const tables = runs.map((accelerate) => runVtiWorkload(name, {
    accelerate, ...(opts.step === undefined ? {} : { step: opts.step }), ...(opts.profile === undefined ? {} : { profile: opts.profile }),
  }));
  const withAcc = tables.find((t) => t.accelerate);
  const without = tables.find((t) => !t.accelerate);
  const summary = withAcc !== undefined && without !== undefined
    ? [`interruption-control-register intercepts: ${without.counts.interruptionCrIntercepts} without a_from_int_cr/a_to_int_cr, ${withAcc.counts.interruptionCrIntercepts} with them`]
    : [];
  return [...summary, formatInterceptTables(tables)].join('\n');
};
