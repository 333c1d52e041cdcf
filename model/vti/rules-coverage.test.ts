/**
 * Completeness of the rule catalog against the model and the tests: every VTI_RULES id is named in
 * a doc comment of a model file (the function that implements it) and in the title of some test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VTI_RULE_IDS } from '../../spec/vti/machine/rules.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

const modelFiles = files(here).filter((f) => !f.endsWith('.test.ts') && !f.endsWith('testing.ts'));
/** Text of the comments (block and line) of the model files. */
const comments = modelFiles.map((f) => (readFileSync(f, 'utf8').match(/\/\*[\s\S]*?\*\/|\/\/.*$/gm) ?? []).join('\n')).join('\n');

const testDirs = [here, join(root, 'spec', 'vti'), join(root, 'conformance', 'vti')].filter((d) => {
  try { return statSync(d).isDirectory(); } catch { return false; }
});
/** Titles of it(...) / test(...) calls: the first string argument. */
const titles = testDirs.flatMap(files).filter((f) => f.endsWith('.test.ts'))
  .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\b(?:it|test)(?:\.\w+)*\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)].map((m) => m[2] ?? ''));

/** A rule id as a whole word (VTI.NATIVE.MOV_CR must not be found inside VTI.NATIVE.MOV_CRX). */
const mentions = (text: string, id: string): boolean => new RegExp(`${id.replace(/\./g, '\\.')}(?![A-Za-z0-9_])`).test(text);

describe('VTI_RULES coverage', () => {
  it('every rule id is named in a doc comment of the model', () => {
    expect(VTI_RULE_IDS.filter((id) => !mentions(comments, id))).toEqual([]);
  });
  it('every rule id is named in a test title', () => {
    expect(VTI_RULE_IDS.filter((id) => !titles.some((t) => mentions(t, id)))).toEqual([]);
  });
  it('model comments name no rule id that does not exist', () => {
    const named = [...new Set(comments.match(/VTI\.[A-Z_]+(?:\.[A-Za-z0-9_]+)+/g) ?? [])];
    expect(named.filter((id) => !VTI_RULE_IDS.includes(id))).toEqual([]);
  });
});
