/**
 * Loads and stores of 8-byte words (VTI.NATIVE.MEMORY): plain memory is a sparse map keyed by the
 * aligned virtual address (no translation, spec/vti/machine/README.md); an address inside a created
 * VP's 64 KiB VPD reaches that VPD's words, which is how a VMM reads and writes the VPD.
 */
import { VPD_SIZE } from '../../../spec/vti/vpd.js';
import type { Machine } from './machine.js';
import { setWord, word } from './vpd-words.js';

const SIZE = BigInt(VPD_SIZE);

const vpdAt = (m: Machine, addr: bigint): { words: Map<number, bigint>; offset: number } | null => {
  if (m.env === null) return null;
  for (const [base, vp] of m.env.vps) if (addr >= base && addr < base + SIZE) return { words: vp.words, offset: Number(addr - base) };
  return null;
};

export const load8 = (m: Machine, addr: bigint): bigint => {
  const v = vpdAt(m, addr);
  return v === null ? m.memory.get(addr) ?? 0n : word(v.words, v.offset);
};

export const store8 = (m: Machine, addr: bigint, value: bigint): void => {
  const v = vpdAt(m, addr);
  if (v === null) m.memory.set(addr, value);
  else setWord(v.words, v.offset, value);
};
