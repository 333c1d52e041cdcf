/**
 * Coverage of the catalog — VM-entry checks and VMX instruction rules — computed live rather than
 * declared: for each rule,
 * - spec: it is in the catalog (spec/vtx/vm-entry);
 * - model: the model's rule table implements it (a compile-time-complete record, model/vtx/vm-entry/catalog.ts);
 * - reference: the reference CPU, run on the rule's witness, names that rule as the one that failed;
 * - tested: the witness gets exactly the catalog's outcome from the model with that rule as the only
 *   failing one, and the reference CPU's outcome is permitted — the same property the test suite
 *   asserts (conformance/vtx/properties/witnesses.test.ts).
 * For an instruction rule (spec/vtx/vmx-instructions) the model must report that rule on its witness
 * (the `.OK` rules: success), and the reference CPU — which does not name instruction rules — must
 * produce the outcome the rule states.
 */
import { ENTRY_CHECKS, ENTRY_CHECK_IDS, type EntryCheckId } from '../../spec/vtx/vm-entry/index.js';
import { decodeCapabilities } from '../../model/vtx/capabilities.js';
import { MODEL_RULE_IDS } from '../../model/vtx/vm-entry/catalog.js';
import { conforms, vmEntry } from '../../model/vtx/vm-entry/index.js';
import { ReferenceVtxCpu } from '../../reference-vmm/cpu/vtx/index.js';
import { matchesCatalogFailure } from './expected.js';
import { baselineState } from './baseline.js';
import { INSTRUCTION_WITNESSES, type InstructionWitness } from './witnesses/instructions.js';
import { INSTRUCTION_RULES, type InstructionRuleId } from '../../spec/vtx/vmx-instructions/index.js';
import { BUILTIN_PROFILES } from '../../spec/vtx/profiles/index.js';
import type { Observation } from '../../spec/vtx/observation.js';
import { step } from '../../model/vtx/step.js';
import { ENTRY_WITNESSES } from './witnesses/index.js';
import { realiseWitness } from './witnesses/realise.js';

export interface RuleCoverage {
  readonly id: string;
  readonly kind: 'vm-entry' | 'instruction';
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
    id, kind: 'vm-entry', section: spec.section, spec: true, model,
    reference,
    tested: model && modelExact && run !== null && conforms(run.ref.observation, run.outcome),
  };
};

export const instructionRuleCoverage = (id: InstructionRuleId): RuleCoverage => {
  const witness: InstructionWitness = INSTRUCTION_WITNESSES[id];
  const rule = INSTRUCTION_RULES[id];
  const run = safely(() => {
    const profile = BUILTIN_PROFILES[witness.profile ?? 'vtx-max'];
    const base = baselineState(profile, 'ia32e');
    const state = witness.edit ? witness.edit(base) : base;
    const outcome = step(decodeCapabilities(profile), state, witness.instruction);
    const ref = new ReferenceVtxCpu(profile, state).execute(witness.instruction);
    return { outcome, ref };
  }, null);
  const op = witness.instruction.op;
  const expectedRules = id.endsWith('.OK') ? [] : [id];
  const model = run !== null && run.outcome.failedRules.join() === expectedRules.join() &&
    matchesCatalogFailure(rule.outcome, run.outcome.canonical, op);
  const reference = run !== null && matchesCatalogFailure(rule.outcome, run.ref.observation as Observation, op);
  return {
    id, kind: 'instruction', section: rule.section, spec: true, model, reference,
    tested: model && reference && run !== null && conforms(run.ref.observation, run.outcome),
  };
};

export const computeCoverage = (): { rules: RuleCoverage[]; gaps: number } => {
  const rules = [
    ...ENTRY_CHECK_IDS.map(ruleCoverage),
    ...(Object.keys(INSTRUCTION_RULES) as InstructionRuleId[]).map(instructionRuleCoverage),
  ];
  const gaps = rules.filter((r) => !(r.spec && r.model && r.reference && r.tested)).length;
  return { rules, gaps };
};
