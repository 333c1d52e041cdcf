/**
 * The README's main job: generate the default VT-x suite and check the reference CPU against it, and
 * Bochs when it is installed. Everything goes through the same path as `vtspec gen` + `vtspec check`.
 */
import type { BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import type { Vector } from '../../spec/vector/v1.js';
import type { Implementation } from '../check/implementation.js';
import { runCheck, type CheckSummary } from '../check/run.js';
import { generateSuite } from './suite/generate.js';

export interface ConformRun {
  readonly impl: string;
  readonly summary: CheckSummary;
}

export const defaultSuite = (profile: BuiltinProfileName, seed: number, count: number): Vector[] =>
  generateSuite({ profile, seed, count }).vectors;

export const conformAgainst = async (vectors: readonly Vector[], impls: readonly Implementation[]): Promise<ConformRun[]> => {
  const runs: ConformRun[] = [];
  for (const impl of impls) runs.push({ impl: impl.name, summary: await runCheck(vectors, impl, {}) });
  return runs;
};
