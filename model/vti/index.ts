/** The pure VT-i model: `vtiStep` decides a step, `explainVtiStep` says why, `conformsVti` judges an implementation's step. */
export { vtiStep, decideVtiStep } from './step.js';
export { explainVtiStep, type VtiExplanationLine } from './explain.js';
export { conformsVti, type AnyValue, type VtiOutcome, type VtiStepResult } from './outcome.js';
