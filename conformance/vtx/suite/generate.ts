/**
 * Coverage-directed generation of a VT-x conformance suite (format v1, spec/vector/v1.ts):
 *  1. every VM-entry rule violated: its witness, ported to the suite's profile when it still violates
 *     exactly that rule there, else on the profile the witness needs;
 *  2. every VMX instruction rule decided (witnesses include the successful cases), so every
 *     VM-instruction error and every exit reason in the model's scope appears;
 *  3. valid VM entries of every guest kind the profile supports, VMLAUNCH and VMRESUME;
 *  4. near-boundary cases chosen until every rule has also been satisfied (applied and held) at least
 *     once, within a search budget;
 *  5. random near-boundary cases up to the requested count.
 * Deterministic: the same seed and version give the same bytes.
 */
import fc from 'fast-check';
import type { VtxInstruction } from '../../../spec/vtx/instructions.js';
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import { ENTRY_CHECKS, ENTRY_CHECK_IDS, type EntryCheckId } from '../../../spec/vtx/vm-entry/index.js';
import { INSTRUCTION_RULES, type InstructionRuleId } from '../../../spec/vtx/vmx-instructions/index.js';
import { vectorId, type Vector } from '../../../spec/vector/v1.js';
import { decodeCapabilities, type Capabilities } from '../../../model/vtx/capabilities.js';
import { step } from '../../../model/vtx/step.js';
import { explainEntry } from '../../../model/vtx/vm-entry/index.js';
import { applyMutation, entryCaseArb, mutationArb, realiseCase, type Mutation } from '../arbitraries.js';
import { BASELINE_KINDS, baselineState, baselineSupported } from '../baseline.js';
import { ENTRY_WITNESSES } from '../witnesses/index.js';
import { INSTRUCTION_WITNESSES, type InstructionWitness } from '../witnesses/instructions.js';
import { realiseWitness } from '../witnesses/realise.js';
import type { EntryWitness } from '../witnesses/witness.js';
import { readField, writeField, writeFields } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';

export interface GenerateOptions {
  readonly profile: BuiltinProfileName;
  readonly seed: number;
  /** Total number of vectors wanted; the coverage-directed part is kept even if it is larger. */
  readonly count: number;
  /** Near-boundary candidates tried to satisfy every rule at least once. */
  readonly searchBudget?: number;
}

export interface RuleTally {
  violated: number;
  satisfied: number;
}

export interface SuiteCoverage {
  /** Per VM-entry rule and per instruction rule: vectors violating it / satisfying it (it applied and held). */
  readonly rules: ReadonlyMap<string, RuleTally>;
  /** VM-instruction error numbers and basic exit reasons appearing among the expected canonical outcomes. */
  readonly instructionErrors: ReadonlySet<number>;
  readonly exitReasons: ReadonlySet<number>;
  /** Rules violated only on a profile other than the suite's (the witness needs that profile). */
  readonly otherProfile: ReadonlyMap<string, string>;
}

interface Candidate {
  readonly origin: string;
  readonly profile: VtxProfile;
  readonly state: VtxState;
  readonly operation: VtxInstruction;
}

const profileRef = (p: VtxProfile): string | VtxProfile => (p.name in BUILTIN_PROFILES && BUILTIN_PROFILES[p.name as BuiltinProfileName] === p ? p.name : p);

export const toVector = (c: Candidate, caps: Capabilities): Vector => {
  const outcome = step(caps, c.state, c.operation);
  const profile = profileRef(c.profile);
  return {
    id: vectorId(profile, c.state, c.operation),
    arch: 'vtx',
    origin: c.origin,
    profile,
    state: c.state,
    operation: c.operation,
    expected: { canonical: outcome.canonical, permitted: outcome.permitted, undefinedBehaviour: outcome.undefinedBehaviour },
    violates: outcome.failedRules,
  };
};

/** The witness's edit applied to the suite profile's baseline, if that still violates exactly the rule. */
const portWitness = (id: string, w: EntryWitness, profile: VtxProfile, caps: Capabilities): Candidate | null => {
  const kind = w.baseline ?? 'ia32e';
  if (typeof w.profile === 'object' || !baselineSupported(profile, kind)) return null;
  const base = baselineState(profile, kind);
  const at = base.currentVmcs!;
  const region = base.vmcs.get(at)!;
  const withFields: VtxState = w.fields ? { ...base, vmcs: new Map([...base.vmcs, [at, { ...region, fields: writeFields(region.fields, w.fields) }]]) } : base;
  const state = w.edit ? w.edit(withFields) : withFields;
  const operation = { op: w.instruction ?? 'VMLAUNCH' } as const;
  const failed = new Set(step(caps, state, operation).failedRules);
  const allowed = new Set([id, ...(w.alsoFails ?? [])]);
  return failed.has(id) && [...failed].every((r) => allowed.has(r)) ? { origin: `witness ${id}`, profile, state, operation } : null;
};

