/**
 * §26.3.1.3 "Checks on Guest Descriptor-Table Registers" (rules GUEST.GDTR.*, GUEST.IDTR.*).
 */
import type { GUEST_DESCRIPTOR_TABLES_CHECKS } from '../../../spec/vtx/vm-entry/guest-descriptor-tables.js';
import type { CheckImpl } from './check.js';
import { canonical, F, lo, type EntryEnv } from './env.js';

const canonicalBase = (field: number): CheckImpl => ({
  applies: (e: EntryEnv) => e.caps.intel64,
  holds: (e: EntryEnv) => canonical(e, field),
});

export const GUEST_DESCRIPTOR_TABLES_IMPL = {
  'GUEST.GDTR.BASE.CANON': canonicalBase(F.GUEST_GDTR_BASE),
  'GUEST.IDTR.BASE.CANON': canonicalBase(F.GUEST_IDTR_BASE),
  'GUEST.GDTR.LIMIT': { holds: (e) => lo(e, F.GUEST_GDTR_LIMIT) >>> 16 === 0 },
  'GUEST.IDTR.LIMIT': { holds: (e) => lo(e, F.GUEST_IDTR_LIMIT) >>> 16 === 0 },
} satisfies Record<keyof typeof GUEST_DESCRIPTOR_TABLES_CHECKS, CheckImpl>;
