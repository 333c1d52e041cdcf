/**
 * The PDPTE-register load of MOV to CR under PAE paging (SDM Vol. 3A §4.4.1; PAGING.PAE.LOAD): four
 * 8-byte entries from the table at CR3[31:5], a guest-physical address under EPT read through EPT as
 * plain reads with no guest-linear address (§27.2.1, §28.2.3.2). Any present entry with a reserved bit
 * set: #GP(0) and the registers keep their values.
 */
import { pdpteValid } from '../vm-entry/guest-pdpte.js';
import { eptTranslate } from './ept.js';
import type { Guest } from './guest.js';
import { gp0 } from './instructions/common.js';

const on = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

/** PAE paging: CR0.PG = 1, CR4.PAE = 1, IA32_EFER.LMA = 0. */
export const usesPae = (cr0: bigint, cr4: bigint, efer: bigint): boolean => on(cr0, 31) && on(cr4, 5) && !on(efer, 10);

/** The four PDPTEs of the table at `cr3`, checked; throws #GP(0) (or an EPT exit) instead. */
export const readPdptes = (g: Guest, cr3: bigint): bigint[] => {
  const entries: bigint[] = [];
  for (let i = 0n; i < 4n; i++) {
    const gpa = (cr3 & 0xffff_ffe0n) + 8n * i;
    entries.push(g.m.read64(g.on('proc2.ENABLE_EPT') ? eptTranslate(g, gpa, { write: false, linear: null, final: true }) : gpa));
  }
  if (!entries.every((e) => pdpteValid(g.caps, e))) throw gp0();
  return entries;
};
