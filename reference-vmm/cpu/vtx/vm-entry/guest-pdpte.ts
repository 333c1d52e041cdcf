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

/**
 * The four PDPTEs of a guest that will use PAE paging, from where VM entry takes them: the PDPTE fields
 * with EPT, else the table at guest CR3[31:5]; null for any other guest. These are what is checked
 * here and what the entry then loads into the PDPTE registers (§26.3.2.4, ENTRY.LOAD.PDPTE).
 */
export const guestPdptes = (c: Parameters<Check>[0]): bigint[] | null => {
  if (!bitOf(c.f('GUEST_CR0'), 31) || !bitOf(c.f('GUEST_CR4'), 5) || c.ia32e) return null;
  if (c.on('proc2.ENABLE_EPT')) return (['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'] as const).map((f) => c.f(f));
  const table = c.f('GUEST_CR3') & 0xffff_ffe0n;
  return [0n, 1n, 2n, 3n].map((i) => c.m.read64(table + 8n * i));
};

export const checkGuestPdptes: Check = (c) => {
  const entries = guestPdptes(c);
  if (entries === null || entries.every((e) => pdpteValid(c.caps, e))) return null;
  return c.on('proc2.ENABLE_EPT') ? 'GUEST.PDPTE.EPT' : 'GUEST.PDPTE.NOEPT';
};
