/**
 * Checks on guest page-directory-pointer-table entries (SDM §26.3.1.6): only when the guest will use
 * PAE paging (CR0.PG = 1, CR4.PAE = 1, "IA-32e mode guest" = 0). Failure: exit reason 33,
 * qualification 2.
 *
 * Concrete choice: the PDPTEs are checked on every such VM entry (the SDM allows it always).
 * With EPT the four PDPTE fields are checked; without EPT the four entries read from the 32-byte
 * aligned table at guest CR3[31:5] (physical memory of this CPU).
 */
import type { Capabilities } from '../capabilities.js';
import { bitOf, type Check } from './context.js';

/**
 * A present PAE PDPTE has no reserved bit set: bits 2:1, 8:5 and bits at or above MAXPHYADDR (also the
 * host PDPTE check of a VM exit, ../vm-exit/host-state.ts).
 */
export const pdpteValid = (caps: Capabilities, entry: bigint): boolean => {
  if ((entry & 1n) === 0n) return true;
  if ((entry & 0x1e6n) !== 0n) return false;
  return (entry >> caps.maxPhysAddr) === 0n;
};

export const checkGuestPdptes: Check = (c) => {
  const cr0 = c.f('GUEST_CR0');
  const cr4 = c.f('GUEST_CR4');
  if (!bitOf(cr0, 31) || !bitOf(cr4, 5) || c.ia32e) return null;
  if (c.on('proc2.ENABLE_EPT')) {
    const fields = ['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'] as const;
    return fields.every((f) => pdpteValid(c.caps, c.f(f))) ? null : 'GUEST.PDPTE.EPT';
  }
  const table = c.f('GUEST_CR3') & 0xffff_ffe0n;
  for (let i = 0n; i < 4n; i++) {
    if (!pdpteValid(c.caps, c.m.read64(table + 8n * i))) return 'GUEST.PDPTE.NOEPT';
  }
  return null;
};
