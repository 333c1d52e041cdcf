/**
 * VM-entry throughput of the model and of the reference CPU on the same inputs, measured in one run:
 * valid states (every baseline of every built-in profile) and near-boundary states (a fixed-seed
 * sample of the refinement property's cases). Each figure is full VMLAUNCH evaluations per second on
 * one core; the ratios are what to compare across machines.
 */
import fc from 'fast-check';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_NAMES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import type { VtxState } from '../../spec/vtx/state.js';
import { decodeCapabilities, type Capabilities } from '../../model/vtx/capabilities.js';
import { vmEntry } from '../../model/vtx/vm-entry/index.js';
import { ReferenceVtxCpu } from '../../reference-vmm/cpu/vtx/index.js';
import { entryCaseArb, realiseCase } from './arbitraries.js';
import { BASELINE_KINDS, baselineState, baselineSupported } from './baseline.js';

interface BenchCase {
  readonly profile: BuiltinProfileName;
  readonly caps: Capabilities;
  readonly state: VtxState;
  readonly instruction: 'VMLAUNCH' | 'VMRESUME';
}

const capsOf = Object.fromEntries(BUILTIN_PROFILE_NAMES.map((n) => [n, decodeCapabilities(BUILTIN_PROFILES[n])])) as Record<BuiltinProfileName, Capabilities>;

export const validCases = (): BenchCase[] =>
  BUILTIN_PROFILE_NAMES.flatMap((profile) =>
    BASELINE_KINDS.filter((k) => baselineSupported(BUILTIN_PROFILES[profile], k)).map((k) => ({
      profile, caps: capsOf[profile], state: baselineState(BUILTIN_PROFILES[profile], k), instruction: 'VMLAUNCH' as const,
    })),
  );

export const nearBoundaryCases = (count = 2000, seed = 1): BenchCase[] =>
  fc.sample(entryCaseArb(), { numRuns: count, seed }).map((c) => ({
    profile: c.profile, caps: capsOf[c.profile], state: realiseCase(c), instruction: c.instruction,
  }));

/**
 * Evaluations per second of `run` over `cases`: five rounds of ms/5 each, cycling through the cases,
 * and the median round. On a shared virtual machine single rounds vary by ±30%; the median is stable.
 */
const rate = (cases: readonly BenchCase[], run: (c: BenchCase) => unknown, ms: number): number => {
  for (const c of cases.slice(0, 200)) run(c); // warm-up: let the JIT compile the hot paths
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms / 5) {
      for (const c of cases) run(c);
      n += cases.length;
      elapsed = performance.now() - start;
    }
    rounds.push((n * 1000) / elapsed);
  }
  return rounds.sort((a, b) => a - b)[2]!;
};

export interface BenchResult {
  readonly set: 'valid' | 'near-boundary';
  readonly cases: number;
  readonly modelPerSecond: number;
  readonly referencePerSecond: number;
  /** model / reference. */
  readonly ratio: number;
}

export const runBench = (ms = 1500): BenchResult[] => {
  const model = (c: BenchCase) => vmEntry(c.caps, c.state, c.instruction);
  const reference = (c: BenchCase) => new ReferenceVtxCpu(BUILTIN_PROFILES[c.profile], c.state).execute({ op: c.instruction });
  return ([['valid', validCases()], ['near-boundary', nearBoundaryCases()]] as const).map(([set, cases]) => {
    const m = rate(cases, model, ms);
    const r = rate(cases, reference, ms);
    return { set, cases: cases.length, modelPerSecond: m, referencePerSecond: r, ratio: m / r };
  });
};
