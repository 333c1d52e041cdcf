/**
 * docs/paper.md is exactly what renderPaperMap() produces, and the location data it is rendered from
 * (model code, tests) still matches the tree: every file listed exists and still names the rule or
 * test it is listed for. When this fails after a change of spec/paper or of this folder, regenerate
 * the document (command in render.ts, REGENERATE); when it fails because a file moved, update the data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogOf } from '../../spec/paper/catalogs.js';
import type { PaperClaimSpec } from '../../spec/paper/claim.js';
import { CHALLENGES, CHALLENGE_IDS, type ChallengeSpec } from '../../spec/paper/challenges.js';
import { PAPER_CLAIMS, PAPER_CLAIM_IDS } from '../../spec/paper/sections.js';
import type { NonRootRuleId } from '../../spec/vtx/non-root/index.js';
import { NON_ROOT_WITNESSES, isExitWitness } from '../vtx/non-root/witnesses/index.js';
import { CLAIM_TESTS } from './claim-tests.js';
import { MODEL_CODE } from './model-code.js';
import { renderPaperMap } from './render.js';
import { ENTRY_WITNESS_TESTS, NON_ROOT_WITNESS_TESTS, TITLED_RULE_TESTS, nonRootWitnessTitle, testsOfRule, type TestRef } from './rule-tests.js';
import { ALL_CHALLENGE_TITLES, CHALLENGE_TESTS_WRITTEN, CHALLENGE_TEST_FILE } from './titles.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string | null => (existsSync(ROOT + path) ? readFileSync(ROOT + path, 'utf8') : null);
/** Source text with string escapes undone, so that a title with an apostrophe is found as written. */
const source = (path: string): string | null => read(path)?.replace(/\\(['"`\\])/g, '$1') ?? null;

const claims = PAPER_CLAIM_IDS.map((id) => [id, PAPER_CLAIMS[id] as PaperClaimSpec] as const);
const cited = [...new Set([
  ...claims.flatMap(([, c]) => c.checkedBy),
  ...CHALLENGE_IDS.flatMap((id) => {
    const c = CHALLENGES[id] as ChallengeSpec;
    return [...(c.vtx?.removedBy ?? []), ...(c.vti?.removedBy ?? [])];
  }),
])].filter((id) => catalogOf(id) !== 'controls');

const mentions = (text: string, ref: TestRef): boolean =>
  ref.suite.every((s) => text.includes(s)) && text.includes(ref.title.endsWith(': …') ? ref.title.slice(0, -1) : ref.title);

describe('docs/paper.md', () => {
  it('is what renderPaperMap() renders from spec/paper (regenerate it with the command in its header)', () => {
    expect(read('docs/paper.md')).toBe(renderPaperMap());
  });
});

describe('the location data docs/paper.md is rendered from', () => {
  it('every cited rule has its model code listed, and each file still names the rule or its family', () => {
    const problems = cited.flatMap((id) => {
      const files = MODEL_CODE[id];
      if (files === undefined) return [`${id}: no entry in model-code.ts`];
      const family = id.slice(0, id.lastIndexOf('.'));
      return files.flatMap((f) => {
        const text = read(f);
        if (text === null) return [`${id}: ${f} does not exist`];
        return text.includes(id) || text.includes(`${family}.`) || text.includes(`${family}*`) ? [] : [`${id}: ${f} names neither it nor ${family}.*`];
      });
    });
    expect(problems).toEqual([]);
  });

  it('every hand-written test listed for a rule still has a title starting with the rule ID', () => {
    const problems = Object.entries(TITLED_RULE_TESTS).flatMap(([id, files]) => files.flatMap((f) => {
      const text = read(f);
      if (text === null) return [`${id}: ${f} does not exist`];
      return ['\'', '`', '"'].some((q) => text.includes(`${q}${id}:`)) ? [] : [`${id}: no title in ${f} starts with it`];
    }));
    expect(problems).toEqual([]);
  });

  it('the generated witness tests still exist under the suites and titles docs/paper.md gives them', () => {
    expect(source(ENTRY_WITNESS_TESTS.file)).toContain(ENTRY_WITNESS_TESTS.entrySuite);
    expect(source(ENTRY_WITNESS_TESTS.file)).toContain(ENTRY_WITNESS_TESTS.instructionSuite);
    expect(source(NON_ROOT_WITNESS_TESTS.file)).toContain(NON_ROOT_WITNESS_TESTS.suite);
    expect(source(NON_ROOT_WITNESS_TESTS.file)).toContain('the model decides the witness${isExitWitness(w) ? \'es\' : \'\'} as the catalog says');
    const nonRoot = cited.filter((id) => catalogOf(id) === 'non-root') as NonRootRuleId[];
    const wrong = nonRoot.filter((id) => nonRootWitnessTitle(id).includes('witnesses ') !== isExitWitness(NON_ROOT_WITNESSES[id]));
    expect(wrong).toEqual([]);
  });

  it('every claim-level property test still exists with its suite and title', () => {
    const problems = Object.entries(CLAIM_TESTS).flatMap(([id, refs]) => (refs ?? []).flatMap((t) => {
      const text = source(t.file);
      return text !== null && mentions(text, t) ? [] : [`${id}: ${t.file} › ${[...t.suite, t.title].join(' › ')}`];
    }));
    expect(problems).toEqual([]);
  });

  it(`the challenge checks are listed as ${CHALLENGE_TESTS_WRITTEN ? 'written' : 'to come'}, as ${CHALLENGE_TEST_FILE} is`, () => {
    const text = source(CHALLENGE_TEST_FILE);
    const present = ALL_CHALLENGE_TITLES.flatMap((t) => [t.fails, t.passes]).filter((t) => text !== null && mentions(text, t));
    // Once the checks exist, set CHALLENGE_TESTS_WRITTEN in titles.ts and regenerate docs/paper.md.
    expect(present).toHaveLength(CHALLENGE_TESTS_WRITTEN ? ALL_CHALLENGE_TITLES.length * 2 : 0);
  });

  it('every claim but a background one has a test that would fail if it were false in the model (or a challenge check to come)', () => {
    const untested = claims.filter(([id, c]) => c.kind !== 'background'
      && !(id in CHALLENGES) && (CLAIM_TESTS[id] ?? []).length === 0 && !c.checkedBy.some((r) => testsOfRule(r).length > 0)).map(([id]) => id);
    expect(untested).toEqual([]);
  });
});
