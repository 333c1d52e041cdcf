/**
 * The published JSON Schema (schema/vector-v1.schema.json) accepts what `vtspec gen` writes and
 * rejects what the codec rejects, so tools in other languages can validate suites without vtspec.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { generateSuite } from '../../conformance/vtx/suite/generate.js';
import { BUILTIN_PROFILES } from '../vtx/profiles/index.js';
import { decodeVector, encodeVector, type VectorJson } from './v1.js';

let lines: VectorJson[];
let validate: ReturnType<Ajv2020['compile']>;

beforeAll(() => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  validate = ajv.compile(JSON.parse(readFileSync('schema/vector-v1.schema.json', 'utf8')));
  lines = generateSuite({ profile: 'bochs-skylake-x', seed: 11, count: 0 }).vectors.map((v) => JSON.parse(JSON.stringify(encodeVector(v))));
});

describe('schema/vector-v1.schema.json', () => {
  test('accepts every vector of a generated suite, and the codec decodes each back', () => {
    for (const v of lines) {
      expect(validate(v), JSON.stringify(validate.errors?.slice(0, 2))).toBe(true);
      expect(decodeVector(v)._tag, v.id).toBe('Right');
    }
  });

  test('accepts a vector with an inline profile', () => {
    const inline = { ...lines[0]!, profile: JSON.parse(JSON.stringify(encodeVector({ ...decodeVectorOrThrow(lines[0]!), profile: BUILTIN_PROFILES['vtx-max'] }).profile)) };
    expect(validate(inline), JSON.stringify(validate.errors?.slice(0, 2))).toBe(true);
  });

  test.each([
    ['an unknown top-level key', (v: VectorJson) => ({ ...v, colour: 'red' })],
    ['a wrong format tag', (v: VectorJson) => ({ ...v, format: 'vtspec-vector/2' })],
    ['an observation of an unknown kind', (v: VectorJson) => ({ ...v, expected: { ...v.expected, canonical: { kind: 'explosion' } } })],
    ['a launch state that does not exist', (v: VectorJson) => ({ ...v, state: { ...v.state, vmcs: { '0x2000': { launchState: 'half', fields: {} } } } })],
  ])('rejects %s, as the codec does', (_name, mutate) => {
    const bad = mutate(lines[0]!);
    expect(validate(bad)).toBe(false);
    expect(decodeVector(bad)._tag).toBe('Left');
  });
});

function decodeVectorOrThrow(v: VectorJson) {
  const d = decodeVector(v);
  if (d._tag === 'Left') throw new Error('fixture vector does not decode');
  return d.right;
}
