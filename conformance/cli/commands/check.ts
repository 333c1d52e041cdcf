/**
 * `vtspec check SUITE --impl model|reference|bochs|cmd:"COMMAND" [--jobs J] [--shard K/N]
 *  [--results out.jsonl] [--resume] [--junit out.xml] [--timeout MS]`: run a suite on an
 * implementation, write each verdict as it arrives, print a summary by rule and every divergence with
 * its rule, SDM section, expected and observed outcome, and end with
 * `conform: N passed, M failed, K skipped`. Exit status 0 exactly when nothing failed.
 */
import { createRequire } from 'node:module';
import { SingleBar, Presets } from 'cli-progress';
import { describeObservation } from '../../../spec/vtx/observation.js';
import { inShard } from '../../vtx/suite/generate.js';
import { adapterImplementation } from '../../check/adapter.js';
import { modelImplementation, referenceImplementation, type Implementation } from '../../check/implementation.js';
import { writeJunit } from '../../check/junit.js';
import { readResults } from '../../check/results-file.js';
import { runCheck, sectionOf, type CheckSummary } from '../../check/run.js';
import { readSuite } from '../../check/suite-file.js';
import { fail } from '../errors.js';
import { shrink } from '../../check/shrink.js';
import { encodeVector } from '../../../spec/vector/v1.js';
import { parseShard } from '../shard.js';
import { requireWritable } from '../outputs.js';

export interface CheckOptions { impl: string; jobs: string; shard?: string; results?: string; resume?: boolean; junit?: string; timeout: string; bochsCpu?: string; shrink?: boolean }

export const VTSPEC_VERSION: string = (createRequire(import.meta.url)('../../../../package.json') as { version: string }).version;

