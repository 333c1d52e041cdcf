/** `vtspec bench [--json] [--ms N]`: VM-entry evaluations per second, model vs reference CPU. */
import { runBench } from '../../vtx/bench.js';
import { fail } from '../errors.js';

export const benchCommand = (opts: { json?: boolean; ms?: string }): void => {
  const ms = opts.ms === undefined ? 1500 : Number(opts.ms);
  if (!Number.isFinite(ms) || ms <= 0) fail(`--ms ${opts.ms}: expected a positive number of milliseconds`);
  const results = runBench(ms);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ unit: 'VM-entry evaluations per second (one core)', results }, null, 2)}\n`);
    return;
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11);
  const out = ['VM-entry evaluations per second (one core):', 'states          cases        model   reference   model/reference'];
  for (const r of results) out.push(`${r.set.padEnd(14)}${String(r.cases).padStart(7)}  ${fmt(r.modelPerSecond)} ${fmt(r.referencePerSecond)}   ${r.ratio.toFixed(1)}x`);
  process.stdout.write(`${out.join('\n')}\n`);
};
