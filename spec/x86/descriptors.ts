/**
 * Encoders of the IA-32e system structures guests are set up with (SDM Vol. 3A): flat segment
 * descriptors (§3.4.5), 64-bit interrupt gates (§6.14.1) and 64-bit TSS descriptors (§7.2.3). The
 * non-root baseline and the reference VMM's guest layout both build their GDT and IDT with them.
 */

/** Segment descriptor: base 0, limit FFFFFH with G, the given type/DPL, S = 1, P = 1, and L, D/B. */
export const flatDescriptor = (type: number, dpl: number, l: boolean, db: boolean): bigint => {
  const access = BigInt(type | 0x10 | (dpl << 5) | 0x80);
  const flags = BigInt(0x8 | (l ? 0x2 : 0) | (db ? 0x4 : 0)); // G, L, D/B
  return 0xffffn | (access << 40n) | (0xfn << 48n) | (flags << 52n);
};

/** 64-bit interrupt gate (type 14, present, IST 0) to `selector`:`target`, as its two 8-byte words. */
export const interruptGate64 = (target: bigint, selector: number, dpl: number): [bigint, bigint] => {
  const lo = (target & 0xffffn) | (BigInt(selector) << 16n) | (BigInt(0x8e | (dpl << 5)) << 40n) | (((target >> 16n) & 0xffffn) << 48n);
  return [lo, (target >> 32n) & 0xffff_ffffn];
};

/** 64-bit TSS descriptor (16 bytes, present): `type` 9 available or 11 busy. */
export const tssDescriptor64 = (base: bigint, limit: bigint, type: 9 | 11): [bigint, bigint] =>
  [(limit & 0xffffn) | ((base & 0xff_ffffn) << 16n) | (BigInt(0x80 | type) << 40n) | (((base >> 24n) & 0xffn) << 56n), base >> 32n];
