/**
 * Small io-ts building blocks for the process-boundary codecs: an object codec that rejects unknown
 * keys (io-ts's own `exact` strips them silently), literal choices, bounded integers, and a helper
 * that renders an offending value for an error message. Every failure carries its own message, so
 * spec/codec/report.ts can print it as is.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';

/** How an offending input value is shown in a message: short, and JSON-like. */
export const describeValue = (u: unknown): string => {
  if (u === undefined) return 'nothing';
  if (u === null) return 'null';
  if (typeof u === 'string') return JSON.stringify(u);
  if (typeof u === 'number' || typeof u === 'boolean') return String(u);
  if (typeof u === 'bigint') return `0x${u.toString(16)}`;
  if (Array.isArray(u)) return 'an array';
  return 'an object';
};

export const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** Run a codec on a sub-value under `key`, collecting its errors into `errors`. */
export const validateAt = <A>(
  codec: t.Decoder<unknown, A>, value: unknown, c: t.Context, key: string, errors: t.Errors,
): A | undefined => {
  const r = codec.validate(value, t.appendContext(c, key, codec, value));
  if (isLeft(r)) {
    errors.push(...r.left);
    return undefined;
  }
  return r.right;
};

type Props = Record<string, t.Mixed>;
type Decoded<R extends Props, O extends Props> =
  { [K in keyof R]: t.TypeOf<R[K]> } & { [K in keyof O]?: t.TypeOf<O[K]> };
type Encoded<R extends Props, O extends Props> =
  { [K in keyof R]: t.OutputOf<R[K]> } & { [K in keyof O]?: t.OutputOf<O[K]> };

/**
 * An object with `required` and `optional` keys and nothing else. Unknown keys and missing required
 * keys are errors at the path of the key; all problems are reported, not just the first.
 */
export const strictObject = <R extends Props, O extends Props>(
  name: string, required: R, optional: O,
): t.Type<Decoded<R, O>, Encoded<R, O>, unknown> => {
  const known = [...Object.keys(required), ...Object.keys(optional)];
  return new t.Type<Decoded<R, O>, Encoded<R, O>, unknown>(
    name,
    (u): u is Decoded<R, O> => isPlainObject(u),
    (u, c) => {
      if (!isPlainObject(u)) return t.failure(u, c, `expected an object, got ${describeValue(u)}`);
      const errors: t.Errors = [];
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(u)) {
        if (!known.includes(key)) {
          errors.push({
            value: u[key],
            context: t.appendContext(c, key, t.never, u[key]),
            message: `unknown key (expected ${known.map((k) => JSON.stringify(k)).join(', ')})`,
          });
        }
      }
      for (const [key, codec] of Object.entries(required)) {
        if (!Object.hasOwn(u, key)) {
          errors.push({ value: undefined, context: t.appendContext(c, key, codec, undefined), message: `required, but missing (expected ${codec.name})` });
          continue;
        }
        const v = validateAt(codec, u[key], c, key, errors);
        if (v !== undefined || u[key] === undefined) out[key] = v;
      }
      for (const [key, codec] of Object.entries(optional)) {
        if (!Object.hasOwn(u, key) || u[key] === undefined) continue;
        const v = validateAt(codec, u[key], c, key, errors);
        if (v !== undefined) out[key] = v;
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out as Decoded<R, O>);
    },
    (a) => {
      const out: Record<string, unknown> = {};
      for (const [key, codec] of Object.entries(required)) out[key] = codec.encode((a as Record<string, unknown>)[key]);
      for (const [key, codec] of Object.entries(optional)) {
        const v = (a as Record<string, unknown>)[key];
        if (v !== undefined) out[key] = codec.encode(v);
      }
      return out as Encoded<R, O>;
    },
  );
};

