/** Checks on guest GDTR and IDTR (SDM §26.3.1.3). Failure: exit reason 33, qualification 0. */
import type { Check } from './context.js';

export const checkGuestDescriptorTables: Check = (c) => {
  if (c.caps.intel64) {
    if (!c.caps.canonical(c.f('GUEST_GDTR_BASE'))) return 'GUEST.GDTR.BASE.CANON';
    if (!c.caps.canonical(c.f('GUEST_IDTR_BASE'))) return 'GUEST.IDTR.BASE.CANON';
  }
  if ((c.f('GUEST_GDTR_LIMIT') >> 16n) !== 0n) return 'GUEST.GDTR.LIMIT';
  if ((c.f('GUEST_IDTR_LIMIT') >> 16n) !== 0n) return 'GUEST.IDTR.LIMIT';
  return null;
};
