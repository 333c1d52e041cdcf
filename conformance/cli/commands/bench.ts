/**
 * `vtspec bench [--json] [--ms N] [--no-bochs]`: VM-entry evaluations per second, model vs reference
 * CPU, then suite vectors per second through `check` for model, reference CPU and Bochs, then guest
 * instructions per second in non-root operation, model vs reference CPU, all measured in one run, with
 * their ratios. Tests never time anything; this command is where speed is measured.
 */
import { runBench } from '../../vtx/bench.js';
import { runNonRootBench } from '../../vtx/bench-non-root.js';
import { runSuiteBench } from '../../vtx/bench-suite.js';
import { fail } from '../errors.js';

export const benchCommand = async (opts: { json?: boolean; ms?: string; bochs: boolean }): Promise<void> => {
  const ms = opts.ms === undefined ? 1500 : Number(opts.ms);
  if (!Number.isFinite(ms) || ms <= 0) fail(`--ms ${opts.ms}: expected a positive number of milliseconds`);
  const results = runBench(ms);
  const suite = await runSuiteBench(opts.bochs);
  const nonRoot = runNonRootBench(ms);
  const names = Object.keys(suite.perSecond);
  const ratios: Record<string, number> = {};
  for (const [i, a] of names.entries()) for (const b of names.slice(i + 1)) ratios[`${a}/${b}`] = suite.perSecond[a]! / suite.perSecond[b]!;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({
      unit: 'VM-entry evaluations per second (one core)', results,
      suite: { unit: 'suite vectors per second through check', ...suite, ratios },
      nonRoot,
    }, null, 2)}\n`);
    return;
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11);
  const out = ['VM-entry evaluations per second (one core):', 'states          cases        model   reference   model/reference'];
  for (const r of results) out.push(`${r.set.padEnd(14)}${String(r.cases).padStart(7)}  ${fmt(r.modelPerSecond)} ${fmt(r.referencePerSecond)}   ${r.ratio.toFixed(1)}x`);
  out.push('', `default suite (${suite.vectors} vectors) through check, vectors per second:`);
  for (const [impl, v] of Object.entries(suite.perSecond)) out.push(`  ${impl.padEnd(10)} ${fmt(v)}`);
  for (const [pair, v] of Object.entries(ratios)) out.push(`  ${pair.padEnd(20)} ${v.toFixed(1)}x`);
  if (suite.bochsSkipped !== undefined) out.push(`  (Bochs skipped ${suite.bochsSkipped} vectors it cannot realise; its figure includes booting it)`);
  if (suite.note) out.push(`  ${suite.note}`);
  out.push('', `${nonRoot.unit}:`, `  ${nonRoot.steps} instruction steps of a fixed guest program, ${nonRoot.exits} of them VM exits; each step from its own state`);
  out.push(`  model      ${fmt(nonRoot.modelPerSecond)}`, `  reference  ${fmt(nonRoot.referencePerSecond)}`, `  model/reference      ${nonRoot.ratio.toFixed(1)}x`);
  process.stdout.write(`${out.join('\n')}\n`);
};
