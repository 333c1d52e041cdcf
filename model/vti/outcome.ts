/**
 * The result of one step of the VT-i model: what this model does (canonical), everything else the
 * architecture permits, which values are left open, and the rules that decided it. `conformsVti` is
 * the single judge of an implementation's step.
 *
 * Looseness is given two ways (spec/vti/machine/README.md): `permitted` lists whole alternative
 * outcomes where there are few (e.g. the optional unimplemented-instruction-address fault form, a PAL
 * status the sources leave open); `anyValue` marks single values the architecture leaves undefined
 * or implementation-specific (the long-format VHPT hash, ttag, a NaT result) — any value conforms there.
 */
import { stateEqual } from '../../spec/vti/machine/compare.js';
import { observationEqual, type VtiObservation } from '../../spec/vti/machine/observation.js';
import type { Gr, VtiState } from '../../spec/vti/machine/state.js';

export interface VtiStepResult {
  readonly observation: VtiObservation;
  readonly state: VtiState;
}

export type AnyValue =
  /** The `value` of an `executed` observation. */
  | { readonly where: 'executed-value' }
  /** The value (not the NaT bit) of GR `index` in the next state. */
  | { readonly where: 'gr'; readonly index: number }
  /** `values[index]` of a `pal-return` observation. */
  | { readonly where: 'pal-value'; readonly index: number };

export interface VtiOutcome {
  readonly canonical: VtiStepResult;
  /** Every permitted result, canonical first. */
  readonly permitted: readonly VtiStepResult[];
  readonly anyValue: readonly AnyValue[];
  /** The architecture leaves the whole step undefined: anything conforms. */
  readonly undefinedBehaviour: boolean;
  /** VTI_RULES ids that decided the step, in the order they were applied. */
  readonly rules: readonly string[];
}

/** One line of an explanation: a rule and what it decided here. */
export interface Trace {
  readonly rule: string;
  readonly verdict: string;
}

/** What the model's step functions return before it becomes an outcome. */
export interface Decision extends VtiStepResult {
  readonly trace: readonly Trace[];
  readonly alternatives: readonly VtiStepResult[];
  readonly anyValue: readonly AnyValue[];
  readonly undefinedBehaviour: boolean;
}

export const decided = (observation: VtiObservation, state: VtiState, trace: readonly Trace[]): Decision =>
  ({ observation, state, trace, alternatives: [], anyValue: [], undefinedBehaviour: false });

export const because = (rule: string, verdict: string): Trace => ({ rule, verdict });

/** `d` with `t` explaining it first. */
export const after = (t: readonly Trace[], d: Decision): Decision => ({ ...d, trace: [...t, ...d.trace] });

export const toOutcome = (d: Decision): VtiOutcome => ({
  canonical: { observation: d.observation, state: d.state },
  permitted: [{ observation: d.observation, state: d.state }, ...d.alternatives],
  anyValue: d.anyValue,
  undefinedBehaviour: d.undefinedBehaviour,
  rules: [...new Set(d.trace.map((t) => t.rule))],
});

/** `expected` with the open values replaced by what `observed` has there. */
const fillOpen = (expected: VtiStepResult, observed: VtiStepResult, open: readonly AnyValue[]): VtiStepResult =>
  open.reduce<VtiStepResult>((e, a) => {
    switch (a.where) {
      case 'executed-value':
        return e.observation.kind === 'executed' && observed.observation.kind === 'executed' && observed.observation.value !== undefined
          ? { ...e, observation: { ...e.observation, value: observed.observation.value } } : e;
      case 'gr': {
        const g: Gr | undefined = observed.state.gr[a.index];
        const mine = e.state.gr[a.index];
        if (g === undefined || mine === undefined) return e;
        const gr = [...e.state.gr];
        gr[a.index] = { value: g.value, nat: mine.nat };
        return { ...e, state: { ...e.state, gr } };
      }
      case 'pal-value': {
        if (e.observation.kind !== 'pal-return' || observed.observation.kind !== 'pal-return') return e;
        const v = observed.observation.values[a.index];
        if (v === undefined) return e;
        const values = [...e.observation.values];
        values[a.index] = v;
        return { ...e, observation: { ...e.observation, values } };
      }
    }
  }, expected);

/** `observed` is a result the outcome permits. */
export const conformsVti = (observed: VtiStepResult, outcome: VtiOutcome): boolean =>
  outcome.undefinedBehaviour ||
  outcome.permitted.some((p) => {
    const e = fillOpen(p, observed, outcome.anyValue);
    return observationEqual(observed.observation, e.observation) && stateEqual(observed.state, e.state);
  });
