/**
 * Rendering io-ts decode errors for users: one line per problem, naming the input, the path inside
 * it (keys joined with dots) and what was expected, e.g.
 * `state.json: vmcs.0x2000.fields.GUEST_TR_AR_BYTES: expected 32-bit value, got 0x100000000`.
 */
import type * as t from 'io-ts';
import { describeValue } from './strict.js';

const COMBINATORS = new Set(['UnionType', 'IntersectionType']);

/**
 * The path of an error: the keys of its context, without the root entry (key '') and without the
 * member indices io-ts adds below a union or an intersection (they are not part of the input).
 */
export const errorPath = (e: t.ValidationError): string =>
  e.context
    .filter((c, i) => c.key !== '' && !COMBINATORS.has(String((e.context[i - 1]?.type as { _tag?: unknown } | undefined)?._tag)))
    .map((c) => c.key)
    .join('.');

const errorMessage = (e: t.ValidationError): string => {
  if (e.message !== undefined) return e.message;
  const last = e.context[e.context.length - 1];
  return `expected ${last?.type.name ?? 'a valid value'}, got ${describeValue(e.value)}`;
};

/** One line per problem, in input order; identical lines (e.g. from union members) appear once. */
export const formatErrors = (errors: t.Errors, inputName: string): string[] => {
  const lines: string[] = [];
  for (const e of errors) {
    const path = errorPath(e);
    const line = path === '' ? `${inputName}: ${errorMessage(e)}` : `${inputName}: ${path}: ${errorMessage(e)}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
};
