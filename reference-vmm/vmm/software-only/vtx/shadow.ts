/**
 * Shadow page tables: the tables the machine translates with while the guest runs, built by the VMM
 * from the guest's own (32-bit paging with 4-MiB pages, or 4-level paging; guest-physical addresses
 * are host-physical). Two things differ from the guest's tables, and each is one of the paper's
 * challenges:
 *
 * - the top 4 MiB of the linear-address space are the VMM's, mapped supervisor-only to its own
 *   memory whatever the guest maps there (ITJ, "Address-Space Compression");
 * - in the 0/3/3 model the guest OS runs at level 3, so every guest page must be user-accessible to
 *   the machine, and the guest's supervisor-only pages no longer protect its kernel from its
 *   applications (ITJ, "Ring Compression"). In 0/1/3 the guest's U/S bits stand: level 1 is
 *   supervisor, level 3 user.
 *
 * The tables are rebuilt whenever the VMM resumes the guest; accessed and dirty flags land in them,
 * not in the guest's (the challenge guests' entries have both set already).
 */
import type { DeprivilegingModel } from '../deprivileging.js';
import { SHADOW_POOL, VMM_PHYSICAL } from './layout.js';
import { readBytes, writeBytes, type Words } from './memory.js';

const P = 1n, RW = 2n, US = 4n, A = 0x20n, D = 0x40n, PS = 0x80n;
const ADDR52 = ((1n << 52n) - 1n) & ~0xfffn;
const VMM_PAGE = P | RW | A | D | PS;

class Pool {
  private next = SHADOW_POOL;
  page(): bigint {
    const p = this.next;
    this.next += 0x1000n;
    return p;
  }
}

/** The root of the shadow tables for a guest with CR3 `cr3`; the tables are written into `out`. */
export const buildShadow = (out: Words, guest: ReadonlyMap<bigint, bigint>, cr3: bigint, ia32e: boolean, model: DeprivilegingModel): bigint => {
  const pool = new Pool();
  const us = (e: bigint): bigint => (model === '0/3/3' ? e | US : e);
  if (!ia32e) {
    const pd = pool.page();
    for (let i = 0n; i < 1024n; i++) {
      const pde = readBytes(guest, (cr3 & 0xffff_f000n) + i * 4n, 4);
      if ((pde & P) === 0n) continue;
      if ((pde & PS) !== 0n) {
        writeBytes(out, pd + i * 4n, 4, us(pde));
        continue;
      }
      const pt = pool.page();
      for (let j = 0n; j < 1024n; j++) {
        const pte = readBytes(guest, (pde & 0xffff_f000n) + j * 4n, 4);
        if ((pte & P) !== 0n) writeBytes(out, pt + j * 4n, 4, us(pte));
      }
      writeBytes(out, pd + i * 4n, 4, us((pde & 0xfffn) | pt));
    }
    // 0xFFC00000: the last 4-MiB page directory entry is the VMM's.
    writeBytes(out, pd + 1023n * 4n, 4, VMM_PHYSICAL | VMM_PAGE);
    return pd;
  }
  const copy = (table: bigint, level: number): bigint => {
    const s = pool.page();
    for (let i = 0n; i < 512n; i++) {
      const e = readBytes(guest, table + i * 8n, 8);
      if ((e & P) === 0n) continue;
      const leaf = level === 1 || (level < 4 && (e & PS) !== 0n);
      writeBytes(out, s + i * 8n, 8, us(leaf ? e : (e & ~ADDR52) | copy(e & ADDR52, level - 1)));
    }
    return s;
  };
  const pml4 = copy(cr3 & ADDR52, 4);
  // 0xFFFFFFFF_FFC00000: PML4[511] → PDPT[511] → PD[510], PD[511] (2-MiB pages), the VMM's.
  const table = (at: bigint): bigint => {
    const e = readBytes(out, at, 8);
    if ((e & P) !== 0n && (e & PS) === 0n) return e & ADDR52;
    const t = pool.page();
    writeBytes(out, at, 8, t | P | RW | US | A);
    return t;
  };
  const pd = table(table(pml4 + 511n * 8n) + 511n * 8n);
  writeBytes(out, pd + 510n * 8n, 8, VMM_PHYSICAL | VMM_PAGE);
  writeBytes(out, pd + 511n * 8n, 8, (VMM_PHYSICAL + 0x20_0000n) | VMM_PAGE);
  return pml4;
};
