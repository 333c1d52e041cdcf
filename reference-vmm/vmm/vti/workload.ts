/**
 * The acceptance workload of issue 5: a guest program run under the VMM with and without the
 * interruption-control-register accelerations (vac.a_from_int_cr, vac.a_to_int_cr), and the table of
 * VMM entries by cause. ITJ ("Virtualization Configuration"): with them, a guest handler's reads and
 * writes of CR16-CR25 never reach the VMM.
 */
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { VTI_GUESTS, type VtiGuestName } from '../../guests/vti/index.js';
import { hex } from './bits.js';
import { intCrPolicy } from './config.js';
import type { RunEnd } from './program.js';
import type { CountRow, VmmCounts } from './stats.js';
import { runUnderVmm } from './vmm.js';

export interface InterceptTable {
  readonly guest: VtiGuestName;
  readonly accelerate: boolean;
  /** The vac the VMM ran the guest with. */
  readonly vac: bigint;
  readonly retired: number;
  readonly end: RunEnd;
  readonly counts: VmmCounts;
}

export interface WorkloadOptions {
  /** With vac.a_from_int_cr and vac.a_to_int_cr (the other LK/XEN accelerations are on either way). */
  readonly accelerate: boolean;
}

export const runWorkloadOn = (step: VtiStep, profile: VtiProfile, guest: VtiGuestName, opts: WorkloadOptions): InterceptTable => {
  const config = intCrPolicy(opts.accelerate);
  const run = runUnderVmm(step, profile, config, VTI_GUESTS[guest]);
  return { guest, accelerate: opts.accelerate, vac: config.vac, retired: run.retired, end: run.end, counts: run.counts };
};

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** Rows of several tables side by side: one line per key, one column per table. */
const columns = (title: string, tables: readonly InterceptTable[], pick: (c: VmmCounts) => readonly CountRow[]): string[] => {
  const keys = [...new Set(tables.flatMap((t) => pick(t.counts).map((r) => r.key)))];
  if (keys.length === 0) return [`${title}: none`];
  return [
    `${title}:`,
    ...keys.map((k) => `  ${pad(k, 44)}${tables.map((t) => lpad(String(pick(t.counts).find((r) => r.key === k)?.count ?? 0), 14)).join('')}`),
  ];
};

const heading = (t: InterceptTable): string => (t.accelerate ? 'accelerated' : 'unaccelerated');

/** The report `vtspec vmm run --arch vti` prints: one column per table. */
export const formatInterceptTables = (tables: readonly InterceptTable[]): string => {
  const first = tables[0];
  if (first === undefined) return '';
  const g = VTI_GUESTS[first.guest];
  const num = (f: (t: InterceptTable) => number): string => tables.map((t) => lpad(String(f(t)), 14)).join('');
  return [
    `guest ${g.name}: ${g.description}`,
    `  ${pad('', 44)}${tables.map((t) => lpad(heading(t), 14)).join('')}`,
    `  ${pad('vac', 44)}${tables.map((t) => lpad(hex(t.vac), 14)).join('')}`,
    `  ${pad('guest instructions retired', 44)}${num((t) => t.retired)}`,
    `  ${pad('interruption-control-register intercepts', 44)}${num((t) => t.counts.interruptionCrIntercepts)}`,
    `  ${pad('all virtualization intercepts', 44)}${num((t) => t.counts.interceptsTotal)}`,
    ...columns('intercepts by cause (GR24)', tables, (c) => c.intercepts),
    ...columns('other VMM entries (host IVT)', tables, (c) => c.hostInterruptions),
    ...columns('interruptions delivered to the guest', tables, (c) => c.guestInterruptions),
    ...columns('PAL calls', tables, (c) => c.palCalls),
  ].join('\n');
};
