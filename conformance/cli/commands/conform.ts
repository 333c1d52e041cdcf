/**
 * `vtspec conform [--count N] [--seed S] [--profile P]`: the README's main job. Checks the reference CPU
 * against the model on every witness and N near-boundary VM entries; prints a summary by rule, every
 * divergence with its rule, SDM section, expected and observed outcome, and ends with
 * `conform: N passed, M failed, K skipped`. Exit status 0 exactly when everything conforms.
 */
import { BUILTIN_PROFILE_NAMES, type BuiltinProfileName } from '../../../spec/vtx/profiles/index.js';
import { conformCases, runConform } from '../../vtx/conform.js';
import { fail } from '../errors.js';

const int = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} ${v}: expected an integer ≥ ${min}`);
  return n;
};

export const conformCommand = (opts: { count: string; seed: string; profile?: string; impl: string }): void => {
  if (opts.impl !== 'reference') {
    fail(`--impl ${opts.impl}: only 'reference' is available so far (Bochs and external adapters come with the conformance-suite issue)`);
  }
  if (opts.profile !== undefined && !(BUILTIN_PROFILE_NAMES as string[]).includes(opts.profile)) {
    fail(`unknown profile '${opts.profile}': use one of ${BUILTIN_PROFILE_NAMES.join(', ')}`);
  }
  const profiles = opts.profile === undefined ? undefined : [opts.profile as BuiltinProfileName];
  const cases = conformCases(int('count', opts.count, 0), int('seed', opts.seed, 0), profiles);
  const tty = process.stderr.isTTY;
  const report = runConform(cases, tty ? (done) => { if (done % 2000 === 0 || done === cases.length) process.stderr.write(`\r  ${done}/${cases.length} cases`); } : undefined);
  if (tty) process.stderr.write('\n');
  const witnesses = cases.filter((c) => c.name.startsWith('witness')).length;
  const out: string[] = [`VT-x VM entry: reference CPU vs model, ${cases.length} cases (${witnesses} rule witnesses, ${cases.length - witnesses} near-boundary)`, ''];
  const rules = [...report.byRule].sort((a, b) => b[1].cases - a[1].cases);
  out.push(`rules exercised (violated at least once): ${rules.length}`);
  for (const [id, r] of rules.filter(([, r]) => r.conformed < r.cases)) out.push(`  ${id}: ${r.cases - r.conformed} of ${r.cases} cases diverge`);
  if (report.divergences.length > 0) {
    out.push('', 'divergences:');
    for (const d of report.divergences.slice(0, 50)) {
      out.push(`  ${d.name}: rules ${d.rules.map((r) => `${r.id} (§${r.section})`).join(', ') || '(none: valid entry)'}`);
      out.push(`    expected one of: ${d.expected.join(' | ')}`, `    observed:        ${d.observed}`);
    }
    if (report.divergences.length > 50) out.push(`  … and ${report.divergences.length - 50} more`);
  }
  out.push('', `conform: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (report.failed > 0) process.exitCode = 1;
};
