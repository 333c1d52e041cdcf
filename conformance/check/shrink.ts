/**
 * `--shrink`: for a vector an implementation fails, a minimal failing variant. Each round tries every
 * one-step simplification of the state — a VMCS field set back to the valid baseline's value or to 0,
 * a memory word removed — as one batch (one Bochs boot, one adapter session), keeps the first that
 * still fails, and stops when none does. Every candidate's expected outcome is recomputed by the
 * model, so "still fails" always means "still diverges from what the SDM permits".
 */
import { BUILTIN_PROFILES } from '../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../spec/vtx/profile.js';
import { readField, writeField, type VtxState } from '../../spec/vtx/state.js';
import { VMCS_FIELDS } from '../../spec/vtx/vmcs/fields.js';
import { vectorId, type Vector } from '../../spec/vector/v1.js';
import { decodeCapabilities } from '../../model/vtx/capabilities.js';
import { step } from '../../model/vtx/step.js';
import { baselineState, baselineSupported } from '../vtx/baseline.js';
import { resolveProfile, type Implementation } from './implementation.js';
import { judge } from './run.js';

export interface Shrunk {
  readonly original: Vector;
  readonly minimal: Vector;
  readonly rounds: number;
  /** What the minimal vector still differs in from the valid baseline of its profile. */
  readonly differences: readonly string[];
}

const withState = (v: Vector, profile: VtxProfile, state: VtxState, original: Vector): Vector => {
  const o = step(decodeCapabilities(profile), state, v.operation);
  return {
    ...v, state, id: vectorId(v.profile, state, v.operation), origin: `shrunk from ${original.id} (${original.origin})`,
    expected: { canonical: o.canonical, permitted: o.permitted, undefinedBehaviour: o.undefinedBehaviour }, violates: o.failedRules,
  };
};

const candidates = (s: VtxState, base: VtxState): VtxState[] => {
  const out: VtxState[] = [];
  const at = s.currentVmcs;
  const region = at === null ? undefined : s.vmcs.get(at);
  const baseRegion = base.vmcs.get(base.currentVmcs!)!;
  if (at !== null && region !== undefined) {
    for (const f of VMCS_FIELDS) {
      const target = readField(baseRegion.fields, f.name);
      if (readField(region.fields, f.name) !== target) {
        out.push({ ...s, vmcs: new Map([...s.vmcs, [at, { ...region, fields: writeField(region.fields, f.name, target) }]]) });
      }
    }
  }
  for (const address of s.memory.keys()) {
    if (base.memory.get(address) === s.memory.get(address)) continue;
    const memory = new Map(s.memory);
    if (base.memory.has(address)) memory.set(address, base.memory.get(address)!);
    else memory.delete(address);
    out.push({ ...s, memory });
  }
  return out;
};

const differences = (s: VtxState, base: VtxState): string[] => {
  const region = s.currentVmcs === null ? undefined : s.vmcs.get(s.currentVmcs);
  const baseRegion = base.vmcs.get(base.currentVmcs!)!;
  const fields = region === undefined ? [] : VMCS_FIELDS
    .filter((f) => readField(region.fields, f.name) !== readField(baseRegion.fields, f.name))
    .map((f) => `${f.name} = 0x${readField(region.fields, f.name).toString(16)} (baseline 0x${readField(baseRegion.fields, f.name).toString(16)})`);
  const memory = [...s.memory].filter(([a, w]) => base.memory.get(a) !== w).map(([a, w]) => `memory[0x${a.toString(16)}] = 0x${w.toString(16)}`);
  return [...fields, ...memory];
};

export const shrink = async (v: Vector, makeImpl: () => Implementation, maxRounds = 150): Promise<Shrunk | null> => {
  const profile = resolveProfile(v.profile);
  if (profile === undefined) return null;
  // The valid state to shrink towards: the baseline guest kind of the profile that is closest. Each
  // accepted step removes one difference from it, so shrinking ends.
  const kinds = (['ia32e', 'protected', 'unrestricted-real', 'v86'] as const).filter((k) => baselineSupported(profile, k));
  const base = kinds.map((k) => baselineState(profile, k)).sort((a, b) => differences(v.state, a).length - differences(v.state, b).length)[0]!;
  let current = v;
  let rounds = 0;
  for (; rounds < maxRounds; rounds++) {
    const batch = candidates(current.state, base).map((s) => withState(current, profile, s, v));
    if (batch.length === 0) break;
    let next: Vector | undefined;
    const impl = makeImpl();
    try {
      const verdicts = new Array<string>(batch.length);
      await impl.run(batch, (i, report) => {
        verdicts[i] = judge(batch[i]!, impl.name, report).verdict;
      });
      next = batch.find((_, i) => verdicts[i] === 'fail');
    } finally {
      await impl.close();
    }
    if (next === undefined) break;
    current = next;
  }
  return { original: v, minimal: current, rounds, differences: differences(current.state, base) };
};

export const builtinProfileName = (p: string | VtxProfile): string => (typeof p === 'string' ? p : Object.entries(BUILTIN_PROFILES).find(([, q]) => q === p)?.[0] ?? p.name);
