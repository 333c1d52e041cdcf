/**
 * Every rule ID the event, paging and EPT code of the non-root model names in a decision, and every
 * rule ID its test titles start with, is a rule of spec/ (spec-first: no decision cites a rule the
 * catalog lacks). The new registries follow their naming scheme.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NON_ROOT_RULES } from '../../../../spec/vtx/non-root/index.js';
import { EPT_TRANSLATION_RULES } from '../../../../spec/vtx/ept/index.js';
import { INJECTION_RULES } from '../../../../spec/vtx/vm-entry-injection/index.js';
import { EVENT_DELIVERY_RULES } from '../../../../spec/x86/event-delivery.js';
import { PAGING_RULES } from '../../../../spec/x86/paging.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const FILES = [
  ...['exceptions', 'memory', 'boundary', 'after'].flatMap((f) => [`${f}.ts`, `${f}.test.ts`]).map((f) => join(root, f)),
  ...['events', 'paging', 'ept'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.ts')).map((f) => join(root, d, f))),
].filter((f) => { try { readFileSync(f); return true; } catch { return false; } });

const KNOWN = new Set<string>([
  ...Object.keys(NON_ROOT_RULES), ...Object.keys(EPT_TRANSLATION_RULES), ...Object.keys(INJECTION_RULES),
  ...Object.keys(EVENT_DELIVERY_RULES), ...Object.keys(PAGING_RULES),
]);

describe('rule IDs of the non-root event and memory model', () => {
  it('the new registries use their prefixes and the ID alphabet', () => {
    const prefixed: [Record<string, unknown>, RegExp][] = [
      [EPT_TRANSLATION_RULES, /^EPT\.[A-Z0-9_.]+$/], [INJECTION_RULES, /^INJECT\.[A-Z0-9_.]+$/],
      [EVENT_DELIVERY_RULES, /^EVENT\.[A-Z0-9_.]+$/], [PAGING_RULES, /^PAGING\.[A-Z0-9_.]+$/],
    ];
    for (const [rules, re] of prefixed) for (const id of Object.keys(rules)) expect(id).toMatch(re);
  });

  it('every decision and every test title names a rule of spec/', () => {
    const cited = new Set<string>();
    for (const f of FILES) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/decision\(\s*'([A-Z][A-Z0-9_.]+)'/g)) cited.add(m[1]!);
      for (const m of text.matchAll(/\b(?:it|test\.prop\([^)]*\))\(\s*'([A-Z][A-Z0-9_.]+):/g)) cited.add(m[1]!);
    }
    expect(cited.size).toBeGreaterThan(50);
    expect([...cited].filter((id) => !KNOWN.has(id))).toEqual([]);
  });
});
