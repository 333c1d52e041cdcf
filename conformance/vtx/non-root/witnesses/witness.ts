/**
 * Witnesses for the non-root catalog (spec/vtx/non-root): for every exit rule a case that exits by
 * that rule and one that does not; for every changed-behaviour and priority rule a case that shows
 * it. A case is a profile, edits of the non-root baseline, and the steps to run; the last step is
 * judged. `vtspec coverage` and conformance/vtx/non-root/properties/witnesses.test.ts run them on
 * the model and on the reference CPU.
 */
import type { NonRootInput } from '../../../../spec/vtx/guest/events.js';
import type { NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { BuiltinProfileName } from '../../../../spec/vtx/profiles/index.js';
import type { VtxState } from '../../../../spec/vtx/state.js';

export type Edit = (s: VtxState) => VtxState;

export interface NonRootCase {
  /** Default 'vtx-max' (every control available). */
  readonly profile?: BuiltinProfileName;
  readonly edits: readonly Edit[];
  /** Run in order; the last one is judged. */
  readonly steps: readonly NonRootInput[];
}

/** An exit rule: `exits` makes the rule cause its exit; `noExit` shows the same trigger without it (or why none exists). */
export interface ExitWitness {
  readonly exits: NonRootCase;
  readonly noExit: NonRootCase | { readonly impossible: string };
}

/** A changed-behaviour or priority rule: a case and what the last step must show. */
export interface ShowWitness {
  readonly shows: NonRootCase;
  readonly expect: (o: NonRootObservation, s: VtxState) => boolean;
  /** The expectation in words, for failure messages. */
  readonly expected: string;
}

export type NonRootWitness = ExitWitness | ShowWitness;

export const isExitWitness = (w: NonRootWitness): w is ExitWitness => 'exits' in w;
