/**
 * Traceability by source: which rule IDs the model's code, the reference CPU's code and the test
 * titles name. Used for the rule catalogs whose behaviour has no single witness of its own (the
 * steps of a VM exit, event delivery, paging, EPT translation, injection, VT-i): a rule counts as
 * implemented when a doc comment in model/ (or reference-vmm/) names it, and as tested when a test
 * title starts with it ("RULE: …"). The scan reads the repository the CLI runs from; installed
 * without sources, every column reads false and the output says why.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory with package.json above this module (source tree or dist/). */
const repositoryRoot = (): string | null => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'model'))) return dir;
    dir = dirname(dir);
  }
  return null;
};

const walk = (dir: string, out: string[] = []): string[] => {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
};

export interface SourceIndex {
  readonly available: boolean;
  /** Text of the non-test sources under model/ and reference-vmm/. */
  readonly model: string;
  readonly reference: string;
  /** Every test title's leading rule ID ("ID: …" in it/test/describe titles). */
  readonly testedIds: ReadonlySet<string>;
}

const TITLE = /\b(?:it|test|describe)(?:\.prop\([^)]*\))?\(\s*['`"]([A-Za-z0-9_.\-]+):/g;

let cached: SourceIndex | undefined;

export const sourceIndex = (): SourceIndex => {
  if (cached !== undefined) return cached;
  const root = repositoryRoot();
  if (root === null) return (cached = { available: false, model: '', reference: '', testedIds: new Set() });
  const read = (files: string[]) => files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const nonTest = (d: string) => walk(join(root, d)).filter((f) => !f.endsWith('.test.ts'));
  const tests = ['spec', 'model', 'reference-vmm', 'conformance'].flatMap((d) => walk(join(root, d))).filter((f) => f.endsWith('.test.ts'));
  const testedIds = new Set<string>();
  for (const text of tests.map((f) => readFileSync(f, 'utf8'))) for (const m of text.matchAll(TITLE)) testedIds.add(m[1]!);
  return (cached = { available: true, model: read(nonTest('model')), reference: read(nonTest('reference-vmm')), testedIds });
};

/**
 * `id` named as a whole word (not as a prefix of a longer ID), or its family named with a wildcard:
 * code that is generic over a spec table (one rule per table row, e.g. VTI.INTERCEPT.* generated from
 * spec/vti/intercepts.ts) says so with "VTI.INTERCEPT.*" instead of listing every row's ID.
 */
export const names = (text: string, id: string): boolean => {
  const parts = id.split('.');
  for (let n = parts.length - 1; n >= 2; n--) if (text.includes(`${parts.slice(0, n).join('.')}.*`)) return true;
  return namesExactly(text, id);
};

const namesExactly = (text: string, id: string): boolean => {
  let at = text.indexOf(id);
  while (at >= 0) {
    const next = text[at + id.length];
    if (next === undefined || !/[A-Za-z0-9_.]/.test(next) || (next === '.' && !/[A-Za-z0-9_]/.test(text[at + id.length + 1] ?? ''))) return true;
    at = text.indexOf(id, at + 1);
  }
  return false;
};
