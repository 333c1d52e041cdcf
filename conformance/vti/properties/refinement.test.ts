/**
 * Refinement for VT-i (issue 5, scope item 3): random step sequences — every instruction op, every
 * event, every PAL call — from guests running with PSR.vm = 1 under random vac / vdc / vpsr / vCRs /
 * pending interrupts / vtpr, from the VMM inside its intercept handler, and from reset. At every step
 * the independent reference CPU's {observation, state} must be one of the results the model permits
 * (model/vti `vtiStep`: canonical, alternatives, "any value" slots, or undefined behaviour); the run
 * then continues from the reference CPU's state.
 *
 * VTSPEC_VTI_RUNS sequences of STEPS steps: the default 4,000 × 25 = 100,000 steps per run. Fixed seed
 * through FC_PARAMS; VTSPEC_SEED / VTSPEC_PATH replay a failure.
 *
 * The judgement uses spec/vti/machine/compare.ts (stateEqual) and observationEqual only, not the
 * model's own conformance function: the checker is not the thing being checked.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { describeVtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { VtiStepInput } from '../../../spec/vti/machine/events.js';
import { describeVtiObservation, observationEqual, type VtiObservation } from '../../../spec/vti/machine/observation.js';
import { describeStateDiff, stateEqual } from '../../../spec/vti/machine/compare.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { vtiStep } from '../../../model/vti/index.js';
import { ReferenceVtiCpu } from '../../../reference-vmm/cpu/vti/index.js';
import { FC_PARAMS } from '../../vtx/properties/params.js';
import { realiseVtiStart, vtiSequenceArb, vtiStartArb } from '../arbitraries.js';

const STEPS = 25;
const RUNS = Number(process.env['VTSPEC_VTI_RUNS'] ?? 4_000);

type Outcome = ReturnType<typeof vtiStep>;
type Result = { readonly observation: VtiObservation; readonly state: VtiState };

/**
 * `permitted` with the outcome's "any value" slots filled from `ref`: an `executed` value, a pal-return
 * value, or a GR value the architecture leaves open takes whatever the reference produced.
 */
const withAnyValues = (permitted: Result, ref: Result, outcome: Outcome): Result => {
  let { observation, state } = permitted;
  for (const slot of outcome.anyValue) {
    if (slot.where === 'executed-value' && observation.kind === 'executed' && ref.observation.kind === 'executed' && ref.observation.value !== undefined) {
      observation = { ...observation, value: ref.observation.value };
    } else if (slot.where === 'pal-value' && observation.kind === 'pal-return' && ref.observation.kind === 'pal-return') {
      const v = ref.observation.values[slot.index];
      if (v !== undefined) observation = { ...observation, values: observation.values.map((x, i) => (i === slot.index ? v : x)) };
    } else if (slot.where === 'gr') {
      const g = state.gr[slot.index];
      const r = ref.state.gr[slot.index];
      if (g !== undefined && r !== undefined) state = { ...state, gr: state.gr.map((x, i) => (i === slot.index ? { ...x, value: r.value } : x)) };
    }
  }
  return { observation, state };
};

const permits = (outcome: Outcome, ref: Result): boolean =>
  outcome.undefinedBehaviour || outcome.permitted.some((p) => {
    const q = withAnyValues(p, ref, outcome);
    return observationEqual(q.observation, ref.observation) && stateEqual(q.state, ref.state);
  });

const describeInput = (i: VtiStepInput): string =>
  i.kind === 'instruction' ? describeVtiInstruction(i.instruction)
    : i.kind === 'event' ? `event ${JSON.stringify(i.event, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`
      : `PAL ${JSON.stringify(i.call, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`;

const report = (step: number, before: VtiState, input: VtiStepInput, outcome: Outcome, ref: Result): string => {
  const closest = outcome.permitted.reduce((best, p) => {
    const d = describeStateDiff(withAnyValues(p, ref, outcome).state, ref.state);
    return best === null || d.length < best.length ? d : best;
  }, null as string[] | null) ?? [];
  return [
    `step ${step}: ${describeInput(input)}`,
    `  before: psr 0x${before.psr.toString(16)} (vm ${(before.psr >> 46n) & 1n}, cpl ${(before.psr >> 32n) & 3n}, ic ${(before.psr >> 13n) & 1n}), ip 0x${before.ip.toString(16)}`,
    `  reference: ${describeVtiObservation(ref.observation)}${'rule' in ref.observation && ref.observation.rule !== undefined ? ` [${ref.observation.rule}]` : ''}`,
    `  model permits: ${outcome.permitted.map((p) => describeVtiObservation(p.observation)).join(' | ')} (rules ${outcome.rules.join(', ') || '-'})`,
    `  state diff, model (closest permitted) vs reference:`,
    ...closest.map((l) => `    ${l}`),
  ].join('\n');
};

describe('refinement: the reference VT-i CPU stays within what the model permits', () => {
  test.prop([vtiSequenceArb(STEPS)], { ...FC_PARAMS(RUNS), timeout: 1_800_000 })(
    `${STEPS}-step sequences from guests, the VMM and reset`,
    ({ start, inputs }) => {
      const { profile, state } = realiseVtiStart(start);
      const cpu = new ReferenceVtiCpu(profile, state);
      let current: VtiState = state;
      inputs.forEach((input, n) => {
        const outcome = vtiStep(profile, current, input);
        const { observation } = cpu.step(input);
        const ref: Result = { observation, state: cpu.snapshot() };
        expect(permits(outcome, ref), report(n, current, input, outcome, ref)).toBe(true);
        current = ref.state;
      });
    },
  );

  test.prop([vtiStartArb], { ...FC_PARAMS(200) })('the reference CPU copies every start in and out unchanged', (start) => {
    const { profile, state } = realiseVtiStart(start);
    expect(describeStateDiff(new ReferenceVtiCpu(profile, state).snapshot(), state)).toEqual([]);
  });

  test('the sequences reach every instruction op, event and PAL call', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(vtiSequenceArb(STEPS), ({ inputs }) => {
      for (const i of inputs) seen.add(i.kind === 'instruction' ? i.instruction.op : i.kind === 'event' ? i.event.kind : i.call.name);
    }), { seed: 1, numRuns: 400 });
    expect(seen.size).toBe(41 + 3 + 18);
  });
});
