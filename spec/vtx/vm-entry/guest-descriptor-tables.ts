/**
 * §26.3.1.3 "Checks on Guest Descriptor-Table Registers": GDTR and IDTR base and limit fields.
 * Exit reason 33, qualification 0.
 */
import { X33, type EntryCheckSpec } from './rule.js';

const G = { section: '26.3.1.3', phase: 'guest', failure: X33(0), since: '2016', confidence: '2+' } as const;

export const GUEST_DESCRIPTOR_TABLES_CHECKS = {
  'GUEST.GDTR.BASE.CANON': { ...G, statement: 'GDTR base is canonical', precondition: 'Intel 64 processor', reads: ['GUEST_GDTR_BASE'] },
  'GUEST.IDTR.BASE.CANON': { ...G, statement: 'IDTR base is canonical', precondition: 'Intel 64 processor', reads: ['GUEST_IDTR_BASE'] },
  'GUEST.GDTR.LIMIT': { ...G, statement: 'GDTR limit bits 31:16 are 0 (the limit is 16 bits)', precondition: 'always', reads: ['GUEST_GDTR_LIMIT'] },
  'GUEST.IDTR.LIMIT': { ...G, statement: 'IDTR limit bits 31:16 are 0 (the limit is 16 bits)', precondition: 'always', reads: ['GUEST_IDTR_LIMIT'] },
} as const satisfies Record<string, EntryCheckSpec>;
