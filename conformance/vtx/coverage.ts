/**
 * Coverage of the VM-entry catalog, computed live rather than declared: for each rule,
 * - spec: it is in the catalog (spec/vtx/vm-entry);
 * - model: the model's rule table implements it (a compile-time-complete record, model/vtx/vm-entry/catalog.ts);
 * - reference: the reference CPU, run on the rule's witness, names that rule as the one that failed;
 * - tested: the witness gets exactly the catalog's outcome from the model with that rule as the only
 *   failing one, and the reference CPU's outcome is permitted — the same property the test suite
 *   asserts (conformance/vtx/properties/witnesses.test.ts).
 */
import { ENTRY_CHECKS, ENTRY_CHECK_IDS, type EntryCheckId } from '../../spec/vtx/vm-entry/index.js';
import { decodeCapabilities } from '../../model/vtx/capabilities.js';
import { MODEL_RULE_IDS } from '../../model/vtx/vm-entry/catalog.js';
import { conforms, vmEntry } from '../../model/vtx/vm-entry/index.js';
import { ReferenceVtxCpu } from '../../reference-vmm/cpu/vtx/index.js';
import { matchesCatalogFailure } from './expected.js';
import { ENTRY_WITNESSES } from './witnesses/index.js';
import { realiseWitness } from './witnesses/realise.js';

export interface RuleCoverage {
  readonly id: string;
  readonly section: string;
  readonly spec: boolean;
  readonly model: boolean;
  readonly reference: boolean;
  readonly tested: boolean;
}

const safely = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};

export const ruleCoverage = (id: EntryCheckId): RuleCoverage => {
  const witness = ENTRY_WITNESSES[id];
  const spec = ENTRY_CHECKS[id];
  const model = MODEL_RULE_IDS.has(id);
  const run = safely(() => {
    const { profile, state, instruction } = realiseWitness(witness);
    const outcome = vmEntry(decodeCapabilities(profile), state, instruction);
    const ref = new ReferenceVtxCpu(profile, state).execute({ op: instruction });
    return { outcome, ref, instruction };
  }, null);
  const expected = new Set([id, ...(witness.alsoFails ?? [])]);
  const failed = new Set(run?.outcome.failedRules ?? []);
  const modelExact = run !== null && failed.size === expected.size && [...expected].every((r) => failed.has(r)) &&
    matchesCatalogFailure(spec.failure, run.outcome.canonical, run.instruction);
  const reference = run !== null && run.ref.failedRule !== undefined && expected.has(run.ref.failedRule);
  return {
    id, section: spec.section, spec: true, model,
    reference,
    tested: model && modelExact && run !== null && conforms(run.ref.observation, run.outcome),
  };
};

export const computeCoverage = (): { rules: RuleCoverage[]; gaps: number } => {
  const rules = ENTRY_CHECK_IDS.map(ruleCoverage);
  const gaps = rules.filter((r) => !(r.spec && r.model && r.reference && r.tested)).length;
  return { rules, gaps };
};
