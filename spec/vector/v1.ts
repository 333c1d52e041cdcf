/**
 * Conformance vectors, format v1: one JSON object per line (JSON Lines). A vector is self-contained:
 * the capability profile (a built-in name or inline), the initial state, the operation, and what the
 * SDM permits as its outcome, with the rules the case violates. Published as JSON Schema in
 * schema/vector-v1.schema.json; this io-ts codec is the one the tools use.
 *
 *   {"format": "vtspec-vector/1", "id": "v1-…", "arch": "vtx", "origin": "witness GUEST.SEG.TR.USABLE",
 *    "profile": "bochs-skylake-x" | {…profile…}, "state": {…state…}, "operation": {"op": "VMLAUNCH"},
 *    "expected": {"canonical": {…}, "permitted": [{…}], "undefinedBehaviour": false},
 *    "violates": ["GUEST.SEG.TR.USABLE"]}
 *
 * `id` is a content hash of arch, profile, state and operation: the same case has the same ID in every
 * suite, so results files and shards can be merged and resumed.
 */
import { createHash } from 'node:crypto';
import * as t from 'io-ts';
import type { VtxInstruction } from '../vtx/instructions.js';
import type { ReportedObservation } from '../vtx/observation.js';
import type { VtxProfile } from '../vtx/profile.js';
import type { VtxState } from '../vtx/state.js';
import { InstructionCodec, type InstructionJson } from '../codec/instruction.js';
import { ObservationCodec, type ObservationJson } from '../codec/observation.js';
import { ProfileCodec, type ProfileJson } from '../codec/profile.js';
import { encodeState, StateFileCodec, type StateJson } from '../codec/state.js';
import { arrayOf, bool, describeValue, literals, str, strictObject } from '../codec/strict.js';

export const VECTOR_FORMAT = 'vtspec-vector/1';

export interface Expected {
  readonly canonical: ReportedObservation;
  readonly permitted: readonly ReportedObservation[];
  readonly undefinedBehaviour: boolean;
}

export interface Vector {
  readonly id: string;
  readonly arch: 'vtx';
  readonly origin: string;
  /** A built-in profile name, or the profile itself. */
  readonly profile: string | VtxProfile;
  readonly state: VtxState;
  readonly operation: VtxInstruction;
  readonly expected: Expected;
  readonly violates: readonly string[];
}

const profileRef = new t.Type<string | VtxProfile, string | ProfileJson, unknown>(
  'profile',
  (u): u is string | VtxProfile => typeof u === 'string' || ProfileCodec.is(u),
  (u, c) => (typeof u === 'string' ? t.success(u) : ProfileCodec.validate(u, c)),
  (p) => (typeof p === 'string' ? p : ProfileCodec.encode(p)),
);

const stateCodec = new t.Type<VtxState, StateJson, unknown>(
  'state',
  (u): u is VtxState => typeof u === 'object' && u !== null,
  (u, c) => {
    const r = StateFileCodec.validate(u, c);
    if (r._tag === 'Left') return r;
    if (r.right.instruction !== undefined || r.right.profile !== undefined) {
      return t.failure(u, c, 'a vector\'s state has no "instruction" or "profile": they are the vector\'s "operation" and "profile"');
    }
    return t.success(r.right.state);
  },
  (s) => encodeState(s),
);

const expectedCodec = strictObject('expected', { canonical: ObservationCodec, permitted: arrayOf(ObservationCodec), undefinedBehaviour: bool }, {});

const shape = strictObject('vector', {
  format: literals('format', [VECTOR_FORMAT]),
  id: str,
  arch: literals('arch', ['vtx']),
  origin: str,
  profile: profileRef,
  state: stateCodec,
  operation: InstructionCodec,
  expected: expectedCodec,
  violates: arrayOf(str),
}, {});

export interface VectorJson {
  format: typeof VECTOR_FORMAT;
  id: string;
  arch: 'vtx';
  origin: string;
  profile: string | ProfileJson;
  state: StateJson;
  operation: InstructionJson;
  expected: { canonical: ObservationJson; permitted: ObservationJson[]; undefinedBehaviour: boolean };
  violates: string[];
}

export const VectorCodec = new t.Type<Vector, VectorJson, unknown>(
  'Vector',
  (u): u is Vector => shape.is(u),
  (u, c) => {
    const r = shape.validate(u, c);
    if (r._tag === 'Left') return r;
    const v = r.right;
    const expected = vectorId(v.profile, v.state, v.operation);
    if (v.id !== expected) return t.failure(v.id, t.appendContext(c, 'id', str, v.id), `id does not match the content (expected ${expected}, got ${describeValue(v.id)})`);
    return t.success({
      id: v.id, arch: v.arch, origin: v.origin, profile: v.profile, state: v.state, operation: v.operation,
      expected: { canonical: v.expected.canonical, permitted: v.expected.permitted, undefinedBehaviour: v.expected.undefinedBehaviour },
      violates: v.violates,
    });
  },
  (v) => shape.encode({ format: VECTOR_FORMAT, ...v } as never) as VectorJson,
);

/** Stable JSON: object keys sorted, so the hash does not depend on key order. */
const canonicalJson = (u: unknown): string => {
  if (Array.isArray(u)) return `[${u.map(canonicalJson).join(',')}]`;
  if (u !== null && typeof u === 'object') {
    return `{${Object.keys(u).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((u as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(u);
};

export const vectorId = (profile: string | VtxProfile, state: VtxState, operation: VtxInstruction): string => {
  const content = canonicalJson({ arch: 'vtx', profile: profileRef.encode(profile), state: encodeState(state), operation: InstructionCodec.encode(operation) });
  return `v1-${createHash('sha256').update(content).digest('hex').slice(0, 20)}`;
};

export const encodeVector = (v: Vector): VectorJson => VectorCodec.encode(v);
export const decodeVector = (u: unknown): t.Validation<Vector> => VectorCodec.decode(u);
