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
import { NON_ROOT_RULES, NON_ROOT_RULE_IDS, type NonRootRuleId } from '../../spec/vtx/non-root/index.js';
import { NON_ROOT_WITNESSES } from './non-root/witnesses/index.js';
import { judgeModel, judgeReference, runCase } from './non-root/witnesses/judge.js';
import { isExitWitness } from './non-root/witnesses/witness.js';
import { EXIT_REASONS } from '../../spec/vtx/exit-reasons.js';
import { OUT_OF_SCOPE_EXIT_REASONS } from '../../spec/vtx/non-root/index.js';
import { TRANSITION_RULE_CATALOG } from '../../spec/vtx/vm-exit/index.js';
import { INJECTION_RULES } from '../../spec/vtx/vm-entry-injection/index.js';
import { EVENT_DELIVERY_RULES } from '../../spec/x86/event-delivery.js';
import { PAGING_RULES } from '../../spec/x86/paging.js';
import { EPT_TRANSLATION_RULES } from '../../spec/vtx/ept/index.js';
import { names, sourceIndex } from '../coverage/source-scan.js';
import { VTI_RULES } from '../../spec/vti/machine/rules.js';

export interface RuleCoverage {
  readonly id: string;
  readonly kind: 'vm-entry' | 'instruction' | 'non-root' | 'vm-exit' | 'event-delivery' | 'vti';
  /** Why a rule is listed without counting as a gap (e.g. not modelled: the abstraction has no state for it). */
  readonly note?: string;
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

/**
 * A rule of the non-root catalog (spec/vtx/non-root): model = the model decides its witness cases as
 * the catalog says and names the rule among its decisions; reference = the reference CPU's result is
 * one the model permits on every case; tested = both (conformance/vtx/non-root/properties/witnesses.test.ts
 * asserts the same).
 */
export const nonRootRuleCoverage = (id: NonRootRuleId): RuleCoverage => {
  const w = NON_ROOT_WITNESSES[id];
  const model = safely(() => judgeModel(id, w).ok, false);
  const reference = safely(() => judgeReference(w).ok, false);
  return { id, kind: 'non-root', section: NON_ROOT_RULES[id].section, spec: true, model, reference, tested: model && reference };
};

export interface ExitReasonCoverage {
  readonly reason: number;
  readonly name: string;
  /** The first witness (rule ID) on which the model produced a VM exit with this basic reason; null if none. */
  readonly producedBy: string | null;
}

/** Every exit reason in scope of the non-root catalog, and the witness that makes the model produce it. */
export const exitReasonCoverage = (): ExitReasonCoverage[] => {
  const producedBy = new Map<number, string>();
  for (const id of NON_ROOT_RULE_IDS) {
    const w = NON_ROOT_WITNESSES[id];
    const o = safely(() => runCase(isExitWitness(w) ? w.exits : w.shows).outcome.canonical.observation, null);
    if (o?.kind === 'vm-exit' && !producedBy.has(o.exit.reason & 0xffff)) producedBy.set(o.exit.reason & 0xffff, id);
  }
  return EXIT_REASONS.filter((r) => !(r.reason in OUT_OF_SCOPE_EXIT_REASONS))
    .map((r) => ({ reason: r.reason, name: r.name, producedBy: producedBy.get(r.reason) ?? null }));
};

/**
 * A rule of a catalog traced by source (./../coverage/source-scan.ts): the VM-exit stage and VM-entry
 * loading (spec/vtx/vm-exit), injection (spec/vtx/vm-entry-injection), event delivery and paging
 * (spec/x86), EPT translation (spec/vtx/ept). Their behaviour is checked as a whole by the non-root
 * refinement and host-state properties; per rule, coverage asks that model and reference CPU name it
 * and that a test is titled with it.
 */
export const tracedRuleCoverage = (
  kind: RuleCoverage['kind'], id: string, rule: { readonly section: string; readonly notModelled?: string },
): RuleCoverage => {
  const src = sourceIndex();
  const note = rule.notModelled !== undefined ? `not modelled: ${rule.notModelled}` : src.available ? undefined : 'sources not available to scan';
  return {
    id, kind, section: rule.section, spec: true,
    model: names(src.model, id), reference: names(src.reference, id), tested: src.testedIds.has(id),
    ...(note === undefined ? {} : { note }),
  };
};

const TRACED: readonly [RuleCoverage['kind'], Readonly<Record<string, { readonly section: string; readonly notModelled?: string }>>][] = [
  ['vm-exit', TRANSITION_RULE_CATALOG],
  ['event-delivery', INJECTION_RULES],
  ['event-delivery', EVENT_DELIVERY_RULES],
  ['event-delivery', PAGING_RULES],
  ['event-delivery', EPT_TRANSLATION_RULES],
  ['vti', VTI_RULES],
];

export const isGap = (r: RuleCoverage): boolean => !(r.spec && r.model && r.reference && r.tested) && !(r.note?.startsWith('not modelled') ?? false);

export const computeCoverage = (): { rules: RuleCoverage[]; exitReasons: ExitReasonCoverage[]; gaps: number } => {
  const rules = [
    ...ENTRY_CHECK_IDS.map(ruleCoverage),
    ...(Object.keys(INSTRUCTION_RULES) as InstructionRuleId[]).map(instructionRuleCoverage),
    ...NON_ROOT_RULE_IDS.map(nonRootRuleCoverage),
    ...TRACED.flatMap(([kind, catalog]) => Object.entries(catalog).map(([id, r]) => tracedRuleCoverage(kind, id, r))),
  ];
  const exitReasons = exitReasonCoverage();
  const gaps = rules.filter(isGap).length + exitReasons.filter((r) => r.producedBy === null).length;
  return { rules, exitReasons, gaps };
};
