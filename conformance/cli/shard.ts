/** `--shard K/N`: the K-th of N deterministic parts (1 ≤ K ≤ N). */
import { fail } from './errors.js';

export interface Shard { readonly index: number; readonly count: number }

export const parseShard = (s: string | undefined): Shard | undefined => {
  if (s === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) return fail(`--shard ${s}: expected K/N with 1 ≤ K ≤ N, e.g. 2/4`);
  return { index, count };
};
