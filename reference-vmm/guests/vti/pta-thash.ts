/**
 * A guest kernel that manages its VHPT: it programs a region register and its PTA, then repeatedly
 * reads cr.pta back (ITJ's MOV-from-PTA example), hashes addresses with thash, and takes a break
 * right after the PTA read. Its Break handler logs cr.iipa — which must name the bundle of the
 * emulated MOV-from-PTA, the side effect the VMM has to implement — skips the break and returns.
 * The thash results must be addresses in the guest's own VHPT however the VMM relocated the real one
 * (ITJ, "Address-Space Compression" / thash).
 */
import type { GuestProgram } from '../../vmm/vti/program.js';
import { assemble, link, type AsmItem } from './assemble.js';
import { countedLoop, CR, GUEST, IVT, kernelState, setUp } from './kernel.js';

export const PTA_DATA = { iipaLog: GUEST.data, hashLog: GUEST.data + 0x1000n } as const;

/** Guest VHPT: 32 KiB (PTA.size = 15) at 1 MiB, walker enabled; short format. */
export const GUEST_PTA = 0x0000_0000_0010_0000n | (15n << 2n) | 1n;
/** rr0: rid 0x123, 16 KiB pages, walker enabled. */
export const GUEST_RR0 = (0x123n << 8n) | (14n << 2n) | 1n;

const breakHandler: AsmItem[] = [
  { op: 'mov-from-cr', r1: 16, cr: CR.iipa },
  { op: 'mov-imm', r1: 17, imm: PTA_DATA.iipaLog },
  { op: 'st8', r3: 17, r2: 16 },
  { op: 'mov-from-cr', r1: 18, cr: CR.iim },
  // Break is a fault: IIP/IPSR.ri name it. Resume after it (it is never in slot 2 here).
  { op: 'mov-from-cr', r1: 16, cr: CR.ipsr },
  { op: 'mov-imm', r1: 17, imm: 1n << 41n },
  { op: 'add', r1: 16, r2: 16, r3: 17 },
  { op: 'mov-to-cr', cr: CR.ipsr, r2: 16 },
  { op: 'rfi' },
];

const body: AsmItem[] = [
  { label: 'read-pta' },
  // Slot 0 and 1 of one bundle: the break's IIPA is this bundle only if the MOV-from-PTA counted.
  { op: 'mov-from-cr', r1: 6, cr: CR.pta },
  { op: 'break', imm21: 0x1234 },
  { op: 'thash', r1: 7, r3: 8 },
  { op: 'st8', r3: 9, r2: 7 },
  { op: 'add', r1: 8, r2: 8, r3: 10 },
  { op: 'add', r1: 9, r2: 9, r3: 11 },
];

const main: AsmItem[] = [
  ...setUp(),
  { op: 'mov-imm', r1: 2, imm: GUEST_RR0 },
  { op: 'mov-to-ind', file: 'rr', r3: 0, r2: 2 },
  { op: 'mov-imm', r1: 2, imm: GUEST_PTA },
  { op: 'mov-to-cr', cr: CR.pta, r2: 2 },
  { op: 'mov-imm', r1: 8, imm: 0x0000_0000_0123_4000n },
  { op: 'mov-imm', r1: 9, imm: PTA_DATA.hashLog },
  { op: 'mov-imm', r1: 10, imm: 0x4000n },
  { op: 'mov-imm', r1: 11, imm: 8n },
  ...countedLoop(24, body),
];

const code = link(assemble(GUEST.entry, main), assemble(GUEST.iva + IVT.break, breakHandler)).code;

export const ptaThashGuest: GuestProgram = {
  name: 'pta-thash',
  description: 'a kernel that sets its PTA and a region register, reads cr.pta back, hashes with thash, and logs cr.iipa from a break handler',
  code,
  initial: (profile) => kernelState(profile),
  events: [],
  maxInstructions: 2000,
};
