/**
 * Running a non-root witness on the model and on the reference CPU, and judging the result. The
 * model runs every step (following its canonical state); the reference CPU runs the same steps on
 * its own state. The last step is judged:
 * - an exit witness's `exits` case must end in a VM exit with the rule's basic reason, with the rule
 *   among the model's decisions (this ties the spec row to the model code that decided the exit);
 *   its `noExit` case must end in anything but that exit;
 * - a show witness must satisfy its expectation, again with the rule among the decisions;
 * - the reference CPU must be within what the model permits at the last step (same observation and
 *   state as one permitted result).
 */
import { NON_ROOT_RULES, type NonRootRuleId } from '../../../../spec/vtx/non-root/index.js';
import { describeNonRootObservation, nonRootObservationEqual, type NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import { stateDiff } from '../../../../spec/vtx/state-diff.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { decodeCapabilities, type Capabilities } from '../../../../model/vtx/capabilities.js';
import type { NonRootOutcome } from '../../../../model/vtx/non-root/result.js';
import { nonRootStep } from '../../../../model/vtx/non-root/step.js';
import { ReferenceVtxCpu } from '../../../../reference-vmm/cpu/vtx/index.js';
import { nonRootBaseline } from '../baseline.js';
import { isExitWitness, type NonRootCase, type NonRootWitness } from './witness.js';

export interface CaseRun {
  readonly start: VtxState;
  readonly outcome: NonRootOutcome;
  readonly reference: { readonly observation: NonRootObservation; readonly state: VtxState } | { readonly error: string };
}

const capsCache = new Map<string, Capabilities>();
const capsOf = (name: keyof typeof BUILTIN_PROFILES): Capabilities => {
  let c = capsCache.get(name);
  if (c === undefined) { c = decodeCapabilities(BUILTIN_PROFILES[name]); capsCache.set(name, c); }
  return c;
};

export const realiseCase = (c: NonRootCase): { profile: keyof typeof BUILTIN_PROFILES; state: VtxState } => {
  const profile = c.profile ?? 'vtx-max';
  return { profile, state: c.edits.reduce((s, e) => e(s), nonRootBaseline(BUILTIN_PROFILES[profile])) };
};

export const runCase = (c: NonRootCase): CaseRun => {
  const { profile, state: start } = realiseCase(c);
  const caps = capsOf(profile);
  let state = start;
  let outcome: NonRootOutcome | undefined;
  for (const input of c.steps) {
    outcome = nonRootStep(caps, state, input);
    state = outcome.canonical.state;
  }
  let reference: CaseRun['reference'];
  try {
    const cpu = new ReferenceVtxCpu(BUILTIN_PROFILES[profile], start);
    let observation: NonRootObservation | undefined;
    for (const input of c.steps) observation = cpu.step(input).observation;
    reference = { observation: observation!, state: cpu.snapshot() };
  } catch (e) {
    reference = { error: e instanceof Error ? e.message : String(e) };
  }
  return { start, outcome: outcome!, reference };
};

export interface Verdict {
  readonly ok: boolean;
  readonly why: string;
}

const cites = (run: CaseRun, id: string): boolean => run.outcome.canonical.decisions.some((d) => d.rule === id);
const exitsWith = (o: NonRootObservation, reason: number | null): boolean =>
  o.kind === 'vm-exit' && reason !== null && (o.exit.reason & 0xffff) === reason;

/** The model's verdict on a witness: the rule decides the case as the catalog says. */
export const judgeModel = (id: NonRootRuleId, w: NonRootWitness): Verdict => {
  const rule = NON_ROOT_RULES[id];
  const problems: string[] = [];
  const check = (name: string, c: NonRootCase, ok: (o: NonRootObservation, s: VtxState) => boolean, expected: string, mustCite: boolean) => {
    const r = runCase(c);
    const o = r.outcome.canonical.observation;
    if (!ok(o, r.outcome.canonical.state)) problems.push(`${name}: expected ${expected}, model: ${describeNonRootObservation(o)}`);
    else if (mustCite && !cites(r, id)) problems.push(`${name}: the model's decisions do not name ${id} (${r.outcome.canonical.decisions.map((d) => d.rule).join(', ') || 'none'})`);
  };
  if (isExitWitness(w)) {
    check('exits', w.exits, (o) => exitsWith(o, rule.exitReason), `VM exit, reason ${rule.exitReason}`, true);
    if (!('impossible' in w.noExit)) check('does not exit', w.noExit, (o) => !exitsWith(o, rule.exitReason), `no VM exit with reason ${rule.exitReason}`, false);
  } else {
    check('shows', w.shows, w.expect, w.expected, true);
  }
  return { ok: problems.length === 0, why: problems.join('; ') };
};

/** The reference CPU's verdict: on every case of the witness it does something the model permits. */
export const judgeReference = (w: NonRootWitness): Verdict => {
  const cases = isExitWitness(w) ? [w.exits, ...('impossible' in w.noExit ? [] : [w.noExit])] : [w.shows];
  const problems: string[] = [];
  for (const c of cases) {
    const r = runCase(c);
    if ('error' in r.reference) { problems.push(`reference CPU failed: ${r.reference.error}`); continue; }
    const ref = r.reference;
    const match = r.outcome.permitted.find((p) => nonRootObservationEqual(p.observation, ref.observation) && stateDiff(p.state, ref.state).length === 0);
    if (match === undefined) {
      const diff = stateDiff(r.outcome.canonical.state, ref.state);
      problems.push(`reference: ${describeNonRootObservation(ref.observation)}; model: ${describeNonRootObservation(r.outcome.canonical.observation)}${diff.length === 0 ? '' : `; state differs: ${diff.slice(0, 6).join('; ')}`}`);
    }
  }
  return { ok: problems.length === 0, why: problems.join(' | ') };
};
