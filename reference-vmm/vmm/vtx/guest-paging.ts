/**
 * The guest's own paging, as the VMM without EPT must compute it (shadow.ts): the walk of the guest's
 * tables for one access, in the guest's paging mode (Vol. 3A ch. 4) —
 * - 4-level paging (IA-32e mode, §4.5): PML4E, PDPTE (PS: 1 GiB), PDE (PS: 2 MiB), PTE, 8-byte entries;
 * - PAE paging (§4.4): the PDPTE registers (the VMM keeps the guest's, `vm.guestPdptes`, loaded where the
 *   processor loads them, cr.ts), then PDE (PS: 2 MiB), PTE, 8-byte entries;
 * - 32-bit paging (§4.3): PDE (PS with CR4.PSE: 4 MiB, physical-address bits 39:32 in PDE bits 20:13),
 *   PTE, 4-byte entries, no execute-disable.
 * A not-present entry, or a reserved bit set (address bits at or above MAXPHYADDR, XD without
 * IA32_EFER.NXE, PS in a PML4E, the low address bits of a large page) is a #PF; then the U/S, R/W
 * (with CR0.WP) and SMAP checks (§4.6), with the error code a processor would push (§4.7). Only a
 * walk that succeeds sets the accessed flags of the entries it used and, for a write, the dirty flag
 * of the leaf (§4.8) — which is when the native processor the guest is compared with sets them.
 *
 * Every guest-physical address the walk reads is below 2^MAXPHYADDR (CR3 loads and the reserved-bit
 * checks see to it) and is backed on demand (guest-memory.ts), so a guest whose tables live far above
 * its initial memory works as natively.
 */
import type { Vm } from './vm.js';

const P = 1n, RW = 2n, US = 4n, A = 1n << 5n, D = 1n << 6n, PS = 1n << 7n;
const ADDR52 = (1n << 52n) - 1n;

export type GuestPagingMode = '4-level' | 'pae' | '32-bit';

export const guestPagingMode = (vm: Vm): GuestPagingMode =>
  vm.guestLongMode() ? '4-level' : ((vm.guestCr4() >> 5n) & 1n) === 1n ? 'pae' : '32-bit';

export interface GuestAccess {
  readonly write: boolean;
  /** A CPL-3 access other than an implicit supervisor one (the #PF error code's U/S bit). */
  readonly user: boolean;
}

export type GuestWalk =
  | {
    readonly ok: true;
    /** Guest-physical address of the 4-KiB page the linear address falls in. */
    readonly frame: bigint;
    readonly writable: boolean;
    readonly user: boolean;
    /** The leaf's dirty flag after the walk. */
    readonly dirty: boolean;
    /** Guest-physical pages of the paging structures the walk read (not the PDPTE registers' table). */
    readonly tables: readonly bigint[];
  }
  | { readonly ok: false; readonly errorCode: number };

interface Level {
  readonly shift: bigint;
  readonly bytes: 4 | 8;
  /** Whether PS = 1 makes the entry a leaf. */
  readonly largeOk: boolean;
  /** Reserved bits of a large leaf besides the address-width ones. */
  readonly largeReserved: bigint;
}

const LEVELS: Readonly<Record<GuestPagingMode, readonly Level[]>> = {
  '4-level': [
    { shift: 39n, bytes: 8, largeOk: false, largeReserved: 0n },
    { shift: 30n, bytes: 8, largeOk: true, largeReserved: 0x3fff_e000n },
    { shift: 21n, bytes: 8, largeOk: true, largeReserved: 0x1f_e000n },
    { shift: 12n, bytes: 8, largeOk: false, largeReserved: 0n },
  ],
  pae: [
    { shift: 21n, bytes: 8, largeOk: true, largeReserved: 0x1f_e000n },
    { shift: 12n, bytes: 8, largeOk: false, largeReserved: 0n },
  ],
  '32-bit': [
    { shift: 22n, bytes: 4, largeOk: true, largeReserved: 1n << 21n },
    { shift: 12n, bytes: 4, largeOk: false, largeReserved: 0n },
  ],
};

