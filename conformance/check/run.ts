/**
 * Checking an implementation against a suite: each vector's report is judged with `conforms` against
 * the outcomes the vector says the SDM permits, written to the results file at once, and summarised
 * by rule. Adapter errors count as failures; skips (with their reason) do not.
 */
import { describeObservation } from '../../spec/vtx/observation.js';
import type { Vector } from '../../spec/vector/v1.js';
import { ENTRY_CHECKS, type EntryCheckId } from '../../spec/vtx/vm-entry/index.js';
import { INSTRUCTION_RULES, type InstructionRuleId } from '../../spec/vtx/vmx-instructions/index.js';
import { conforms } from '../../model/vtx/outcome.js';
import type { Implementation } from './implementation.js';
import { appendResult, type CaseResult } from './results-file.js';

export interface Divergence {
  readonly vector: Vector;
  readonly result: CaseResult;
}

export interface RuleTally { passed: number; failed: number; skipped: number }

export interface CheckSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly byRule: ReadonlyMap<string, RuleTally>;
  readonly divergences: readonly Divergence[];
  readonly results: ReadonlyMap<string, CaseResult>;
}

export const sectionOf = (rule: string): string =>
  ENTRY_CHECKS[rule as EntryCheckId]?.section ?? INSTRUCTION_RULES[rule as InstructionRuleId]?.section ?? '?';

export const judge = (v: Vector, impl: string, report: Parameters<Parameters<Implementation['run']>[1]>[1]): CaseResult => {
  switch (report.kind) {
    case 'skip': return { id: v.id, impl, verdict: 'skip', reason: report.reason };
    case 'error': return { id: v.id, impl, verdict: 'error', reason: report.reason };
    case 'observed':
      return conforms(report.observation, v.expected)
        ? { id: v.id, impl, verdict: 'pass', observed: report.observation }
        : { id: v.id, impl, verdict: 'fail', observed: report.observation, reason: `observed ${describeObservation(report.observation)}; permitted: ${v.expected.permitted.map(describeObservation).join(' | ')}` };
  }
};

export const runCheck = async (
  vectors: readonly Vector[],
  impl: Implementation,
  o: { readonly resultsPath?: string; readonly done?: ReadonlyMap<string, CaseResult>; readonly onResult?: (r: CaseResult) => void },
): Promise<CheckSummary> => {
  const results = new Map<string, CaseResult>();
  const todo = vectors.filter((v) => {
    const previous = o.done?.get(v.id);
    if (previous) results.set(v.id, previous);
    return previous === undefined;
  });
  try {
    await impl.run(todo, (i, report) => {
      const r = judge(todo[i]!, impl.name, report);
      results.set(r.id, r);
      if (o.resultsPath) appendResult(o.resultsPath, r);
      o.onResult?.(r);
    });
  } finally {
    await impl.close();
  }
  const byRule = new Map<string, RuleTally>();
  const divergences: Divergence[] = [];
  let passed = 0, failed = 0, skipped = 0;
  for (const v of vectors) {
    const r = results.get(v.id);
    if (r === undefined) continue;
    const bucket = r.verdict === 'pass' ? 'passed' : r.verdict === 'skip' ? 'skipped' : 'failed';
    if (bucket === 'passed') passed++;
    else if (bucket === 'skipped') skipped++;
    else {
      failed++;
      divergences.push({ vector: v, result: r });
    }
    for (const rule of v.violates.length > 0 ? v.violates : ['(valid: no rule violated)']) {
      const t = byRule.get(rule) ?? { passed: 0, failed: 0, skipped: 0 };
      t[bucket]++;
      byRule.set(rule, t);
    }
  }
  return { passed, failed, skipped, byRule, divergences, results };
};
