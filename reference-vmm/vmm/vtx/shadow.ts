/**
 * Memory virtualization without EPT: shadow page tables (ITJ "Address-Space Compression" and the
 * usage the paper contrasts with EPT). The processor walks tables the VMM builds in its own region
 * (layout.ts), mapping the guest's linear addresses to host-physical frames of the guest's memory;
 * the guest's own tables are data the VMM reads. The VMM intercepts what makes the two disagree:
 * - MOV to CR3 (CR3-load exiting): the guest's CR3 is kept by the VMM (cr.ts), the shadow emptied;
 *   MOV from CR3 (CR3-store exiting) returns the guest's value;
 * - INVLPG (INVLPG exiting) and INVPCID: the shadow entries for the address (all of them) go;
 * - #PF (exception bitmap bit 14, error-code mask = match = 0: every #PF): the VMM walks the guest's
 *   tables as the processor would (4-level paging: present, reserved bits, U/S, R/W with CR0.WP,
 *   SMAP; the same error code), reflects the guest's own #PF (CR2 = the address, §6.15 nesting with
 *   the IDT-vectoring event) or fills the shadow entry and resumes. It sets the guest's accessed and
 *   dirty flags as the processor would; a page whose dirty flag is 0 is shadowed read-only so that
 *   the first write comes back to set it.
 * Shadow entries are 4-KiB pages whatever the guest's page size; INVLPG drops the whole 2-MiB
 * region's shadow table, which covers a guest 2-MiB page as well. Like a TLB, the shadow may hold a
 * translation the guest changed until it invalidates it (INVLPG, CR3 load) — as the architecture
 * allows (Vol. 3A §4.10.4); the guests invalidate after changing their tables. IA-32e guests only.
 */
import { VMM } from './layout.js';
import type { Vm } from './vm.js';

const P = 1n, RW = 2n, US = 4n, A = 1n << 5n, D = 1n << 6n, PS = 1n << 7n;
const ADDR = ((1n << 52n) - 1n) & ~0xfffn;
const NON_LEAF = P | RW | US | A;

interface ShadowState { next: number; used: bigint[] }
const pools = new WeakMap<Vm, ShadowState>();

const state = (vm: Vm): ShadowState => {
  let s = pools.get(vm);
  if (s === undefined) { s = { next: 1, used: [] }; pools.set(vm, s); }
  return s;
};

export const shadowRoot = (): bigint => VMM.shadowPool;

/** Empties the shadow tables (the root stays where it is: the processor's CR3 does not change). */
export const flushShadow = (vm: Vm): void => {
  const s = state(vm);
  for (const at of s.used) vm.host.write64(at, 0n);
  s.used = [];
  s.next = 1;
};

const allocTable = (vm: Vm): bigint => {
  const s = state(vm);
  if (s.next >= VMM.shadowPoolPages) flushShadow(vm);
  return VMM.shadowPool + BigInt(s.next++) * 0x1000n;
};

const setEntry = (vm: Vm, at: bigint, v: bigint): void => {
  vm.host.write64(at, v);
  state(vm).used.push(at);
};

export type GuestWalk =
  | { readonly ok: true; readonly frame: bigint; readonly writable: boolean; readonly user: boolean; readonly dirty: boolean }
  | { readonly ok: false; readonly errorCode: number };