/** The guest's walk of `linear` for `access`; sets accessed/dirty flags in the guest's tables on success. */
export const walkGuest = (vm: Vm, linear: bigint, access: GuestAccess): GuestWalk => {
  const mode = guestPagingMode(vm);
  const maxPhys = vm.guestCaps.maxPhysAddr;
  const nxe = ((vm.f('GUEST_IA32_EFER') >> 11n) & 1n) === 1n;
  const cr0 = vm.guestCr0();
  const cr4 = vm.guestCr4();
  const pse = ((cr4 >> 4n) & 1n) === 1n;
  const addrBits = ADDR52 & ~((1n << maxPhys) - 1n);
  const fault = (present: boolean, rsvd: boolean): GuestWalk =>
    ({ ok: false, errorCode: (present ? 1 : 0) | (access.write ? 2 : 0) | (access.user ? 4 : 0) | (rsvd ? 8 : 0) });

  let table: bigint;
  if (mode === '4-level') table = vm.vCr3 & ADDR52 & ~0xfffn;
  else if (mode === '32-bit') table = vm.vCr3 & 0xffff_f000n;
  else {
    const pdpte = vm.guestPdptes[Number((linear >> 30n) & 3n)] ?? 0n;
    if ((pdpte & P) === 0n) return fault(false, false);
    table = pdpte & ADDR52 & ~0xfffn;
  }
  let writable = true;
  let userOk = true;
  const entries: { gpa: bigint; bytes: 4 | 8 }[] = [];
  let frame = 0n;
  for (const level of LEVELS[mode]) {
    const index = (linear >> level.shift) & (level.bytes === 8 ? 0x1ffn : 0x3ffn);
    const gpa = table + index * BigInt(level.bytes);
    const e = vm.host.readBytes(vm.hpa(gpa), level.bytes);
    if ((e & P) === 0n) return fault(false, false);
    const large = level.largeOk && (e & PS) !== 0n && (level.bytes === 8 || pse);
    let reserved = level.bytes === 8 ? addrBits | (nxe ? 0n : 1n << 63n) : 0n;
    if (level.shift === 39n) reserved |= PS;
    if (large) reserved |= level.largeReserved;
    // A 4-MiB page holds physical-address bits 39:32 in bits 20:13; those beyond MAXPHYADDR (at most 40) are reserved.
    if (large && level.bytes === 4) {
      const m = maxPhys < 40n ? maxPhys : 40n;
      reserved |= ((1n << 22n) - 1n) & ~((1n << (m - 19n)) - 1n);
    }
    if ((e & reserved) !== 0n) return fault(true, true);
    writable &&= (e & RW) !== 0n;
    userOk &&= (e & US) !== 0n;
    entries.push({ gpa, bytes: level.bytes });
    if (large || level.shift === 12n) {
      const pageMask = (1n << level.shift) - 1n;
      const base = large && level.bytes === 4
        ? (e & 0xffc0_0000n) | (((e >> 13n) & 0xffn) << 32n)
        : e & (level.bytes === 8 ? ADDR52 : 0xffff_ffffn) & ~pageMask;
      frame = base | (linear & pageMask & ~0xfffn);
      break;
    }
    table = e & (level.bytes === 8 ? ADDR52 : 0xffff_ffffn) & ~0xfffn;
  }
  if (access.user && !userOk) return fault(true, false);
  if (access.write && !writable && (access.user || ((cr0 >> 16n) & 1n) === 1n)) return fault(true, false);
  // SMAP (CR4[21]): the VMM sees CPL and RFLAGS.AC; an implicit supervisor access at CPL < 3 with AC = 1
  // looks like an explicit one to it (the exit does not tell them apart).
  const ac = ((vm.f('GUEST_RFLAGS') >> 18n) & 1n) === 1n;
  if (!access.user && userOk && ((cr4 >> 21n) & 1n) === 1n && (vm.guestCpl() === 3 || !ac)) return fault(true, false);
  let dirty = false;
  entries.forEach(({ gpa, bytes }, i) => {
    const leaf = i === entries.length - 1;
    const at = vm.hpa(gpa);
    const e = vm.host.readBytes(at, bytes);
    let v = e | A;
    if (leaf && access.write) v |= D;
    if (leaf) dirty = (v & D) !== 0n;
    if (v !== e) vm.host.writeBytes(at, bytes, v);
  });
  return { ok: true, frame, writable, user: userOk, dirty, tables: entries.map((e) => e.gpa & ~0xfffn) };
};
