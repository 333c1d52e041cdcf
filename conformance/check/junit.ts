/** JUnit XML for CI dashboards: one testcase per vector, named by its origin; failures carry the reason. */
import { writeFileSync } from 'node:fs';
import type { CheckSummary } from './run.js';

const esc = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export const writeJunit = (path: string, impl: string, s: CheckSummary, vectors: readonly { id: string; origin: string; violates: readonly string[] }[]): void => {
  const cases = vectors.flatMap((v) => {
    const r = s.results.get(v.id);
    if (r === undefined) return [];
    const head = `  <testcase classname="${esc(v.violates[0] ?? 'valid')}" name="${esc(`${v.origin} [${v.id}]`)}">`;
    const body = r.verdict === 'pass' ? '' : r.verdict === 'skip' ? `<skipped message="${esc(r.reason ?? '')}"/>`
      : r.verdict === 'error' ? `<error message="${esc(r.reason ?? '')}"/>` : `<failure message="${esc(r.reason ?? '')}"/>`;
    return [`${head}${body}</testcase>`];
  });
  const errors = [...s.results.values()].filter((r) => r.verdict === 'error').length;
  writeFileSync(path, [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${esc(`vtspec check --impl ${impl}`)}" tests="${cases.length}" failures="${s.failed - errors}" errors="${errors}" skipped="${s.skipped}">`,
    ...cases,
    '</testsuite>',
    '',
  ].join('\n'));
};