/** The guest's own 4-level walk of `linear` for an access (Vol. 3A §4.5, §4.6, §4.7, §4.8). */
export const walkGuest = (vm: Vm, linear: bigint, write: boolean, user: boolean): GuestWalk => {
  const efer = vm.f('GUEST_IA32_EFER');
  const nxe = ((efer >> 11n) & 1n) === 1n;
  const cr0 = vm.guestCr0();
  const cr4 = vm.guestCr4();
  const addrBits = ((1n << 52n) - 1n) & ~((1n << vm.guestCaps.maxPhysAddr) - 1n);
  const fault = (present: boolean, rsvd: boolean): GuestWalk =>
    ({ ok: false, errorCode: (present ? 1 : 0) | (write ? 2 : 0) | (user ? 4 : 0) | (rsvd ? 8 : 0) });
  const levels = [
    { shift: 39n, largeOk: false, largeReserved: 0n },
    { shift: 30n, largeOk: true, largeReserved: 0x3fff_e000n },
    { shift: 21n, largeOk: true, largeReserved: 0x1f_e000n },
    { shift: 12n, largeOk: false, largeReserved: 0n },
  ];
  let table = vm.vCr3 & ADDR;
  let writable = true;
  let userOk = true;
  const entries: bigint[] = [];
  let frame = 0n;
  for (const level of levels) {
    const gpa = table + ((linear >> level.shift) & 0x1ffn) * 8n;
    const e = vm.host.read64(vm.hpa(gpa));
    if ((e & P) === 0n) return fault(false, false);
    const large = level.largeOk && (e & PS) !== 0n;
    let reserved = addrBits | (nxe ? 0n : 1n << 63n);
    if (level.shift === 39n) reserved |= PS;
    if (large) reserved |= level.largeReserved;
    if ((e & reserved) !== 0n) return fault(true, true);
    writable &&= (e & RW) !== 0n;
    userOk &&= (e & US) !== 0n;
    entries.push(gpa);
    if (large || level.shift === 12n) {
      const pageMask = (1n << level.shift) - 1n;
      frame = (e & ((1n << 52n) - 1n) & ~pageMask) | (linear & pageMask & ~0xfffn);
      break;
    }
    table = e & ADDR;
  }
  if (user && !userOk) return fault(true, false);
  if (write && !writable && (user || ((cr0 >> 16n) & 1n) === 1n)) return fault(true, false);
  const ac = ((vm.f('GUEST_RFLAGS') >> 18n) & 1n) === 1n;
  if (!user && userOk && ((cr4 >> 21n) & 1n) === 1n && (vm.guestCpl() === 3 || !ac)) return fault(true, false);
  // Accessed on every entry of the walk, dirty on the leaf for a write (only when it changes, like the processor).
  let dirty = false;
  entries.forEach((gpa, i) => {
    const leaf = i === entries.length - 1;
    const e = vm.host.read64(vm.hpa(gpa));
    let v = e | A;
    if (leaf && write) v |= D;
    if (leaf) dirty = (v & D) !== 0n;
    if (v !== e) vm.host.write64(vm.hpa(gpa), v);
  });
  return { ok: true, frame, writable, user: userOk, dirty };
};

/** Fills the shadow path for `linear` from a successful guest walk. */
export const fillShadow = (vm: Vm, linear: bigint, w: Extract<GuestWalk, { ok: true }>): void => {
  let table = shadowRoot();
  for (const shift of [39n, 30n, 21n]) {
    const at = table + ((linear >> shift) & 0x1ffn) * 8n;
    let e = vm.host.read64(at);
    if ((e & P) === 0n) {
      e = allocTable(vm) | NON_LEAF;
      setEntry(vm, at, e);
    }
    table = e & ADDR;
  }
  const at = table + ((linear >> 12n) & 0x1ffn) * 8n;
  const leaf = vm.hpa(w.frame) | P | A | D | (w.writable && w.dirty ? RW : 0n) | (w.user ? US : 0n);
  setEntry(vm, at, leaf);
};

/** INVLPG of `linear`: drop the shadow table of the 2-MiB region (covers 4-KiB and 2-MiB guest pages). */
export const invalidateShadow = (vm: Vm, linear: bigint): void => {
  let table = shadowRoot();
  for (const shift of [39n, 30n]) {
    const e = vm.host.read64(table + ((linear >> shift) & 0x1ffn) * 8n);
    if ((e & P) === 0n) return;
    table = e & ADDR;
  }
  const at = table + ((linear >> 21n) & 0x1ffn) * 8n;
  vm.host.write64(at, 0n);
};
