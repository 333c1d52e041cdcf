/**
 * Witnesses for SDM §26.3.1.3 (spec/vtx/vm-entry/guest-descriptor-tables.ts): one field each.
 */
import type { GUEST_DESCRIPTOR_TABLES_CHECKS } from '../../../spec/vtx/vm-entry/guest-descriptor-tables.js';
import type { EntryWitness } from './witness.js';

/** Bit 47 set, bits 63:48 clear: not canonical with 48 linear-address bits. */
const NON_CANONICAL = 0x0000_8000_0000_0000n;

export const GUEST_DESCRIPTOR_TABLES_WITNESSES = {
  'GUEST.GDTR.BASE.CANON': { fields: { GUEST_GDTR_BASE: NON_CANONICAL } },
  'GUEST.IDTR.BASE.CANON': { fields: { GUEST_IDTR_BASE: NON_CANONICAL } },
  'GUEST.GDTR.LIMIT': { fields: { GUEST_GDTR_LIMIT: 0x1_0000n } },
  'GUEST.IDTR.LIMIT': { fields: { GUEST_IDTR_LIMIT: 0x1_0fffn } },
} satisfies Record<keyof typeof GUEST_DESCRIPTOR_TABLES_CHECKS, EntryWitness>;
