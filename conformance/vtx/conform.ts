/**
 * The built-in VT-x conformance run: every witness (one per VM-entry rule) plus a fixed-seed sample of
 * near-boundary VM entries, each evaluated by the model and by an implementation, and judged with
 * `conforms`. The implementation here is the reference CPU; the vector format, external adapters and
 * the Bochs backend come with the conformance-suite issue.
 */
import fc from 'fast-check';
import { describeObservation, type Observation } from '../../spec/vtx/observation.js';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_NAMES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../spec/vtx/profile.js';
import type { VtxState } from '../../spec/vtx/state.js';
import { ENTRY_CHECKS, ENTRY_CHECK_IDS, type EntryCheckId } from '../../spec/vtx/vm-entry/index.js';
import { decodeCapabilities, type Capabilities } from '../../model/vtx/capabilities.js';
import { conforms, vmEntry } from '../../model/vtx/vm-entry/index.js';
import { ReferenceVtxCpu } from '../../reference-vmm/cpu/vtx/index.js';
import { entryCaseArb, realiseCase } from './arbitraries.js';
import { ENTRY_WITNESSES } from './witnesses/index.js';
import { realiseWitness } from './witnesses/realise.js';

export interface ConformCase {
  readonly name: string;
  readonly profile: VtxProfile;
  readonly state: VtxState;
  readonly instruction: 'VMLAUNCH' | 'VMRESUME';
}

export interface Divergence {
  readonly name: string;
  readonly rules: readonly { readonly id: string; readonly section: string }[];
  readonly expected: readonly string[];
  readonly observed: string;
}

export interface ConformReport {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Per rule: how many cases failed it in the model, and how many of those conformed. */
  readonly byRule: ReadonlyMap<string, { readonly cases: number; readonly conformed: number }>;
  readonly divergences: readonly Divergence[];
}

export const conformCases = (count: number, seed: number, profiles?: readonly BuiltinProfileName[]): ConformCase[] => {
  const witnesses = ENTRY_CHECK_IDS.map((id) => ({ name: `witness ${id}`, ...realiseWitness(ENTRY_WITNESSES[id]) }));
  const allowed = new Set(profiles ?? BUILTIN_PROFILE_NAMES);
  const sample = fc
    .sample(entryCaseArb(1, 3, [...allowed]), { numRuns: count, seed })
    .map((c, i) => ({ name: `near-boundary #${i} (seed ${seed})`, profile: BUILTIN_PROFILES[c.profile], state: realiseCase(c), instruction: c.instruction }));
  return [...witnesses.filter((w) => profiles === undefined || allowed.has(w.profile.name as BuiltinProfileName)), ...sample];
};

export const runConform = (cases: readonly ConformCase[], onProgress?: (done: number) => void): ConformReport => {
  const capsCache = new Map<VtxProfile, Capabilities>();
  const byRule = new Map<string, { cases: number; conformed: number }>();
  const divergences: Divergence[] = [];
  let passed = 0;
  cases.forEach((c, i) => {
    let caps = capsCache.get(c.profile);
    if (caps === undefined) capsCache.set(c.profile, (caps = decodeCapabilities(c.profile)));
    const outcome = vmEntry(caps, c.state, c.instruction);
    const observed: Observation = new ReferenceVtxCpu(c.profile, c.state).execute({ op: c.instruction }).observation;
    const ok = conforms(observed, outcome);
    for (const id of outcome.failedRules) {
      const r = byRule.get(id) ?? { cases: 0, conformed: 0 };
      byRule.set(id, { cases: r.cases + 1, conformed: r.conformed + (ok ? 1 : 0) });
    }
    if (ok) passed++;
    else {
      divergences.push({
        name: c.name,
        rules: outcome.failedRules.map((id) => ({ id, section: ENTRY_CHECKS[id as EntryCheckId]?.section ?? '?' })),
        expected: outcome.permitted.map(describeObservation),
        observed: describeObservation(observed),
      });
    }
    onProgress?.(i + 1);
  });
  return { passed, failed: cases.length - passed, skipped: 0, byRule, divergences };
};
