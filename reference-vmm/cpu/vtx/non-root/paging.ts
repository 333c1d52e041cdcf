/**
 * Guest paging (SDM Vol. 3A ch. 4): linear → guest-physical with 4-level paging (IA-32e mode,
 * PAGING.IA32E), PAE paging and 32-bit paging (PAGING.32BIT); #PF with its error code (§4.7: P, W/R,
 * U/S, RSVD; PAGING.ERRORCODE); accessed and dirty flags set once a translation succeeds (§4.8;
 * PAGING.ACCESSED). Every paging-structure access goes through EPT when "enable EPT" = 1 (§28.2.2).
 * Instruction fetches are not modelled (the step is given the decoded instruction), so execute-disable
 * and SMEP never fault here, and the I/D bit of the error code is never set.
 * PAE paging starts from the PDPTE registers (PAGING.PAE), which MOV to CR (./instructions/control-registers.ts,
 * PAGING.PAE.LOAD), VM entry (ENTRY.LOAD.PDPTE) and exits to a PAE host (VMEXIT.HOST.PDPTE) load: a
 * write to the table in memory changes nothing until the next load.
 */
import { eptTranslate } from './ept.js';
import { CR0, EFER, GuestFault, RFLAGS, type Guest } from './guest.js';

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

export interface LinearAccess {
  readonly write: boolean;
  /** Implicit supervisor access (descriptor tables, TSS, delivery stack): never a user access. */
  readonly supervisor: boolean;
}

interface Level {
  readonly shift: number;
  readonly entryBytes: 4 | 8;
  /** Whether PS = 1 makes this entry a leaf. */
  readonly largeOk: boolean;
  /** Reserved bits of a large-page entry at this level (beyond the address-width ones). */
  readonly largeReserved: bigint;
}

/** 4-level paging: PML4E, PDPTE (PS: 1 GiB), PDE (PS: 2 MiB), PTE; 8-byte entries (PAGING.IA32E). */
const FOUR_LEVEL: readonly Level[] = [
  { shift: 39, entryBytes: 8, largeOk: false, largeReserved: 0n },
  { shift: 30, entryBytes: 8, largeOk: true, largeReserved: 0x3fff_e000n },
  { shift: 21, entryBytes: 8, largeOk: true, largeReserved: 0x1f_e000n },
  { shift: 12, entryBytes: 8, largeOk: false, largeReserved: 0n },
];
const PAE: readonly Level[] = FOUR_LEVEL.slice(2);
/** 32-bit paging: PDE (PS with CR4.PSE: 4 MiB), PTE; 4-byte entries, no execute-disable (PAGING.32BIT). */
const THIRTY_TWO: readonly Level[] = [
  { shift: 22, entryBytes: 4, largeOk: true, largeReserved: 1n << 21n },
  { shift: 12, entryBytes: 4, largeOk: false, largeReserved: 0n },
];

/**
 * The host-physical address of a guest paging-structure location: with EPT, CR3 and every entry are
 * guest-physical addresses translated by EPT, as reads, or as writes for the A/D updates (EPT.GUEST.PAGING).
 */
const physical = (g: Guest, gpa: bigint, linear: bigint, write: boolean): bigint =>
  g.on('proc2.ENABLE_EPT') ? eptTranslate(g, gpa, { write, linear, final: false }) : gpa;

