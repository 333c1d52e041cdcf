/**
 * The guest's PDPTE registers under PAE paging (Vol. 3A §4.4.1): the processor loads them from the
 * 32-byte table at CR3[31:5] at MOV to CR3, and at MOV to CR0/CR4 when PAE paging follows and a bit
 * that matters for it changes; a present entry with a reserved bit set (bits 2:1, 8:5, or at or above
 * MAXPHYADDR) makes the instruction #GP(0) and leaves the registers as they were. A later write to the
 * table in memory changes nothing until the next load. When the VMM emulates such an instruction
 * (cr.ts) it performs the load for the guest: under shadow paging into `vm.guestPdptes`, which the
 * VMM's walk of the guest's tables starts from (guest-paging.ts); with EPT into the guest PDPTE
 * fields, which VM entry loads into the processor (§26.3.2.4).
 */
import type { Vm } from './vm.js';

const PG = 1n << 31n, PAE = 1n << 5n, LMA = 1n << 10n;
const CR0_RELOAD = (1n << 29n) | (1n << 30n) | PG; // NW, CD, PG
const CR4_RELOAD = (1n << 4n) | PAE | (1n << 7n) | (1n << 20n); // PSE, PAE, PGE, SMEP
const FIELDS = ['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'] as const;

export const usesPae = (cr0: bigint, cr4: bigint, efer: bigint): boolean =>
  (cr0 & PG) !== 0n && (cr4 & PAE) !== 0n && (efer & LMA) === 0n;

/** Whether a CR0 or CR4 write from `old` to `v` loads the PDPTE registers (given PAE paging after it). */
export const cr0ReloadsPdptes = (old: bigint, v: bigint): boolean => ((old ^ v) & CR0_RELOAD) !== 0n;
export const cr4ReloadsPdptes = (old: bigint, v: bigint): boolean => ((old ^ v) & CR4_RELOAD) !== 0n;

/** The four PDPTEs of the guest's table at `cr3`, or null when one that is present sets a reserved bit. */
export const readGuestPdptes = (vm: Vm, cr3: bigint): bigint[] | null => {
  const entries = [0n, 1n, 2n, 3n].map((i) => vm.host.read64(vm.hpa((cr3 & 0xffff_ffe0n) + 8n * i)));
  const bad = (e: bigint): boolean => (e & 1n) === 1n && ((e & 0x1e6n) !== 0n || (e >> vm.guestCaps.maxPhysAddr) !== 0n);
  return entries.some(bad) ? null : entries;
};

/** Puts loaded PDPTEs where the guest's processor will translate through them. */
export const setGuestPdptes = (vm: Vm, entries: readonly bigint[]): void => {
  if (vm.config.memory === 'shadow') vm.guestPdptes = [...entries];
  else FIELDS.forEach((f, i) => vm.w(f, entries[i] ?? 0n));
};
