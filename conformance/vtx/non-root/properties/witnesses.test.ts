/**
 * Every rule of the non-root catalog is witnessed: exit rules by a case that exits and one that does
 * not, changed-behaviour and priority rules by a case that shows them; the model decides each as the
 * catalog says and names the rule; the reference CPU agrees. And every exit reason in scope
 * (spec/vtx/non-root OUT_OF_SCOPE_EXIT_REASONS excluded) is produced by some witness.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_REASONS } from '../../../../spec/vtx/exit-reasons.js';
import { NON_ROOT_RULE_IDS, OUT_OF_SCOPE_EXIT_REASONS } from '../../../../spec/vtx/non-root/index.js';
import { NON_ROOT_WITNESSES, isExitWitness } from '../witnesses/index.js';
import { judgeModel, judgeReference, runCase } from '../witnesses/judge.js';

describe('non-root witnesses', () => {
  for (const id of NON_ROOT_RULE_IDS) {
    const w = NON_ROOT_WITNESSES[id];
    it(`${id}: the model decides the witness${isExitWitness(w) ? 'es' : ''} as the catalog says`, () => {
      const v = judgeModel(id, w);
      expect(v.ok, v.why).toBe(true);
    });
    it(`${id}: the reference CPU agrees with the model`, () => {
      const v = judgeReference(w);
      expect(v.ok, v.why).toBe(true);
    });
  }

  it('every exit reason in scope is produced by the model on some witness', () => {
    const produced = new Set<number>();
    for (const id of NON_ROOT_RULE_IDS) {
      const w = NON_ROOT_WITNESSES[id];
      for (const c of isExitWitness(w) ? [w.exits] : [w.shows]) {
        const o = runCase(c).outcome.canonical.observation;
        if (o.kind === 'vm-exit') produced.add(o.exit.reason & 0xffff);
      }
    }
    const inScope = EXIT_REASONS.map((r) => r.reason).filter((n) => !(n in OUT_OF_SCOPE_EXIT_REASONS));
    expect(inScope.filter((n) => !produced.has(n))).toEqual([]);
  });
});
