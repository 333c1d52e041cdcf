/**
 * Witnesses for SDM §26.3.1.6 (spec/vtx/vm-entry/guest-pdptes.ts): PAE guests derived from the
 * 'protected' baseline (no EPT: PDPTEs in memory) and from 'unrestricted-real' (EPT: PDPTE fields).
 */
import type { GUEST_PDPTES_CHECKS } from '../../../spec/vtx/vm-entry/guest-pdptes.js';
import { patch, seq, setBits, withMemory } from './edit.js';
import type { EntryWitness } from './witness.js';

/** A page-directory-pointer table at a 32-byte-aligned address away from the baseline's regions. */
const PDPT = 0x9020n;
/** A present PDPTE with no reserved bit: page directory at 20_0000H. */
const PDPTE_OK = 0x20_0001n;

export const GUEST_PDPTES_WITNESSES = {
  // Entries 0 and 1 valid, entry 2 present with bit 63 (beyond MAXPHYADDR) set, entry 3 not present
  // with every other bit set (ignored).
  'GUEST.PDPTE.NOEPT': {
    baseline: 'protected',
    fields: { GUEST_CR3: PDPT | 0x8n },
    edit: seq(
      patch({ GUEST_CR4: setBits(5) }),
      withMemory([[PDPT, PDPTE_OK], [PDPT + 8n, PDPTE_OK | 0x1000n], [PDPT + 16n, PDPTE_OK | (1n << 63n)], [PDPT + 24n, 0xffff_ffff_ffff_fffen]]),
    ),
  },
  // A protected-mode PAE guest under unrestricted guest and EPT, PDPTE1 with reserved bit 7.
  'GUEST.PDPTE.EPT': {
    baseline: 'unrestricted-real',
    fields: { GUEST_PDPTR0: PDPTE_OK, GUEST_PDPTR1: PDPTE_OK | 0x80n, GUEST_PDPTR3: 0xffff_ffff_ffff_fffen },
    edit: patch({ GUEST_CR0: setBits(0, 31), GUEST_CR4: setBits(5) }),
  },
} satisfies Record<keyof typeof GUEST_PDPTES_CHECKS, EntryWitness>;
