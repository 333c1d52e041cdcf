import { describe, expect, test } from 'vitest';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { hex16, hex32, hex32Number, hex64 } from './hex.js';
import { formatErrors } from './report.js';

const ok = <A>(codec: t.Decoder<unknown, A>, u: unknown): A => {
  const r = codec.decode(u);
  if (isLeft(r)) throw new Error(formatErrors(r.left, 'x').join('\n'));
  return r.right;
};
const err = (codec: t.Decoder<unknown, unknown>, u: unknown): string[] => {
  const r = codec.decode(u);
  return isLeft(r) ? formatErrors(r.left, 'in') : ['<decoded>'];
};

describe('hex codecs', () => {
  test('accept hex strings (any case, underscores between digits) and safe non-negative integers', () => {
    expect(ok(hex64, '0x1f')).toBe(0x1fn);
    expect(ok(hex64, '0X1F')).toBe(0x1fn);
    expect(ok(hex64, '0xffff_ffff_ffff_ffff')).toBe(0xffff_ffff_ffff_ffffn);
    expect(ok(hex64, 31)).toBe(31n);
    expect(ok(hex64, 2 ** 53 - 1)).toBe(2n ** 53n - 1n);
    expect(ok(hex32, '0xffffffff')).toBe(0xffff_ffffn);
    expect(ok(hex16, 0xffff)).toBe(0xffffn);
    expect(ok(hex32Number, '0xffff8000')).toBe(0xffff8000);
  });

  test('reject values wider than the codec, with the width in the message', () => {
    expect(err(hex32, '0x1_0000_0000')).toEqual(['in: expected 32-bit value, got 0x100000000']);
    expect(err(hex16, 0x10000)).toEqual(['in: expected 16-bit value, got 0x10000']);
    expect(err(hex64, '0x1_0000_0000_0000_0000')).toEqual(['in: expected 64-bit value, got 0x10000000000000000']);
  });

  test('reject numbers that JSON cannot carry exactly, negatives and fractions', () => {
    expect(err(hex64, 2 ** 53)).toEqual(['in: expected a non-negative integer below 2^53 (write larger values as hex strings), got 9007199254740992']);
    expect(err(hex64, -1)).toEqual(['in: expected a non-negative integer below 2^53 (write larger values as hex strings), got -1']);
    expect(err(hex64, 1.5)).toEqual(['in: expected a non-negative integer below 2^53 (write larger values as hex strings), got 1.5']);
  });

  test('reject malformed strings and wrong types', () => {
    expect(err(hex64, '12')).toEqual(['in: expected a hex string like "0x1f", got "12"']);
    expect(err(hex64, '0x')).toEqual(['in: expected a hex string like "0x1f", got "0x"']);
    expect(err(hex64, '0x1__0')).toEqual(['in: expected a hex string like "0x1f", got "0x1__0"']);
    expect(err(hex64, true)).toEqual(['in: expected a hex string ("0x...") or a non-negative integer, got true']);
    expect(err(hex64, null)).toEqual(['in: expected a hex string ("0x...") or a non-negative integer, got null']);
  });

  test('encode to lower-case hex strings that decode to the same value', () => {
    for (const v of [0n, 1n, 0xdead_beefn, 0xffff_ffff_ffff_ffffn]) {
      expect(hex64.encode(v)).toBe(`0x${v.toString(16)}`);
      const back = hex64.decode(hex64.encode(v));
      expect(isRight(back) && back.right).toBe(v);
    }
    expect(hex32Number.encode(0x79)).toBe('0x79');
  });
});
