/**
 * Unsigned integers at the process boundary. JSON numbers lose precision above 2^53, so a value is
 * written either as a hex string ("0x1f", underscores allowed between digits: "0x1_0000_0000") or
 * as a plain non-negative integer below 2^53 (Number.isSafeInteger). A value wider than the codec's
 * width is rejected ("expected 32-bit value, got 0x100000000"). Encoders always write lower-case
 * hex strings, so every value round-trips.
 */
import * as t from 'io-ts';
import { describeValue } from './strict.js';

const HEX = /^0x[0-9a-f]+(?:_[0-9a-f]+)*$/i;

/** Parse without a width check; a message on failure. */
export const parseUnsigned = (u: unknown): bigint | string => {
  if (typeof u === 'string') {
    if (!HEX.test(u)) return `expected a hex string like "0x1f", got ${describeValue(u)}`;
    return BigInt(u.replaceAll('_', ''));
  }
  if (typeof u === 'number') {
    if (!Number.isSafeInteger(u) || u < 0) {
      return `expected a non-negative integer below 2^53 (write larger values as hex strings), got ${describeValue(u)}`;
    }
    return BigInt(u);
  }
  return `expected a hex string ("0x...") or a non-negative integer, got ${describeValue(u)}`;
};

export const toHex = (v: bigint | number): string => `0x${v.toString(16)}`;

export const widthMessage = (bits: number, v: bigint): string => `expected ${bits}-bit value, got ${toHex(v)}`;

/** A value of at most `bits` bits, decoded to bigint. */
export const hexBits = (bits: number): t.Type<bigint, string, unknown> =>
  new t.Type<bigint, string, unknown>(
    `hex${bits}`,
    (u): u is bigint => typeof u === 'bigint' && u >= 0n && u >> BigInt(bits) === 0n,
    (u, c) => {
      const v = parseUnsigned(u);
      if (typeof v === 'string') return t.failure(u, c, v);
      if (v >> BigInt(bits) !== 0n) return t.failure(u, c, widthMessage(bits, v));
      return t.success(v);
    },
    (a) => toHex(a),
  );

export const hex64 = hexBits(64);
export const hex32 = hexBits(32);
export const hex16 = hexBits(16);

/** A 32-bit value decoded to a JS number (masks and MSR indices that the spec keeps as numbers). */
export const hex32Number: t.Type<number, string, unknown> = new t.Type<number, string, unknown>(
  'hex32',
  (u): u is number => Number.isInteger(u) && (u as number) >= 0 && (u as number) <= 0xffff_ffff,
  (u, c) => {
    const r = hex32.validate(u, c);
    return r._tag === 'Left' ? r : t.success(Number(r.right));
  },
  (a) => toHex(a),
);

/** A 16-bit value decoded to a JS number (selectors). */
export const hex16Number: t.Type<number, string, unknown> = new t.Type<number, string, unknown>(
  'hex16',
  (u): u is number => Number.isInteger(u) && (u as number) >= 0 && (u as number) <= 0xffff,
  (u, c) => {
    const r = hex16.validate(u, c);
    return r._tag === 'Left' ? r : t.success(Number(r.right));
  },
  (a) => toHex(a),
);
