/**
 * Memory virtualization without EPT: shadow page tables (ITJ "Address-Space Compression" and the
 * usage the paper contrasts with EPT). The processor walks tables the VMM builds in its own region
 * (layout.ts), mapping the guest's linear addresses to host-physical frames of the guest's memory;
 * the guest's own tables are data the VMM reads (guest-paging.ts). The shadow tables have the format
 * of the guest's paging mode, which is the mode the processor runs the guest in (its CR0.PG, CR4.PAE
 * and IA32_EFER.LMA are the guest's): 4-level (8-byte entries), PAE (a 4-entry PDPT, then 8-byte
 * entries) or 32-bit (4-byte entries; every frame the VMM uses lies below 4 GiB, layout.ts).
 *
 * The VMM intercepts what makes the two disagree:
 * - MOV to CR3 (CR3-load exiting, no CR3-target values): the guest's CR3 is kept by the VMM (cr.ts),
 *   the shadow emptied; MOV from CR3 (CR3-store exiting) returns the guest's value;
 * - the CR0 and CR4 bits that change how the guest's tables are read (cr.ts: WP, PSE, PAE, PGE, PCIDE,
 *   SMEP; CD and NW, which reload PAE's PDPTE registers) are the VMM's, through the guest/host masks;
 * - INVLPG (INVLPG exiting) and INVPCID: the shadow entries for the address (all of them) go;
 * - #PF (exception bitmap bit 14, error-code mask = match = 0: every #PF): the VMM walks the guest's
 *   tables as the processor would and reflects the guest's own #PF (CR2 = the address, §6.15 nesting
 *   with the IDT-vectoring event) or fills the shadow entry and resumes (a hidden fault). The walk sets
 *   the guest's accessed and dirty flags as the processor would; a page whose dirty flag is 0 is
 *   shadowed read-only, so that the first write comes back to set it.
 *
 * The native processor the guest is compared with has no TLB: a store to a paging-structure entry
 * takes effect at the next access, without INVLPG. So the shadow is kept coherent with the guest's
 * tables, as shadow-paging VMMs do, by write-protecting them: every guest page a shadow entry was
 * derived from as a paging structure is mapped read-only in the shadow. A write to such a page exits
 * (#PF); the VMM empties the shadow and lets the write through a writable entry. When that page is
 * itself one of the tables its own address is translated through (a page table mapping itself),
 * the VMM lets exactly one instruction run with it writable — a one-instruction VMX-preemption timer
 * (§25.5.1; the monitor trap flag would do, the default profile lacks it) — and empties the shadow
 * again at the timer's exit (the write window).
 *
 * Guest CR0.WP = 0 lets the guest's supervisor code write read-only pages; the processor runs with
 * WP = 1 (so that a write to a clean or protected shadow entry always exits) and the VMM maps such a
 * page writable for supervisor accesses only, so that a user access comes back to be checked.
 * The VMM changes shadow entries only while it handles an exit; with VPIDs off, every VM exit and
 * entry invalidates the processor's cached linear mappings (§28.3.3.1), so it needs no INVLPG of its own.
 * Shadow entries are 4-KiB pages whatever the guest's page size; INVLPG drops the shadow table of
 * the whole region one shadow paging structure covers (2 MiB, or 4 MiB with 32-bit paging), which
 * covers a guest large page of that size as well.
 */
import { guestPagingMode, walkGuest, type GuestAccess, type GuestPagingMode, type GuestWalk } from './guest-paging.js';
import { VMM } from './layout.js';
import { wantTimer } from './timer.js';
import type { Vm } from './vm.js';

const P = 1n, RW = 2n, US = 4n, A = 1n << 5n, D = 1n << 6n;
const NON_LEAF = P | RW | US | A;

interface TableLevel {
  readonly shift: bigint;
  readonly bytes: 4 | 8;
  readonly index: bigint;
  /** What a shadow entry pointing to the next table holds besides its address (a PAE PDPTE: P only). */
  readonly flags: bigint;
}
interface Format {
  readonly tables: readonly TableLevel[];
  readonly leaf: { readonly bytes: 4 | 8; readonly index: bigint };
}

const FORMATS: Readonly<Record<GuestPagingMode, Format>> = {
  '4-level': {
    tables: [39n, 30n, 21n].map((shift) => ({ shift, bytes: 8 as const, index: 0x1ffn, flags: NON_LEAF })),
    leaf: { bytes: 8, index: 0x1ffn },
  },
  pae: {
    tables: [{ shift: 30n, bytes: 8, index: 3n, flags: P }, { shift: 21n, bytes: 8, index: 0x1ffn, flags: NON_LEAF }],
    leaf: { bytes: 8, index: 0x1ffn },
  },
  '32-bit': {
    tables: [{ shift: 22n, bytes: 4, index: 0x3ffn, flags: NON_LEAF }],
    leaf: { bytes: 4, index: 0x3ffn },
  },
};

const ADDR = ((1n << 52n) - 1n) & ~0xfffn;

interface ShadowState {
  next: number;
  used: { at: bigint; bytes: 4 | 8 }[];
  /** Guest pages some shadow entry was derived from as paging structures: write-protected. */
  tables: Set<bigint>;
  /** Shadow leaf entries by the guest page they map. */
  leaves: Map<bigint, bigint[]>;
  /** Leaves writable for the current write window although they map a write-protected page. */
  window: Set<bigint>;
  windowOpen: boolean;
}
const states = new WeakMap<Vm, ShadowState>();

