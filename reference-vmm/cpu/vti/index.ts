/**
 * The reference VT-i CPU (README.md): `ReferenceVtiCpu` for a running processor, `referenceVtiStep`
 * for the shared VtiStep signature (spec/vti/machine/step.ts).
 */
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { ReferenceVtiCpu } from './cpu.js';

export { ReferenceVtiCpu } from './cpu.js';

/** One step on a copy of `state`: pure from the caller's side. */
export const referenceVtiStep: VtiStep = (profile, state, input) => {
  const cpu = new ReferenceVtiCpu(profile, state);
  const { observation } = cpu.step(input);
  return { observation, state: cpu.snapshot() };
};
