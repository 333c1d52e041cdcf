/**
 * What `vtspec vmm run` and `vtspec vmm compare` need from a reference VMM: named guest workloads,
 * each with the VT feature that helps it (the paper's efficiency claims), run with or without that
 * feature, and the VMM entries (VM exits on VT-x, virtualization intercepts on VT-i) counted by cause.
 */
export type Arch = 'vtx' | 'vti';

export interface ExitTable {
  /** Count per cause: the exit reason's or intercept cause's name. */
  readonly byCause: Readonly<Record<string, number>>;
  readonly total: number;
  /** Guest instructions retired (a yardstick for the exit rate). */
  readonly guestInstructions: number;
  /** Counts that cut across causes, e.g. the interruption-CR intercepts among the MOV CR ones (VT-i). */
  readonly notes?: Readonly<Record<string, number>>;
}

export interface Workload {
  readonly arch: Arch;
  readonly name: string;
  readonly description: string;
  /** The feature the paper says makes this workload cheaper, e.g. 'tpr-shadow', 'lazy-fpu', 'ept'. */
  readonly feature: string;
  /** What the VMM does instead when the feature is off, for the report. */
  readonly fallback: string;
  readonly run: (opts: { readonly without: readonly string[] }) => ExitTable;
}

export const tableOf = (causes: Iterable<string>, guestInstructions: number): ExitTable => {
  const byCause: Record<string, number> = {};
  let total = 0;
  for (const c of causes) { byCause[c] = (byCause[c] ?? 0) + 1; total++; }
  return { byCause, total, guestInstructions };
};
