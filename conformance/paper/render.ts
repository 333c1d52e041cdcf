/**
 * docs/paper.md, the machine-checked reading of the paper, rendered from spec/paper and the location
 * data of this folder (model code, tests). conformance/paper/paper-map.test.ts fails when the file
 * and this rendering differ, so the document cannot drift from the data. Pure: no file access.
 */
import { catalogOf } from '../../spec/paper/catalogs.js';
import type { PaperClaimSpec } from '../../spec/paper/claim.js';
import { CHALLENGES, type ChallengeId, type ChallengeSpec } from '../../spec/paper/challenges.js';
import { PAPER_CLAIMS, PAPER_CLAIM_IDS, PAPER_SECTIONS, SECTION_IDS, type PaperClaimId, type SectionId } from '../../spec/paper/sections.js';
import { CLAIM_TESTS } from './claim-tests.js';
import { renderChallenges } from './render-challenges.js';
import { ARCH_LABEL, claimBlock, code } from './render-parts.js';
import type { TestRef } from './rule-tests.js';
import { CHALLENGE_TESTS_WRITTEN, challengeTitles } from './titles.js';

export const REGENERATE =
  'npm run build && node -e "import(\'./dist/conformance/paper/render.js\').then((m) => process.stdout.write(m.renderPaperMap()))" > docs/paper.md';

const claimsOf = (s: SectionId): [PaperClaimId, PaperClaimSpec][] =>
  PAPER_CLAIM_IDS.filter((id) => PAPER_CLAIMS[id].section === s).map((id) => [id, PAPER_CLAIMS[id]]);

const depth = (s: SectionId): number => {
  const p = PAPER_SECTIONS[s].parent as SectionId | null;
  return p === null ? 0 : 1 + depth(p);
};

/** The challenge checks of a challenge claim: listed until the test file exists, then as its tests. */
const challengeTests = (id: PaperClaimId): { readonly extra: TestRef[]; readonly pending: TestRef[] } => {
  if (!(id in CHALLENGES)) return { extra: [], pending: [] };
  const refs = (['vtx', 'vti'] as const).flatMap((arch) => {
    const t = challengeTitles(id as ChallengeId, arch);
    return t === null ? [] : [t.fails, t.passes];
  });
  return CHALLENGE_TESTS_WRITTEN ? { extra: refs, pending: [] } : { extra: [], pending: refs };
};

const sectionBlock = (s: SectionId): string[] => {
  const spec = PAPER_SECTIONS[s] as { title: string; argues: string; headingOnly?: true };
  const heading = `${'#'.repeat(3 + depth(s))} ${spec.title}`;
  const body = spec.headingOnly === true ? ['The paper prints only this heading; its text is in the subsections that follow.', ''] : [];
  return [heading, '', `*${spec.argues}*`, '', ...body, ...claimsOf(s).flatMap(([id, c]) => {
    const { extra, pending } = challengeTests(id);
    return claimBlock(id, c, [...(CLAIM_TESTS[id] ?? []), ...extra], pending);
  })];
};

const counts = () => {
  const all = PAPER_CLAIM_IDS.map((id) => PAPER_CLAIMS[id] as PaperClaimSpec);
  const rules = new Set(all.flatMap((c) => c.checkedBy).filter((r) => catalogOf(r) !== 'controls'));
  const byKind = (k: PaperClaimSpec['kind']) => all.filter((c) => c.kind === k).length;
  return { claims: all.length, rules: rules.size, byKind, byArch: (a: PaperClaimSpec['architecture']) => all.filter((c) => c.architecture === a).length };
};

const summaryTable = (): string[] => [
  '| Section | Claims | Checked by rules | Background |',
  '|---|---|---|---|',
  ...SECTION_IDS.map((s) => {
    const cs = claimsOf(s);
    const bg = cs.filter(([, c]) => c.kind === 'background').length;
    return `| ${'&nbsp;&nbsp;'.repeat(depth(s))}${PAPER_SECTIONS[s].title} | ${cs.length} | ${cs.length - bg} | ${bg} |`;
  }),
];

const departures = (): string[] => {
  const claimNotes = PAPER_CLAIM_IDS.flatMap((id) => {
    const n = (PAPER_CLAIMS[id] as PaperClaimSpec).note;
    return n === undefined ? [] : [`- ${code(id)}: ${n}.`];
  });
  const challengeNotes = (Object.keys(CHALLENGES) as ChallengeId[]).flatMap((id) => {
    const n = (CHALLENGES[id] as ChallengeSpec).note;
    return n === undefined ? [] : [`- ${code(id)}: ${n}`];
  });
  return ['## Where the model departs from the paper, or covers it partly', '', ...claimNotes, ...challengeNotes, ''];
};

export const renderPaperMap = (): string => {
  const n = counts();
  return [
    '# The paper, machine-checked',
    '',
    '<!-- Generated from spec/paper by conformance/paper/render.ts: do not edit by hand. -->',
    '',
    'A reading of "Intel Virtualization Technology: Hardware Support for Efficient Processor Virtualization"',
    '(Intel Technology Journal 10(3), 2006) in which every section is listed with what it argues, and every claim',
    'with the spec rules that make it executable, the model code that implements them and the tests that would fail',
    'if the claim were false in the model. Statements are paraphrases; the data is in `spec/paper`.',
    '',
    'This file is generated. `conformance/paper/paper-map.test.ts` fails when it differs from the data; after changing',
    '`spec/paper` or `conformance/paper`, regenerate it with',
    '',
    '```sh',
    REGENERATE,
    '```',
    '',
    `${n.claims} claims: ${n.byKind('challenge')} challenges, ${n.byKind('mechanism')} mechanisms, ${n.byKind('usage')} usages, ${n.byKind('efficiency')} efficiency claims,`,
    `and ${n.byKind('background')} background claims no rule can check (each says why). They cite ${n.rules} distinct rules.`,
    `By architecture as the paper states them: ${n.byArch('vtx')} ${ARCH_LABEL.vtx}, ${n.byArch('vti')} ${ARCH_LABEL.vti}, ${n.byArch('both')} both, ${n.byArch('general')} general.`,
    '',
    'How to read a claim: its ID, the architecture the paper states it for, and its kind; then **Spec** (rule IDs',
    'by catalog, and the VMX controls involved), **Model** (files under `model/` that implement those rules) and',
    '**Tests** (file, then the describe blocks and the title; a title "ID: …" stands for every test of the file',
    'whose title starts with that rule ID).',
    '',
    ...summaryTable(),
    '',
    ...renderChallenges(),
    ...departures(),
    '## Section by section',
    '',
    ...SECTION_IDS.flatMap(sectionBlock),
  ].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
};
