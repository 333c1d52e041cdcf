/**
 * The non-root bench's mix and the shape of its result. Nothing here is timed: speeds are measured
 * by `vtspec bench` only.
 */
import { describe, expect, it } from 'vitest';
import { nonRootObservationEqual } from '../../spec/vtx/non-root/observation.js';
import { nonRootStep } from '../../model/vtx/non-root/step.js';
import { stateDiff } from '../../spec/vtx/state-diff.js';
import { exitsOf, modelObservation, nonRootBenchSteps, referenceObservation, runNonRootBench, NON_ROOT_BENCH_UNIT } from './bench-non-root.js';

describe('bench: guest instructions in non-root operation', () => {
  const steps = nonRootBenchSteps();

  it('is a fixed mix of instruction steps, some of which exit, the same count for model and reference CPU', () => {
    expect(steps.length).toBe(4 * 3 * 23);
    expect(steps.every((s) => s.input.kind === 'instruction')).toBe(true);
    const exits = exitsOf(steps, modelObservation);
    // Per pass: OUT to a port with its bitmap bit set, RDTSC, CPUID, CLTS (4 settings × 3 passes).
    expect(exits).toBe(4 * 3 * 4);
    expect(exitsOf(steps, referenceObservation)).toBe(exits);
  });

  it('model and reference CPU observe the same on every step of the mix', () => {
    const differing = steps.filter((s) => !nonRootObservationEqual(modelObservation(s), referenceObservation(s)));
    expect(differing.map((s) => s.input)).toEqual([]);
  });

  it("the model's state after each retired step is the state the next step starts from (the reference CPU's)", () => {
    const perSetting = steps.length / 4;
    const diffs = steps.flatMap((s, i) => {
      const next = steps[i + 1];
      if (next === undefined || (i + 1) % perSetting === 0) return [];
      const r = nonRootStep(s.caps, s.state, s.input).canonical;
      return r.observation.kind === 'retired' ? stateDiff(r.state, next.state).map((d) => `step ${i}: ${d}`) : [];
    });
    expect(diffs).toEqual([]);
  });

  it('reports steps, exits and positive rates for both implementations (tiny budget; speeds not asserted)', () => {
    const r = runNonRootBench(5);
    expect(r.unit).toBe(NON_ROOT_BENCH_UNIT);
    expect(r.steps).toBe(steps.length);
    expect(r.exits).toBe(exitsOf(steps, modelObservation));
    for (const v of [r.modelPerSecond, r.referencePerSecond, r.ratio]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(r.ratio).toBeCloseTo(r.modelPerSecond / r.referencePerSecond);
  });
});
