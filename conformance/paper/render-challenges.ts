/**
 * The challenges part of docs/paper.md: a table of the eight challenges with the architectures the
 * paper states them for and the expected minimal counterexamples, then each one in detail.
 */
import { CHALLENGES, CHALLENGE_IDS, statedFor, type ChallengeSpec, type Solution, type VtiCounterexample, type VtxCounterexample } from '../../spec/paper/challenges.js';
import { PAPER_SECTIONS } from '../../spec/paper/sections.js';
import { ARCH_LABEL, code, specLine, testRefText } from './render-parts.js';
import { CHALLENGE_TESTS_WRITTEN, CHALLENGE_TEST_FILE, challengeTitles, counterexampleText, type Arch } from './titles.js';

const all = CHALLENGE_IDS.map((id) => [id, CHALLENGES[id] as ChallengeSpec] as const);

const cell = (id: (typeof CHALLENGE_IDS)[number], arch: Arch, s: Solution<VtxCounterexample | VtiCounterexample> | null): string =>
  s === null ? 'not stated by the paper' : `${code(counterexampleText(id, arch) ?? '')} (${s.counterexample.models.join(', ')})`;

const CRITERION = {
  observation: 'the guest observes a difference from native execution',
  'vmm-transitions': 'the VMM is entered where native execution and the VT VMM need no VMM',
} as const;

const detail = (id: (typeof CHALLENGE_IDS)[number], arch: Arch, s: Solution<VtxCounterexample | VtiCounterexample>): string[] => {
  const ce = s.counterexample;
  const titles = challengeTitles(id, arch);
  const mode = 'mode' in ce ? `, ${ce.mode === 'ia32e' ? '64-bit' : '32-bit protected'} mode` : '';
  return [
    `- ${ARCH_LABEL[arch]}: ${s.mechanism} (paper: "${PAPER_SECTIONS[s.section].title}" under "${PAPER_SECTIONS.SOLVING.title}").`,
    `  - Removed by: ${specLine(s.removedBy)}.`,
    `  - Minimal counterexample against the software-only VMM (${ce.models.join(' and ')}, starting in the ${ce.startsIn}${mode}): ${code(counterexampleText(id, arch) ?? '')}. It fails because ${CRITERION[ce.criterion]}.`,
    `  - Assumes: ${ce.assumes}. Natively: ${ce.native}. Software-only VMM: ${ce.baseline}.`,
    `  - Why minimal: ${ce.why}.`,
    ...(titles === null ? [] : [`  - Checks${CHALLENGE_TESTS_WRITTEN ? '' : ' (to come)'}: ${code(CHALLENGE_TEST_FILE)}: ${testRefText(titles.fails)}; ${testRefText(titles.passes)}.`]),
  ];
};

export const renderChallenges = (): string[] => {
  const single = all.filter(([, c]) => statedFor(c) !== 'both');
  return [
    '## The eight challenges',
    '',
    'The paper lists eight problems a VMM meets when it deprivileges its guests without hardware help (section',
    `"${PAPER_SECTIONS.CHALLENGES.title}"). spec/paper/challenges.ts makes each one checkable: for every architecture the paper`,
    'states it for, the VT mechanism that removes it and the program fast-check must shrink a failure of the',
    'software-only baseline VMM to. The models are the ring-deprivileging models the counterexample applies to.',
    '',
    '| Challenge | Paper section | Stated for | VT-x: minimal counterexample | VT-i: minimal counterexample |',
    '|---|---|---|---|---|',
    ...all.map(([id, c]) => `| ${code(id)} | ${c.title} | ${ARCH_LABEL[statedFor(c)]} | ${cell(id, 'vtx', c.vtx)} | ${cell(id, 'vti', c.vti)} |`),
    '',
    'Where the paper states a challenge for one architecture only:',
    '',
    ...single.map(([id, c]) => `- ${code(id)}, ${ARCH_LABEL[statedFor(c)]} only. ${c.note ?? c.summary}`),
    '',
    ...all.flatMap(([id, c]) => [
      `### ${c.title} (${code(id)})`,
      '',
      `${c.summary} Paper: "${PAPER_SECTIONS[c.section].title}" under "${PAPER_SECTIONS.CHALLENGES.title}"; stated for ${ARCH_LABEL[statedFor(c)]}.${c.note === undefined ? '' : ` ${c.note}`}`,
      '',
      ...(c.vtx === null ? [] : detail(id, 'vtx', c.vtx)),
      ...(c.vti === null ? [] : detail(id, 'vti', c.vti)),
      '',
    ]),
  ];
};
