/**
 * Markdown building blocks of docs/paper.md: how one claim's rules, model code and tests are listed.
 * Everything comes from spec/paper and the location data of this folder; nothing reads the tree.
 */
import { RULE_CATALOGS, catalogOf } from '../../spec/paper/catalogs.js';
import type { PaperArchitecture, PaperClaimSpec, RuleRef } from '../../spec/paper/claim.js';
import { TRANSITION_RULE_CATALOG } from '../../spec/vtx/vm-exit/index.js';
import { MODEL_CODE } from './model-code.js';
import { testsOfRule, type TestRef } from './rule-tests.js';

export const code = (s: string): string => `\`${s}\``;

export const ARCH_LABEL: Record<PaperArchitecture, string> = { vtx: 'VT-x', vti: 'VT-i', both: 'VT-x and VT-i', general: 'general' };

/** "a, b and c". */
export const listing = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;

/** Group values by key, keeping first-seen order of keys and values. */
export const groupBy = <T>(pairs: readonly (readonly [string, T])[]): [string, T[]][] => {
  const m = new Map<string, T[]>();
  for (const [k, v] of pairs) {
    const list = m.get(k) ?? [];
    if (!list.includes(v)) list.push(v);
    m.set(k, list);
  }
  return [...m.entries()];
};

const notModelled = (id: string): string | undefined =>
  (TRANSITION_RULE_CATALOG as Readonly<Record<string, { readonly notModelled?: string }>>)[id]?.notModelled;

/** "`EXIT.X`, `EXIT.Y` (spec/vtx/non-root (NON_ROOT_RULES))" per catalog; controls last. */
export const specLine = (ids: readonly RuleRef[]): string =>
  groupBy(ids.map((id) => [catalogOf(id) ?? 'unknown', id] as const))
    .map(([cat, list]) => `${list.map(code).join(', ')} (${cat === 'unknown' ? 'not in any catalog' : RULE_CATALOGS[cat as keyof typeof RULE_CATALOGS].source})`)
    .join('; ');

/** Model files with the rules each implements; then the rules the model leaves out, with the reason. */
export const modelLines = (ids: readonly RuleRef[]): string[] => {
  const rules = ids.filter((id) => catalogOf(id) !== 'controls');
  const byFile = groupBy(rules.flatMap((id) => (MODEL_CODE[id] ?? []).map((f) => [f, id] as const)));
  const lines = byFile.map(([file, list]) => `${code(file)}: ${list.map(code).join(', ')}`);
  for (const id of rules) {
    if ((MODEL_CODE[id] ?? []).length > 0) continue;
    const why = notModelled(id);
    lines.push(why === undefined ? `${code(id)}: no model code listed` : `${code(id)}: not modelled (${why})`);
  }
  return lines;
};

export const testRefText = (t: TestRef): string => [...t.suite, t.title].map((p) => `"${p}"`).join(' › ');

/** "`file` › "suite" › "title 1"; "title 2"", one entry per file and suite. */
const byFileAndSuite = (refs: readonly TestRef[]): string[] =>
  groupBy(refs.map((t) => [JSON.stringify([t.file, ...t.suite]), t.title] as const)).map(([key, titles]) => {
    const [file = '', ...suite] = JSON.parse(key) as string[];
    return [code(file), ...suite.map((x) => `"${x}"`)].join(' › ') + ` › ${titles.map((x) => `"${x}"`).join('; ')}`;
  });

/** Test files with the tests in each; then the rules no test names yet. */
export const testLines = (ids: readonly RuleRef[], extra: readonly TestRef[] = [], pending: readonly TestRef[] = []): string[] => {
  const rules = ids.filter((id) => catalogOf(id) !== 'controls');
  const refs = [...extra, ...rules.flatMap((id) => testsOfRule(id))];
  const lines = byFileAndSuite(refs);
  const untested = rules.filter((id) => testsOfRule(id).length === 0 && notModelled(id) === undefined);
  if (untested.length > 0) lines.push(`no test names ${listing(untested.map(code))} yet`);
  for (const line of byFileAndSuite(pending)) lines.push(`to come, ${line}`);
  return lines;
};

/** One claim as a paragraph and a list. */
export const claimBlock = (id: string, c: PaperClaimSpec, extra: readonly TestRef[], pending: readonly TestRef[]): string[] => {
  const head = `**${code(id)}**: ${ARCH_LABEL[c.architecture]}, ${c.kind}. ${c.statement}`;
  if (c.kind === 'background') return [head, '', `- Not checkable: ${c.notCheckable ?? ''}.`, ''];
  const bullets = [
    `- Spec: ${specLine(c.checkedBy)}.`,
    `- Model: ${modelLines(c.checkedBy).join('; ')}.`,
    `- Tests: ${testLines(c.checkedBy, extra, pending).join('; ')}.`,
    ...(c.note === undefined ? [] : [`- Note: ${c.note}.`]),
  ];
  return [head, '', ...bullets, ''];
};
