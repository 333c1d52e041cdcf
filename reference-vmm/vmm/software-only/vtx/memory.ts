/**
 * Byte-level access to a sparse memory of 64-bit words (spec/vtx/state.ts: 8-byte-aligned words,
 * absent = 0), and linear-to-physical translation through a guest's own page tables (32-bit paging
 * with 4-MiB pages, or 4-level paging): how the VMM reads the guest's descriptor tables and page
 * tables, the way a VMM walks them in software.
 */
export type Words = Map<bigint, bigint>;

export const readBytes = (m: ReadonlyMap<bigint, bigint>, address: bigint, bytes: number): bigint => {
  let v = 0n;
  for (let i = bytes - 1; i >= 0; i--) {
    const a = address + BigInt(i);
    v = (v << 8n) | (((m.get(a & ~7n) ?? 0n) >> (8n * (a & 7n))) & 0xffn);
  }
  return v;
};

export const writeBytes = (m: Words, address: bigint, bytes: number, value: bigint): void => {
  for (let i = 0; i < bytes; i++) {
    const a = address + BigInt(i);
    const shift = 8n * (a & 7n);
    const w = m.get(a & ~7n) ?? 0n;
    m.set(a & ~7n, (w & ~(0xffn << shift)) | (((value >> BigInt(8 * i)) & 0xffn) << shift));
  }
};

const P = 1n, PS = 0x80n;
const ADDR52 = ((1n << 52n) - 1n) & ~0xfffn;

/** The physical address of `linear` under the guest's paging (CR0.PG = 1), or null when not mapped. */
export const translate = (m: ReadonlyMap<bigint, bigint>, cr3: bigint, ia32e: boolean, linear: bigint): bigint | null => {
  if (!ia32e) {
    const pde = readBytes(m, (cr3 & 0xffff_f000n) + ((linear >> 22n) & 0x3ffn) * 4n, 4);
    if ((pde & P) === 0n) return null;
    if ((pde & PS) !== 0n) return (pde & 0xffc0_0000n) | (linear & 0x3f_ffffn);
    const pte = readBytes(m, (pde & 0xffff_f000n) + ((linear >> 12n) & 0x3ffn) * 4n, 4);
    return (pte & P) === 0n ? null : (pte & 0xffff_f000n) | (linear & 0xfffn);
  }
  let table = cr3 & ADDR52;
  for (const shift of [39n, 30n, 21n, 12n]) {
    const e = readBytes(m, table + ((linear >> shift) & 0x1ffn) * 8n, 8);
    if ((e & P) === 0n) return null;
    if (shift === 12n || ((e & PS) !== 0n && shift !== 39n)) {
      const size = (1n << shift) - 1n;
      return (e & ADDR52 & ~size) | (linear & size);
    }
    table = e & ADDR52;
  }
  return null;
};
