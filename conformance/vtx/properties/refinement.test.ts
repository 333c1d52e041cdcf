/**
 * Property (c): on near-boundary VM entries (a valid state with one to three mutations), whatever the
 * independent reference CPU does is permitted by the model. 100,000 cases per run with a fixed seed;
 * VTSPEC_SEED / VTSPEC_PATH replay a failure (see params.ts). VTSPEC_REFINEMENT_RUNS overrides the count.
 */
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { describeObservation } from '../../../spec/vtx/observation.js';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_NAMES } from '../../../spec/vtx/profiles/index.js';
import { decodeCapabilities } from '../../../model/vtx/capabilities.js';
import { conforms, vmEntry } from '../../../model/vtx/vm-entry/index.js';
import { ReferenceVtxCpu } from '../../../reference-vmm/cpu/vtx/index.js';
import { entryCaseArb, realiseCase } from '../arbitraries.js';
import { FC_PARAMS } from './params.js';

const CAPS = Object.fromEntries(BUILTIN_PROFILE_NAMES.map((n) => [n, decodeCapabilities(BUILTIN_PROFILES[n])]));
const RUNS = Number(process.env['VTSPEC_REFINEMENT_RUNS'] ?? 100_000);

describe('refinement: the reference CPU stays within what the model permits', () => {
  test.prop([entryCaseArb()], { ...FC_PARAMS(RUNS), timeout: 600_000 })('near-boundary VM entries', (c) => {
    const state = realiseCase(c);
    const outcome = vmEntry(CAPS[c.profile]!, state, c.instruction);
    const ref = new ReferenceVtxCpu(BUILTIN_PROFILES[c.profile], state).execute({ op: c.instruction });
    expect(
      conforms(ref.observation, outcome),
      `reference: ${describeObservation(ref.observation)} (rule ${ref.failedRule ?? '-'}); model permits ${outcome.permitted.map(describeObservation).join(' | ')} (rules ${outcome.failedRules.join(', ') || '-'})`,
    ).toBe(true);
  });
});
