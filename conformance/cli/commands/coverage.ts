/** `vtspec coverage [--json]`: per rule, whether spec, model, reference CPU and tests agree. */
import { computeCoverage, isGap } from '../../vtx/coverage.js';

export const coverageCommand = (opts: { json?: boolean }): void => {
  const { rules, exitReasons, gaps } = computeCoverage();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ rules, exitReasons, gaps }, null, 2)}\n`);
  } else {
    const yes = (b: boolean) => (b ? 'yes' : 'NO ');
    const sw = Math.max(...rules.map((r) => r.section.length)) + 2;
    const out = [`${'rule'.padEnd(30)}${'section'.padEnd(sw)}spec model reference tested`];
    for (const r of rules) {
      out.push(`${r.id.padEnd(30)}${r.section.padEnd(sw)}${yes(r.spec)}  ${yes(r.model)}   ${yes(r.reference)}       ${yes(r.tested)}${r.note === undefined ? '' : `  (${r.note})`}${isGap(r) ? '  <- gap' : ''}`);
    }
    out.push('', `${'exit reason'.padEnd(8)} produced by the model on the witness of`);
    for (const r of exitReasons) out.push(`${String(r.reason).padEnd(8)} ${(r.producedBy ?? 'NONE').padEnd(28)} ${r.name}`);
    const count = (k: string) => rules.filter((r) => r.kind === k).length;
    const missing = exitReasons.filter((r) => r.producedBy === null).length;
    out.push('', `${rules.length} rules (${count('vm-entry')} VM-entry checks, ${count('instruction')} VMX instruction rules, ${count('non-root')} non-root rules, ${count('vm-exit')} VM-exit/entry-load rules, ${count('event-delivery')} injection/delivery/paging/EPT rules, ${count('vti')} VT-i rules), ${exitReasons.length} exit reasons in scope; ${gaps} gap${gaps === 1 ? '' : 's'} (a rule missing from model, reference CPU or tests, or an exit reason no witness produces${missing > 0 ? `: ${missing} exit reasons` : ''})`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (gaps > 0) process.exitCode = 1;
};