const positive = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} ${v}: expected a positive integer`);
  return n;
};

let bochsModule: typeof import('../../check/bochs.js') | undefined;

const chooseImplementationSync = (impl: string, jobs: number, timeoutMs: number, bochsCpu?: string): Implementation => {
  if (impl === 'model') return modelImplementation();
  if (impl === 'reference') return referenceImplementation();
  if (impl.startsWith('cmd:')) return adapterImplementation({ command: impl.slice(4).trim(), jobs, timeoutMs, vtspecVersion: VTSPEC_VERSION });
  return bochsModule!.bochsImplementation({ jobs, timeoutMs, ...(bochsCpu ? { cpuModel: bochsCpu } : {}) });
};

export const chooseImplementation = async (impl: string, jobs: number, timeoutMs: number, bochsCpu?: string): Promise<Implementation> => {
  if (impl === 'model') return modelImplementation();
  if (impl === 'reference') return referenceImplementation();
  if (impl.startsWith('cmd:')) {
    const command = impl.slice(4).trim();
    if (command === '') fail('--impl cmd:COMMAND: the command is empty');
    return adapterImplementation({ command, jobs, timeoutMs, vtspecVersion: VTSPEC_VERSION });
  }
  if (impl === 'bochs') {
    bochsModule = await import('../../check/bochs.js');
    return bochsModule.bochsImplementation({ jobs, timeoutMs, ...(bochsCpu ? { cpuModel: bochsCpu } : {}) });
  }
  return fail(`--impl ${impl}: expected model, reference, bochs or cmd:"COMMAND"`);
};

export const printSummary = (s: CheckSummary, out: (line: string) => void, o: { onlyWithFailuresOrSkips?: boolean } = {}): void => {
  const all = [...s.byRule].sort(([a], [b]) => (a < b ? -1 : 1));
  const rules = o.onlyWithFailuresOrSkips ? all.filter(([, t]) => t.failed > 0 || t.skipped > 0) : all;
  out(o.onlyWithFailuresOrSkips
    ? `by rule, where something failed or was skipped (${all.length - rules.length} more rules: every vector passed):`
    : 'by rule (vectors violating it: passed / failed / skipped):');
  for (const [rule, t] of rules) {
    const section = rule.startsWith('(') ? '' : `§${sectionOf(rule)}`;
    out(`  ${rule.padEnd(30)} ${section.padEnd(24)} ${t.passed} / ${t.failed} / ${t.skipped}`);
  }
  if (s.divergences.length > 0) {
    out('');
    out(`divergences (${s.divergences.length}):`);
    for (const { vector: v, result: r } of s.divergences.slice(0, 100)) {
      out(`  ${v.id}  ${v.origin}`);
      out(`    rules:    ${v.violates.map((id) => `${id} (§${sectionOf(id)})`).join(', ') || '(none: a valid case)'}`);
      out(`    expected: ${v.expected.undefinedBehaviour ? 'anything (undefined behaviour)' : v.expected.permitted.map(describeObservation).join(' | ')}`);
      out(`    observed: ${r.observed ? describeObservation(r.observed) : `${r.verdict}: ${r.reason ?? ''}`}`);
    }
    if (s.divergences.length > 100) out(`  … and ${s.divergences.length - 100} more (all are in the results file)`);
  }
  const skips = new Map<string, number>();
  for (const r of s.results.values()) if (r.verdict === 'skip') skips.set(r.reason ?? '', (skips.get(r.reason ?? '') ?? 0) + 1);
  if (skips.size > 0) {
    out('');
    out('skipped, by reason:');
    for (const [reason, n] of [...skips].sort((a, b) => b[1] - a[1])) out(`  ${String(n).padStart(6)}  ${reason}`);
  }
};

export const checkCommand = async (suitePath: string, o: CheckOptions): Promise<void> => {
  const jobs = positive('jobs', o.jobs);
  const timeoutMs = positive('timeout', o.timeout);
  const shard = parseShard(o.shard);
  if (o.resume && !o.results) fail('--resume needs --results FILE (the results of the run to resume)');
  if (o.results) requireWritable(o.results, '--results', o.resume === true);
  if (o.junit) requireWritable(o.junit, '--junit');
  const all = readSuite(suitePath);
  const vectors = shard ? all.filter((v) => inShard(v.id, shard)) : all;
  const impl = await chooseImplementation(o.impl, jobs, timeoutMs, o.bochsCpu);
  const done = o.resume && o.results ? readResults(o.results) : undefined;
  const other = done === undefined ? undefined : [...done.values()].find((r) => r.impl !== impl.name);
  if (other) fail(`--resume: ${o.results} holds results of '${other.impl}', not of '${impl.name}'; resume with the same --impl, or use another --results file`);

  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'check {bar} {value}/{total} vectors | {failed} failed', hideCursor: true, stream: process.stderr }, Presets.shades_classic)
    : null;
  let failed = 0;
  bar?.start(vectors.length, done ? vectors.filter((v) => done.has(v.id)).length : 0, { failed });
  const summary = await runCheck(vectors, impl, {
    ...(o.results ? { resultsPath: o.results } : {}),
    ...(done ? { done } : {}),
    onResult: (r) => {
      if (r.verdict === 'fail' || r.verdict === 'error') failed++;
      bar?.increment(1, { failed });
    },
  });
  bar?.stop();

  const lines: string[] = [`vtspec check ${suitePath} on ${impl.name}: ${vectors.length} vectors${shard ? ` (shard ${o.shard})` : ''}`, ''];
  printSummary(summary, (l) => lines.push(l));
  if (o.junit) writeJunit(o.junit, o.impl, summary, vectors);
  if (o.shrink) {
    const failing = summary.divergences.filter((d) => d.result.verdict === 'fail').slice(0, 10);
    if (failing.length > 0) lines.push('', `shrunk (minimal failing variants of the first ${failing.length} divergences):`);
    for (const d of failing) {
      const s = await shrink(d.vector, () => chooseImplementationSync(o.impl, jobs, timeoutMs, o.bochsCpu));
      if (s === null) continue;
      lines.push(`  ${d.vector.id} → ${s.minimal.id} after ${s.rounds} rounds; rules ${s.minimal.violates.join(', ') || '(none)'}`);
      for (const diff of s.differences) lines.push(`      ${diff}`);
      lines.push(`    ${JSON.stringify(encodeVector(s.minimal))}`);
    }
  }
  const nothingChecked = summary.passed + summary.failed === 0;
  if (nothingChecked) lines.push('', 'nothing was checked: the implementation skipped every vector (reasons above)');
  lines.push('', `conform: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (summary.failed > 0 || nothingChecked) process.exitCode = 1;
};
