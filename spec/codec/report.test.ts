import { describe, expect, test } from 'vitest';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { errorPath, formatErrors } from './report.js';

const errorsOf = (codec: t.Decoder<unknown, unknown>, u: unknown): t.Errors => {
  const r = codec.decode(u);
  if (!isLeft(r)) throw new Error('decoded');
  return r.left;
};

describe('formatErrors', () => {
  test('joins the path with dots, skipping the root, and falls back to the codec name', () => {
    const codec = t.type({ a: t.type({ b: t.array(t.number) }) });
    const errors = errorsOf(codec, { a: { b: [1, 'x'] } });
    expect(errorPath(errors[0]!)).toBe('a.b.1');
    expect(formatErrors(errors, 'f.json')).toEqual(['f.json: a.b.1: expected number, got "x"']);
  });

  test('an error at the root has no path; a custom message wins', () => {
    const codec = new t.Type<number, number, unknown>('n', (_u): _u is number => false, (u, c) => t.failure(u, c, 'no good'), (a) => a);
    expect(formatErrors(errorsOf(codec, 1), 'in')).toEqual(['in: no good']);
  });

  test('identical lines appear once (union members report the same problem)', () => {
    const codec = t.union([t.string, t.string]);
    expect(errorsOf(codec, 1)).toHaveLength(2);
    expect(formatErrors(errorsOf(codec, 1), 'in')).toHaveLength(1);
  });
});

describe('formatErrors under combinators', () => {
  test('union member indices are not part of the path', () => {
    const codec = t.type({ a: t.union([t.type({ b: t.string }), t.type({ b: t.string })]) });
    expect(formatErrors(errorsOf(codec, { a: { b: 1 } }), 'in')).toEqual(['in: a.b: expected string, got 1']);
  });
});