/** One of a fixed set of strings. */
export const literals = <L extends string>(name: string, values: readonly L[]): t.Type<L, L, unknown> =>
  new t.Type<L, L, unknown>(
    name,
    (u): u is L => typeof u === 'string' && (values as readonly string[]).includes(u),
    (u, c) => typeof u === 'string' && (values as readonly string[]).includes(u)
      ? t.success(u as L)
      : t.failure(u, c, `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(u)}`),
    t.identity,
  );

/** An integer in [min, max]. */
export const intRange = (name: string, min: number, max: number): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => Number.isInteger(u) && (u as number) >= min && (u as number) <= max,
    (u, c) => Number.isInteger(u) && (u as number) >= min && (u as number) <= max
      ? t.success(u as number)
      : t.failure(u, c, `expected an integer from ${min} to ${max}, got ${describeValue(u)}`),
    t.identity,
  );

export const bool = new t.Type<boolean, boolean, unknown>(
  'boolean',
  (u): u is boolean => typeof u === 'boolean',
  (u, c) => typeof u === 'boolean' ? t.success(u) : t.failure(u, c, `expected true or false, got ${describeValue(u)}`),
  t.identity,
);

export const str = new t.Type<string, string, unknown>(
  'string',
  (u): u is string => typeof u === 'string',
  (u, c) => typeof u === 'string' ? t.success(u) : t.failure(u, c, `expected a string, got ${describeValue(u)}`),
  t.identity,
);

/** `codec` or null. */
export const nullable = <A, O>(codec: t.Type<A, O, unknown>): t.Type<A | null, O | null, unknown> =>
  new t.Type<A | null, O | null, unknown>(
    `${codec.name} | null`,
    (u): u is A | null => u === null || codec.is(u),
    (u, c) => (u === null ? t.success(null) : codec.validate(u, c)),
    (a) => (a === null ? null : codec.encode(a)),
  );

/** A JSON array of `codec`, decoded to a readonly array; errors name the element index. */
export const arrayOf = <A, O>(codec: t.Type<A, O, unknown>): t.Type<readonly A[], O[], unknown> =>
  new t.Type<readonly A[], O[], unknown>(
    `${codec.name}[]`,
    (u): u is readonly A[] => Array.isArray(u) && u.every(codec.is),
    (u, c) => {
      if (!Array.isArray(u)) return t.failure(u, c, `expected an array, got ${describeValue(u)}`);
      const errors: t.Errors = [];
      const out = u.map((v, i) => validateAt(codec, v, c, String(i), errors));
      return errors.length > 0 ? t.failures(errors) : t.success(out as A[]);
    },
    (a) => a.map((v) => codec.encode(v)),
  );

/**
 * A JSON object read as a map: each key parsed by `parseKey` (a message when it is not a key),
 * each value by `value`; errors name the key. The encoder writes the keys with `formatKey`.
 */
export const keyedMap = <K, V, O>(
  name: string,
  parseKey: (key: string) => K | { readonly error: string },
  formatKey: (k: K) => string,
  value: t.Type<V, O, unknown>,
): t.Type<ReadonlyMap<K, V>, Record<string, O>, unknown> =>
  new t.Type<ReadonlyMap<K, V>, Record<string, O>, unknown>(
    name,
    (u): u is ReadonlyMap<K, V> => u instanceof Map,
    (u, c) => {
      if (!isPlainObject(u)) return t.failure(u, c, `expected an object, got ${describeValue(u)}`);
      const errors: t.Errors = [];
      const out = new Map<K, V>();
      for (const [key, raw] of Object.entries(u)) {
        const k = parseKey(key);
        if (typeof k === 'object' && k !== null && 'error' in k) {
          errors.push({ value: key, context: t.appendContext(c, key, value, raw), message: k.error });
          continue;
        }
        const v = validateAt(value, raw, c, key, errors);
        if (v !== undefined) out.set(k as K, v);
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out);
    },
    (m) => Object.fromEntries([...m].map(([k, v]) => [formatKey(k), value.encode(v)])),
  );