const instructionCandidate = (id: InstructionRuleId, w: InstructionWitness, profile: VtxProfile): Candidate => {
  const p = w.profile === undefined ? profile : BUILTIN_PROFILES[w.profile];
  const usable = w.profile === undefined && baselineSupported(p, 'ia32e') ? p : BUILTIN_PROFILES[w.profile ?? 'vtx-max'];
  const base = baselineState(usable, 'ia32e');
  return { origin: `witness ${id}`, profile: usable, state: w.edit ? w.edit(base) : base, operation: w.instruction };
};

/** `state` with field `f` of the current VMCS set back to its value in `base`; null if it already has it. */
const revertField = (state: VtxState, base: VtxState, f: FieldName): VtxState | null => {
  const at = state.currentVmcs;
  const region = at === null ? undefined : state.vmcs.get(at);
  const baseRegion = base.currentVmcs === null ? undefined : base.vmcs.get(base.currentVmcs);
  if (at === null || region === undefined || baseRegion === undefined) return null;
  const want = readField(baseRegion.fields, f);
  if (readField(region.fields, f) === want) return null;
  return { ...state, vmcs: new Map([...state.vmcs, [at, { ...region, fields: writeField(region.fields, f, want) }]]) };
};

const launched = (s: VtxState): VtxState => {
  const at = s.currentVmcs!;
  return { ...s, vmcs: new Map([...s.vmcs, [at, { ...s.vmcs.get(at)!, launchState: 'launched' as const }]]) };
};

/** Flipping one, then two bits of a field the rule reads: the smallest edits that can make it hold. */
function* bitFlips(state: VtxState, fields: readonly FieldName[]): Generator<VtxState> {
  const at = state.currentVmcs;
  const region = at === null ? undefined : state.vmcs.get(at);
  if (at === null || region === undefined) return;
  const flip = (f: FieldName, mask: bigint): VtxState =>
    ({ ...state, vmcs: new Map([...state.vmcs, [at, { ...region, fields: writeField(region.fields, f, readField(region.fields, f) ^ mask) }]]) });
  for (const f of fields) for (let b = 0n; b < 64n; b++) yield flip(f, 1n << b);
  for (const f of fields) for (let b = 0n; b < 32n; b++) for (let c = b + 1n; c < 32n; c++) yield flip(f, (1n << b) | (1n << c));
}

/**
 * A vector in which rule `id` applies and holds, found near its witness: undo one field of the
 * witness's edit, or flip one or two bits of a field the rule reads, or apply random mutations.
 */
const satisfier = (id: EntryCheckId, w: EntryWitness, start: Candidate, caps: Capabilities, mutations: readonly Mutation[][]): Candidate | null => {
  const op = start.operation.op as 'VMLAUNCH' | 'VMRESUME';
  const holdsIn = (state: VtxState) => explainEntry(caps, state, op).trace.find((x) => x.id === id)?.result === 'pass';
  const found = (state: VtxState, how: string): Candidate => ({ origin: `satisfier of ${id} (${how})`, profile: start.profile, state, operation: { op } });
  const base = baselineState(start.profile, w.baseline ?? 'ia32e');
  for (const f of ENTRY_CHECKS[id].reads) {
    const candidate = revertField(start.state, base, f);
    if (candidate !== null && holdsIn(candidate)) return found(candidate, `witness with ${f} restored`);
  }
  for (const candidate of bitFlips(start.state, ENTRY_CHECKS[id].reads)) {
    if (holdsIn(candidate)) return found(candidate, 'witness with bits flipped');
  }
  for (const [i, ms] of mutations.entries()) {
    const candidate = ms.reduce(applyMutation, start.state);
    if (holdsIn(candidate)) return found(candidate, `witness with mutation set #${i}`);
  }
  return null;
};