const state = (vm: Vm): ShadowState => {
  let s = states.get(vm);
  if (s === undefined) {
    s = { next: 1, used: [], tables: new Set(), leaves: new Map(), window: new Set(), windowOpen: false };
    states.set(vm, s);
  }
  return s;
};

export const shadowRoot = (): bigint => VMM.shadowPool;

/** Empties the shadow tables (the root stays where it is: the processor's CR3 does not change). */
export const flushShadow = (vm: Vm): void => {
  const s = state(vm);
  for (const { at, bytes } of s.used) vm.host.writeBytes(at, bytes, 0n);
  s.used = [];
  s.next = 1;
  s.tables.clear();
  s.leaves.clear();
  s.window.clear();
};

const setEntry = (vm: Vm, at: bigint, bytes: 4 | 8, v: bigint): void => {
  vm.host.writeBytes(at, bytes, v);
  state(vm).used.push({ at, bytes });
};

/** Write-protects guest page `page` as a paging structure: its existing writable leaves lose R/W. */
const protect = (vm: Vm, page: bigint, leafBytes: 4 | 8): void => {
  const s = state(vm);
  if (s.tables.has(page)) return;
  s.tables.add(page);
  for (const at of s.leaves.get(page) ?? []) {
    if (s.window.has(at)) continue;
    const e = vm.host.readBytes(at, leafBytes);
    if ((e & RW) !== 0n) vm.host.writeBytes(at, leafBytes, e & ~RW);
  }
};

/**
 * Fills the shadow path for `linear` from a successful guest walk for `access`. Returns whether the
 * leaf maps a write-protected page writable for this write (a write window: the caller arms the timer).
 */
const fillShadow = (vm: Vm, linear: bigint, w: Extract<GuestWalk, { ok: true }>, access: GuestAccess): boolean => {
  const s = state(vm);
  const format = FORMATS[guestPagingMode(vm)];
  if (s.next + format.tables.length > VMM.shadowPoolPages) flushShadow(vm);
  for (const page of w.tables) protect(vm, page, format.leaf.bytes);
  let table = shadowRoot();
  for (const level of format.tables) {
    const at = table + ((linear >> level.shift) & level.index) * BigInt(level.bytes);
    let e = vm.host.readBytes(at, level.bytes);
    if ((e & P) === 0n) {
      e = (VMM.shadowPool + BigInt(s.next++) * 0x1000n) | level.flags;
      setEntry(vm, at, level.bytes, e);
    }
    table = e & ADDR;
  }
  const at = table + ((linear >> 12n) & format.leaf.index) * BigInt(format.leaf.bytes);
  // Writable: the guest lets this access write (its R/W, or CR0.WP = 0 for a supervisor write) and
  // the page is dirty; a write-protected page only as a write window.
  const wp = ((vm.guestCr0() >> 16n) & 1n) === 1n;
  const byWp0 = !w.writable && !wp && access.write && !access.user;
  const protectedPage = s.tables.has(w.frame);
  const window = protectedPage && access.write && (w.writable || byWp0);
  const rw = (w.writable || byWp0) && w.dirty && (!protectedPage || window);
  const user = w.user && !(rw && !w.writable);
  setEntry(vm, at, format.leaf.bytes, vm.hpa(w.frame) | P | A | D | (rw ? RW : 0n) | (user ? US : 0n));
  const list = s.leaves.get(w.frame);
  if (list === undefined) s.leaves.set(w.frame, [at]);
  else list.push(at);
  if (window) s.window.add(at);
  return window;
};

/**
 * A #PF exit under shadow paging for `linear` with the processor's error code: the guest's walk
 * decides. A fault the guest would take natively is returned for reflection; otherwise the shadow is
 * filled (emptied first when the access writes a write-protected page, outside a write window).
 */
export const onShadowPageFault = (vm: Vm, linear: bigint, errorCode: number): GuestWalk => {
  const access = { write: (errorCode & 2) !== 0, user: (errorCode & 4) !== 0 };
  const w = walkGuest(vm, linear, access);
  if (!w.ok) return w;
  const s = state(vm);
  if (access.write && s.tables.has(w.frame) && !s.windowOpen) flushShadow(vm);
  if (fillShadow(vm, linear, w, access) && !s.windowOpen) {
    s.windowOpen = true;
    wantTimer(vm, 'write-window', true);
  }
  return w;
};

/** The VMX-preemption timer expired: a write window ends, and the shadow is rebuilt from the tables as they are now. */
export const closeWriteWindow = (vm: Vm): void => {
  const s = state(vm);
  if (!s.windowOpen) return;
  s.windowOpen = false;
  flushShadow(vm);
  wantTimer(vm, 'write-window', false);
};

/** INVLPG of `linear`: drop the shadow table that maps its region (covers 4-KiB and large guest pages). */
export const invalidateShadow = (vm: Vm, linear: bigint): void => {
  const format = FORMATS[guestPagingMode(vm)];
  let table = shadowRoot();
  format.tables.forEach((level, i) => {
    if (table === 0n) return;
    const at = table + ((linear >> level.shift) & level.index) * BigInt(level.bytes);
    const e = vm.host.readBytes(at, level.bytes);
    if (i === format.tables.length - 1) { if ((e & P) !== 0n) vm.host.writeBytes(at, level.bytes, 0n); return; }
    table = (e & P) === 0n ? 0n : e & ADDR;
  });
};
