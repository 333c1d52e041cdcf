/** `vtspec coverage [--json]`: per rule, whether spec, model, reference CPU and tests agree. */
import { computeCoverage } from '../../vtx/coverage.js';

export const coverageCommand = (opts: { json?: boolean }): void => {
  const { rules, gaps } = computeCoverage();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ rules, gaps }, null, 2)}\n`);
  } else {
    const yes = (b: boolean) => (b ? 'yes' : 'NO ');
    const sw = Math.max(...rules.map((r) => r.section.length)) + 2;
    const out = [`${'rule'.padEnd(30)}${'section'.padEnd(sw)}spec model reference tested`];
    for (const r of rules) out.push(`${r.id.padEnd(30)}${r.section.padEnd(sw)}${yes(r.spec)}  ${yes(r.model)}   ${yes(r.reference)}       ${yes(r.tested)}`);
    const entry = rules.filter((r) => r.kind === 'vm-entry').length;
    out.push('', `${rules.length} rules (${entry} VM-entry checks, ${rules.length - entry} VMX instruction rules); ${gaps} gap${gaps === 1 ? '' : 's'} (a rule missing from model, reference CPU or tests)`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (gaps > 0) process.exitCode = 1;
};