export const generateSuite = (o: GenerateOptions): { vectors: Vector[]; coverage: SuiteCoverage } => {
  const profile = BUILTIN_PROFILES[o.profile];
  const capsOf = new Map<VtxProfile, Capabilities>();
  const caps = (p: VtxProfile) => capsOf.get(p) ?? (capsOf.set(p, decodeCapabilities(p)), capsOf.get(p)!);
  const vectors: Vector[] = [];
  const seen = new Set<string>();
  const rules = new Map<string, RuleTally>([...ENTRY_CHECK_IDS, ...Object.keys(INSTRUCTION_RULES)].map((id) => [id, { violated: 0, satisfied: 0 }]));
  const otherProfile = new Map<string, string>();

  /** Adds the vector; returns how many rules it satisfied for the first time. */
  const add = (c: Candidate): number => {
    const v = toVector(c, caps(c.profile));
    if (seen.has(v.id)) return 0;
    seen.add(v.id);
    vectors.push(v);
    for (const id of v.violates) rules.get(id)!.violated++;
    let fresh = 0;
    if (c.operation.op === 'VMLAUNCH' || c.operation.op === 'VMRESUME') {
      for (const t of explainEntry(caps(c.profile), c.state, c.operation.op).trace) {
        if (t.result !== 'pass') continue;
        const tally = rules.get(t.id)!;
        if (tally.satisfied++ === 0) fresh++;
      }
    }
    else {
      // An instruction's rules are tested in catalog order: those before the deciding one held.
      const decided = v.violates[0] ?? `${c.operation.op}.OK`;
      for (const id of Object.keys(INSTRUCTION_RULES).filter((r) => r.startsWith(`${c.operation.op}.`))) {
        if (id === decided) break;
        if (rules.get(id)!.satisfied++ === 0) fresh++;
      }
      if (decided.endsWith('.OK') && rules.get(decided)!.satisfied++ === 0) fresh++;
    }
    return fresh;
  };

  // 1. Every VM-entry rule violated.
  for (const id of ENTRY_CHECK_IDS) {
    const w = ENTRY_WITNESSES[id];
    const ported = portWitness(id, w, profile, caps(profile));
    if (ported) add(ported);
    else {
      const r = realiseWitness(w);
      otherProfile.set(id, r.profile.name);
      add({ origin: `witness ${id}`, profile: r.profile, state: r.state, operation: { op: r.instruction } });
    }
  }
  // 2. Every instruction rule (success included).
  for (const id of Object.keys(INSTRUCTION_RULES) as InstructionRuleId[]) {
    const c = instructionCandidate(id, INSTRUCTION_WITNESSES[id], profile);
    if (c.profile !== profile) otherProfile.set(id, c.profile.name);
    add(c);
  }
  // 3. Valid entries of every supported guest kind; VMRESUME in non-root operation (exit reason 24).
  for (const kind of BASELINE_KINDS.filter((k) => baselineSupported(profile, k))) {
    const s = baselineState(profile, kind);
    add({ origin: `valid ${kind} VMLAUNCH`, profile, state: s, operation: { op: 'VMLAUNCH' } });
    add({ origin: `valid ${kind} VMRESUME`, profile, state: launched(s), operation: { op: 'VMRESUME' } });
  }
  add({ origin: 'VMRESUME in VMX non-root operation', profile, state: { ...launched(baselineState(profile, 'ia32e')), vmx: 'non-root' }, operation: { op: 'VMRESUME' } });
  // 4. Satisfy every rule at least once. A rule's witness sets up its precondition; a few random
  // mutations on top of it usually make the rule hold while still applying. Rules that cannot apply on
  // the suite's profile are tried on the witness's own profile.
  const mutations = fc.sample(fc.array(mutationArb, { minLength: 1, maxLength: 2 }), { numRuns: o.searchBudget ?? 400, seed: o.seed });
  for (const id of ENTRY_CHECK_IDS) {
    if (rules.get(id)!.satisfied > 0) continue;
    const w = ENTRY_WITNESSES[id];
    const own = realiseWitness(w);
    const starts = [
      portWitness(id, w, profile, caps(profile)),
      { origin: '', profile: own.profile, state: own.state, operation: { op: own.instruction } as const },
    ].filter((c): c is Candidate => c !== null);
    const found = starts.map((start) => satisfier(id, w, start, caps(start.profile), mutations)).find((c) => c !== null);
    if (found) add(found);
  }

  // 5. Random near-boundary cases up to the requested count (mutations that change nothing give a
  // vector already in the suite, so keep drawing, within a bound).
  const stream = fc.sample(entryCaseArb(1, 3, [o.profile]), { numRuns: Math.max(0, o.count - vectors.length) * 3, seed: o.seed + 1 });
  for (const [i, c] of stream.entries()) {
    if (vectors.length >= o.count) break;
    add({ origin: `near-boundary #${i} (seed ${o.seed})`, profile, state: realiseCase(c), operation: { op: c.instruction } });
  }

  const instructionErrors = new Set<number>();
  const exitReasons = new Set<number>();
  for (const v of vectors) {
    const c = v.expected.canonical;
    if (c.kind === 'VMfailValid') instructionErrors.add(c.error);
    if (c.kind === 'vm-exit') exitReasons.add(c.reason & 0xffff);
  }
  return { vectors, coverage: { rules, instructionErrors, exitReasons, otherProfile } };
};

/** Deterministic shard membership from the vector ID (a content hash): shards of a suite partition it. */
export const inShard = (id: string, shard: { readonly index: number; readonly count: number }): boolean =>
  Number.parseInt(id.slice(3, 11), 16) % shard.count === shard.index - 1;
