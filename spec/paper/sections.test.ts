import { describe, expect, it } from 'vitest';
import { catalogOf, isRule } from './catalogs.js';
import { PAPER_CLAIMS, PAPER_CLAIM_IDS, PAPER_SECTIONS, SECTION_IDS } from './sections.js';
import type { PaperClaimSpec } from './claim.js';

const claims = PAPER_CLAIM_IDS.map((id) => [id, PAPER_CLAIMS[id] as PaperClaimSpec] as const);

describe('the paper\'s sections', () => {
  it('every parent is a section that comes before its child', () => {
    const bad = SECTION_IDS.filter((id, i) => {
      const p = PAPER_SECTIONS[id].parent;
      return p !== null && !SECTION_IDS.slice(0, i).includes(p as never);
    });
    expect(bad).toEqual([]);
  });

  it('every section with text of its own has at least one claim (docs/paper.md covers every section)', () => {
    const used = new Set<string>(claims.map(([, c]) => c.section));
    const headingOnly = SECTION_IDS.filter((s) => (PAPER_SECTIONS[s] as { headingOnly?: true }).headingOnly === true);
    expect(SECTION_IDS.filter((s) => !used.has(s))).toEqual(headingOnly);
    expect(headingOnly).toEqual(['USAGE.VTX', 'USAGE.VTI']);
  });

  it('there are the paper\'s 39 sections and subsections, the eight challenges among them', () => {
    expect(SECTION_IDS).toHaveLength(39);
    expect(SECTION_IDS.filter((s) => PAPER_SECTIONS[s].parent === 'CHALLENGES')).toHaveLength(8);
  });
});

describe('the paper\'s claims', () => {
  it('IDs have the form PAPER.<PART>.<NAME>', () => {
    expect(PAPER_CLAIM_IDS.filter((id) => !/^PAPER\.[A-Z]+(\.[A-Z0-9-]+)+$/.test(id))).toEqual([]);
  });

  it('every checkedBy ID exists in a rule catalog of the project (a renamed rule fails here)', () => {
    const missing = claims.flatMap(([id, c]) => c.checkedBy.filter((r) => catalogOf(r) === null).map((r) => `${id}: ${r}`));
    expect(missing).toEqual([]);
  });

  it('every claim but a background one is checked by at least one rule, not only by controls', () => {
    const unchecked = claims.filter(([, c]) => c.kind !== 'background' && !c.checkedBy.some(isRule)).map(([id]) => id);
    expect(unchecked).toEqual([]);
  });

  it('background claims say why no rule checks them, and name none', () => {
    const bad = claims.filter(([, c]) => (c.kind === 'background') !== (c.notCheckable !== undefined && c.checkedBy.length === 0));
    expect(bad.map(([id]) => id)).toEqual([]);
  });

  it('no claim lists a rule twice', () => {
    expect(claims.filter(([, c]) => new Set(c.checkedBy).size !== c.checkedBy.length).map(([id]) => id)).toEqual([]);
  });

  it('each challenge subsection has exactly its challenge claim, and only those are challenges', () => {
    const challengeClaims = claims.filter(([, c]) => c.kind === 'challenge');
    expect(challengeClaims).toHaveLength(8);
    for (const [id, c] of challengeClaims) expect(PAPER_SECTIONS[c.section].parent, id).toBe('CHALLENGES');
  });

  it('claims with both architectures name rules of both (a VT-x catalog and VTI_RULES)', () => {
    const oneSided = claims.filter(([, c]) => c.architecture === 'both' && c.kind !== 'background').filter(([, c]) => {
      const cats = new Set(c.checkedBy.map(catalogOf));
      return !cats.has('vti') || [...cats].every((x) => x === 'vti');
    }).map(([id]) => id);
    // Ring compression is stated for both in the solving section, but only IA-32 has the problem.
    expect(oneSided).toEqual(['PAPER.SOLVE.RING-COMPRESSION']);
  });

  it('VT-x-only claims name no VT-i rule and VT-i-only claims no VT-x rule', () => {
    const crossed = claims.filter(([, c]) =>
      (c.architecture === 'vtx' && c.checkedBy.some((r) => catalogOf(r) === 'vti'))
      || (c.architecture === 'vti' && c.checkedBy.some((r) => catalogOf(r) !== 'vti'))).map(([id]) => id);
    expect(crossed).toEqual([]);
  });
});