/** The guest-physical address of `linear`, or a #PF (thrown as GuestFault). */
export const translateLinear = (g: Guest, linear: bigint, a: LinearAccess): bigint => {
  const cpu = g.cpu;
  // CR0.PG = 0: the linear address is the physical address (PAGING.NONE).
  if ((cpu.cr0 & CR0.PG) === 0n) return g.longMode ? linear : linear & 0xffff_ffffn;
  const user = cpu.cpl === 3 && !a.supervisor;
  const nxe = (cpu.efer & EFER.NXE) !== 0n;
  const addrBits = ((1n << 52n) - 1n) & ~((1n << g.caps.maxPhysAddr) - 1n);
  // The #PF error code: P, W/R, U/S, RSVD (PAGING.ERRORCODE).
  const fault = (present: boolean, rsvd: boolean): never => {
    const code = (present ? 1 : 0) | (a.write ? 2 : 0) | (user ? 4 : 0) | (rsvd ? 8 : 0);
    throw new GuestFault(14, code, linear);
  };
  let levels: readonly Level[];
  let table: bigint;
  if (g.longMode) {
    levels = FOUR_LEVEL;
    table = cpu.cr3 & ((1n << 52n) - 1n) & ~0xfffn;
  } else if (bit(cpu.cr4, 5)) {
    // PAE paging: the PDPTE register selected by linear[31:30]. Its reserved bits are not looked at: a
    // load puts only entries that passed its checks there.
    const pdpte = cpu.pdpte[Number((linear >> 30n) & 3n)] ?? 0n;
    if (!bit(pdpte, 0)) fault(false, false);
    levels = PAE;
    table = pdpte & ((1n << 52n) - 1n) & ~0xfffn;
  } else {
    levels = THIRTY_TWO;
    table = cpu.cr3 & 0xffff_f000n;
  }
  let writable = true;
  let userOk = true;
  const entries: { at: bigint; value: bigint; bytes: 4 | 8 }[] = [];
  let frame = 0n;
  let pageShift = 12;
  for (const level of levels) {
    const index = (linear >> BigInt(level.shift)) & (level.entryBytes === 8 ? 0x1ffn : 0x3ffn);
    const gpa = table + index * BigInt(level.entryBytes);
    const hpa = physical(g, gpa, linear, false);
    const e = g.m.readBytes(hpa, level.entryBytes);
    if (!bit(e, 0)) fault(false, false); // PAGING.NOTPRESENT
    const large = level.largeOk && bit(e, 7) && (level.entryBytes === 8 || bit(cpu.cr4, 4));
    // PAGING.RSVD: address bits at or above MAXPHYADDR, XD without NXE, PS in a PML4E, the low address bits
    // of a large page; a 4-MiB page of 32-bit paging reserves bits 21:(M-19), M = min(MAXPHYADDR, 40).
    let reserved = level.entryBytes === 8 ? addrBits | (nxe ? 0n : 1n << 63n) : 0n;
    if (level.shift === 39) reserved |= 1n << 7n;
    if (large) reserved |= level.largeReserved;
    if (large && level.entryBytes === 4) {
      const m = g.caps.maxPhysAddr < 40n ? g.caps.maxPhysAddr : 40n;
      reserved |= ((1n << 22n) - 1n) & ~((1n << (m - 19n)) - 1n);
    }
    if ((e & reserved) !== 0n) fault(true, true);
    writable &&= bit(e, 1);
    userOk &&= bit(e, 2);
    entries.push({ at: gpa, value: e, bytes: level.entryBytes });
    if (large || level.shift === 12) {
      pageShift = level.shift;
      const mask = level.entryBytes === 8 ? ((1n << 52n) - 1n) : 0xffff_ffffn;
      frame = e & mask & ~((1n << BigInt(pageShift)) - 1n);
      // A 4-MiB page: physical-address bits 39:32 come from PDE bits 20:13 (PSE-36).
      if (large && level.entryBytes === 4) frame = (e & 0xffc0_0000n) | (((e >> 13n) & 0xffn) << 32n);
      break;
    }
    table = e & (level.entryBytes === 8 ? ((1n << 52n) - 1n) : 0xffff_ffffn) & ~0xfffn;
  }
  // A user-mode access needs U/S = 1 throughout (PAGING.USER); a write R/W = 1 if user-mode or CR0.WP = 1
  // (PAGING.WRITE).
  if (user && !userOk) fault(true, false);
  if (a.write && !writable && (user || (cpu.cr0 & CR0.WP) !== 0n)) fault(true, false);
  // SMAP (CR4[21]): supervisor data accesses to user pages, unless RFLAGS.AC = 1 for explicit ones (PAGING.SMAP).
  if (!user && userOk && bit(cpu.cr4, 21) && (a.supervisor || cpu.cpl === 3 || (cpu.rflags & RFLAGS.AC) === 0n)) fault(true, false);
  // Accessed flags on every entry used, dirty on the leaf for a write (guest-physical writes) (PAGING.ACCESSED).
  entries.forEach((en, i) => {
    const leaf = i === entries.length - 1;
    let v = en.value | 0x20n;
    if (leaf && a.write) v |= 0x40n;
    if (v !== en.value) {
      const hpa = physical(g, en.at, linear, true);
      g.m.writeBytes(hpa, en.bytes, v);
    }
  });
  return frame | (linear & ((1n << BigInt(pageShift)) - 1n));
};
