/**
 * The titles of the challenge checks (issue 6 item 4), shared by docs/paper.md and
 * conformance/paper/challenges.test.ts so that the two cannot drift apart. One describe block per
 * architecture; in it, per challenge the paper states for that architecture, a test that the
 * software-only baseline fails with exactly the expected minimal counterexample and one that the VT
 * VMM passes. The sixteen checks (eight challenges, fails and passes) thus become 28 tests:
 * six challenges are stated for both architectures, two for VT-x only.
 */
import { describeProgram, describeVtiStep, describeVtxStep } from '../../spec/paper/asm.js';
import { CHALLENGES, CHALLENGE_IDS, type ChallengeId, type ChallengeSpec } from '../../spec/paper/challenges.js';
import type { TestRef } from './rule-tests.js';

export const CHALLENGE_TEST_FILE = 'conformance/paper/challenges.test.ts';
export const CHALLENGE_SUITES = { vtx: 'the eight challenges on VT-x', vti: 'the eight challenges on VT-i' } as const;

/** Whether conformance/paper/challenges.test.ts exists yet (it comes with the baseline VMMs). */
export const CHALLENGE_TESTS_WRITTEN = true;

export type Arch = 'vtx' | 'vti';

/** The counterexample as one line of assembly, or null where the paper does not state the challenge. */
export const counterexampleText = (id: ChallengeId, arch: Arch): string | null => {
  const c = CHALLENGES[id] as ChallengeSpec;
  if (arch === 'vtx') return c.vtx === null ? null : describeProgram(c.vtx.counterexample.program.map(describeVtxStep));
  return c.vti === null ? null : describeProgram(c.vti.counterexample.program.map(describeVtiStep));
};

export interface ChallengeTitles {
  readonly fails: TestRef;
  readonly passes: TestRef;
}

export const challengeTitles = (id: ChallengeId, arch: Arch): ChallengeTitles | null => {
  const program = counterexampleText(id, arch);
  if (program === null) return null;
  const at = (title: string): TestRef => ({ file: CHALLENGE_TEST_FILE, suite: [CHALLENGE_SUITES[arch]], title });
  return {
    fails: at(`${id}: software-only VMM fails (minimal counterexample: ${program})`),
    passes: at(`${id}: VT VMM passes`),
  };
};

/** Every pair, VT-x first: eight on VT-x, six on VT-i. */
export const ALL_CHALLENGE_TITLES: readonly ChallengeTitles[] = (['vtx', 'vti'] as const).flatMap((arch) =>
  CHALLENGE_IDS.flatMap((id) => {
    const t = challengeTitles(id, arch);
    return t === null ? [] : [t];
  }));
