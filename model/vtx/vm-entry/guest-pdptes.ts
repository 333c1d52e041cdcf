/**
 * §26.3.1.6 "Checks on Guest Page-Directory-Pointer-Table Entries" (rules GUEST.PDPTE.*). Without EPT
 * the PDPTEs come from memory at guest CR3[31:5] (CR3 is a physical address then); with EPT from the
 * GUEST_PDPTR0–3 fields. The same sources give the PDPTE registers an entry that passes loads
 * (`loadedPdptes`, §26.3.2.4).
 */
import type { GUEST_PDPTES_CHECKS } from '../../../spec/vtx/vm-entry/guest-pdptes.js';
import { readMemory64 } from '../../../spec/vtx/state.js';
import type { CheckImpl } from './check.js';
import { F, hi, lo, type EntryEnv } from './env.js';
import { bigOf, bit, hiOf, loOf, withinPaw } from '../u64.js';

/** Bits 2:1 and 8:5 of a PDPTE are reserved (Vol. 3A §4.4.1, Table 4-8); so are 63:MAXPHYADDR. */
const PDPTE_RSVD_LO = 0x1e6;

/** A PDPTE passes the MOV-to-CR3 checks: not present, or present with no reserved bit set. */
export const pdpteValid = (lo32: number, hi32: number, maxPhysAddr: number): boolean =>
  (lo32 & 1) === 0 || ((lo32 & PDPTE_RSVD_LO) === 0 && withinPaw(hi32, maxPhysAddr));

const paePaging = (e: EntryEnv): boolean => bit(lo(e, F.GUEST_CR0), 31) && bit(lo(e, F.GUEST_CR4), 5) && !e.ia32e;
const ept = (e: EntryEnv): boolean => bit(e.proc2, 1);
const PDPTR_FIELDS = [F.GUEST_PDPTR0, F.GUEST_PDPTR1, F.GUEST_PDPTR2, F.GUEST_PDPTR3] as const;

export const GUEST_PDPTES_IMPL = {
  'GUEST.PDPTE.NOEPT': {
    applies: (e) => paePaging(e) && !ept(e),
    holds: (e) => {
      const table = BigInt((lo(e, F.GUEST_CR3) & 0xffff_ffe0) >>> 0);
      for (let i = 0n; i < 4n; i++) {
        const pdpte = readMemory64(e.state.memory, table + 8n * i);
        if (!pdpteValid(loOf(pdpte), hiOf(pdpte), e.caps.maxPhysAddr)) return false;
      }
      return true;
    },
  },
  'GUEST.PDPTE.EPT': {
    applies: (e) => paePaging(e) && ept(e),
    holds: (e) => PDPTR_FIELDS.every((f) => pdpteValid(lo(e, f), hi(e, f), e.caps.maxPhysAddr)),
  },
} satisfies Record<keyof typeof GUEST_PDPTES_CHECKS, CheckImpl>;

/**
 * ENTRY.LOAD.PDPTE (§26.3.2.4): an entry to a guest using PAE paging loads the four PDPTE registers
 * from where the checks above read them; any other entry leaves them alone (null).
 */
export const loadedPdptes = (e: EntryEnv): readonly bigint[] | null => {
  if (!paePaging(e)) return null;
  if (ept(e)) return PDPTR_FIELDS.map((f) => bigOf(lo(e, f), hi(e, f)));
  const table = BigInt((lo(e, F.GUEST_CR3) & 0xffff_ffe0) >>> 0);
  return [0n, 1n, 2n, 3n].map((i) => readMemory64(e.state.memory, table + 8n * i));
};
