/**
 * Guest linear-address translation (SDM Vol. 3A ch. 4): no paging (PAGING.NONE), 4-level IA-32e
 * paging (PAGING.IA32E), PAE paging (PAGING.PAE), 32-bit paging (PAGING.32BIT); the not-present and
 * reserved-bit faults (PAGING.NOTPRESENT, PAGING.RSVD), the access-rights checks (PAGING.USER,
 * PAGING.WRITE, PAGING.NX, PAGING.SMEP, PAGING.SMAP) with the #PF error code (PAGING.ERRORCODE), and
 * the accessed/dirty flags (PAGING.ACCESSED). With EPT every guest paging-structure access and the
 * final address go through ../ept/walk.ts (EPT.GUEST.PAGING).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { addressMask } from '../ept/entries.js';
import { eptAccessedDirty, eptTranslate } from '../ept/walk.js';
import { hex } from '../events/info.js';
import { decision } from '../result.js';
import { flagUpdate, readPhysical, type FlagUpdate } from './physical.js';
import type { AccessKind, AccessMode, Translation } from './types.js';

const CR0_WP = 1n << 16n;
const CR0_PG = 1n << 31n;
const CR4_PSE = 1n << 4n;
const CR4_PAE = 1n << 5n;
const CR4_SMEP = 1n << 20n;
const CR4_SMAP = 1n << 21n;
const EFER_LMA = 1n << 10n;
const EFER_NXE = 1n << 11n;
const RFLAGS_AC = 1n << 18n;
const P = 1n, RW = 2n, US = 4n, ACCESSED = 1n << 5n, DIRTY = 1n << 6n, PS = 1n << 7n, XD = 1n << 63n;

const bits = (hi: number, lo: number): bigint => ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);

export type PagingMode = 'none' | 'ia32e' | 'pae' | '32bit';

export const pagingMode = (s: VtxState): PagingMode => {
  const { cr0, cr4, efer } = s.cpu;
  if ((cr0 & CR0_PG) === 0n) return 'none';
  if ((efer & EFER_LMA) !== 0n) return 'ia32e';
  return (cr4 & CR4_PAE) !== 0n ? 'pae' : '32bit';
};

interface Level {
  readonly name: string;
  readonly shift: bigint;
  readonly indexMask: bigint;
  readonly entrySize: 4 | 8;
  /** May map a page (PS = 1), with the reserved bits of that form. */
  readonly large?: { readonly reserved: bigint };
  readonly reserved: bigint;
  readonly last: boolean;
}

interface Used { readonly gpa: bigint; readonly pa: bigint; readonly entry: bigint; readonly size: 4 | 8 }

/** What the walk needs beyond the address: who accesses, how, and for EPT qualification bit 12. */
export interface WalkContext {
  readonly kind: AccessKind;
  readonly mode: AccessMode;
  readonly nmiUnblocking: boolean;
  /** A stack access (SS): a non-canonical address is #SS(0), not #GP(0) (Vol. 3A §3.3.7.1, §6.15). */
  readonly stack?: boolean;
}

const SECTION = { ia32e: '4.5', pae: '4.4', '32bit': '4.3', none: '4.1.1' } as const;

const levelsFor = (caps: Capabilities, s: VtxState, mode: Exclude<PagingMode, 'none'>): readonly Level[] => {
  const high = caps.maxPhysAddr < 52 ? bits(51, caps.maxPhysAddr) : 0n;
  const nx = (s.cpu.efer & EFER_NXE) !== 0n ? 0n : XD;
  const r = high | nx;
  if (mode === 'ia32e') {
    return [
      { name: 'PML4E', shift: 39n, indexMask: 0x1ffn, entrySize: 8, reserved: r | PS, last: false },
      { name: 'PDPTE', shift: 30n, indexMask: 0x1ffn, entrySize: 8, reserved: r, large: { reserved: r | bits(29, 13) }, last: false },
      { name: 'PDE', shift: 21n, indexMask: 0x1ffn, entrySize: 8, reserved: r, large: { reserved: r | bits(20, 13) }, last: false },
      { name: 'PTE', shift: 12n, indexMask: 0x1ffn, entrySize: 8, reserved: r, last: true },
    ];
  }
  if (mode === 'pae') {
    return [
      { name: 'PDE', shift: 21n, indexMask: 0x1ffn, entrySize: 8, reserved: r, large: { reserved: r | bits(20, 13) }, last: false },
      { name: 'PTE', shift: 12n, indexMask: 0x1ffn, entrySize: 8, reserved: r, last: true },
    ];
  }
  // 32-bit paging: PSE-36 puts address bits 39:32 of a 4-MiB page in PDE bits 20:13.
  const pse = (s.cpu.cr4 & CR4_PSE) !== 0n;
  const pse36Reserved = caps.maxPhysAddr < 40 ? bits(20, 13 + Math.max(0, caps.maxPhysAddr - 32)) : 0n;
  return [
    { name: 'PDE', shift: 22n, indexMask: 0x3ffn, entrySize: 4, reserved: 0n, ...(pse ? { large: { reserved: bits(21, 21) | pse36Reserved } } : {}), last: false },
    { name: 'PTE', shift: 12n, indexMask: 0x3ffn, entrySize: 4, reserved: 0n, last: true },
  ];
};

const pageFault = (linear: bigint, errorCode: number, decisions: readonly Decision[], updates: readonly FlagUpdate[] = []): Translation =>
  ({ ok: false, failure: { kind: 'exception', vector: 14, errorCode, pageFaultAddress: linear, decisions }, updates });

/** A failure after some accesses completed: their flags stay set (the guest's own A/D only on success). */
const after = (updates: readonly FlagUpdate[], t: Extract<Translation, { ok: false }>): Translation =>
  ({ ...t, updates: [...updates, ...(t.updates ?? [])] });

/** Translates guest-linear `linear` to a physical address, or says why it cannot. */
export const translateLinear = (caps: Capabilities, s: VtxState, linear: bigint, ctx: WalkContext, decisions: readonly Decision[]): Translation => {
  const mode = pagingMode(s);
  const nmiUnblocking = ctx.nmiUnblocking;
  if (mode === 'none') return eptTranslate(caps, s, { gpa: linear, kind: ctx.kind, linear, final: true, nmiUnblocking }, decisions);
  const { kind } = ctx;
  const user = ctx.mode.user && !ctx.mode.implicit;
  const nxe = mode !== '32bit' && (s.cpu.efer & EFER_NXE) !== 0n;
  const smep = (s.cpu.cr4 & CR4_SMEP) !== 0n;
  // I/D is reported only where execute protection exists (PAGING.ERRORCODE).
  const fetchBit = kind === 'fetch' && (smep || nxe) ? 0x10 : 0;
  const baseCode = (kind === 'write' ? 2 : 0) | (user ? 4 : 0) | fetchBit;
  const eptAD = eptAccessedDirty(caps, s);
  const mask = addressMask(caps.maxPhysAddr);
  const updates: FlagUpdate[] = [];
  const used: Used[] = [];
  let table: bigint;
  if (mode === 'pae') {
    const index = Number((linear >> 30n) & 3n);
    // PAGING.PAE: the PDPTE registers, not the table in memory (loaded by PAGING.PAE.LOAD, ENTRY.LOAD.PDPTE, VMEXIT.HOST.PDPTE).
    const e = s.cpu.pdpte[index] ?? 0n;
    if ((e & P) === 0n) {
      return pageFault(linear, baseCode, [...decisions, decision('PAGING.NOTPRESENT', '4.4.1', `PDPTE register ${index} (${hex(e)}) is not present translating ${hex(linear)}`),
        decision('PAGING.ERRORCODE', '4.7', `#PF error code ${hex(baseCode)}`)]);
    }
    table = e & mask;
  } else {
    table = mode === '32bit' ? s.cpu.cr3 & 0xffff_f000n : s.cpu.cr3 & mask;
  }
  let userOk = true, writeOk = true, xd = false;
  let pa: bigint | null = null;
  let gpa = 0n;
  for (const level of levelsFor(caps, s, mode)) {
    const at = table + ((linear >> level.shift) & level.indexMask) * BigInt(level.entrySize);
    const t = eptTranslate(caps, s, { gpa: at, kind: 'read', linear, final: false, nmiUnblocking }, decisions);
    if (!t.ok) return after(updates, t);
    updates.push(...t.updates);
    const entry = readPhysical(s.memory, t.pa, level.entrySize);
    if ((entry & P) === 0n) {
      return pageFault(linear, baseCode, [...decisions,
        decision('PAGING.NOTPRESENT', SECTION[mode], `${level.name} ${hex(entry)} at ${hex(at)} is not present translating ${hex(linear)}`),
        decision('PAGING.ERRORCODE', '4.7', `#PF error code ${hex(baseCode)}`)], updates);
    }
    const isLarge = level.large !== undefined && (entry & PS) !== 0n;
    const reserved = entry & (isLarge ? level.large!.reserved : level.reserved);
    if (reserved !== 0n) {
      const code = baseCode | 1 | 8;
      return pageFault(linear, code, [...decisions,
        decision('PAGING.RSVD', SECTION[mode], `${level.name} ${hex(entry)} at ${hex(at)} has reserved bits ${hex(reserved)} set`),
        decision('PAGING.ERRORCODE', '4.7', `#PF error code ${hex(code)}`)], updates);
    }
    userOk &&= (entry & US) !== 0n;
    writeOk &&= (entry & RW) !== 0n;
    xd ||= nxe && (entry & XD) !== 0n;
    used.push({ gpa: at, pa: t.pa, entry, size: level.entrySize });
    if (isLarge || level.last) {
      const size = 1n << level.shift;
      const base = mode === '32bit' && isLarge
        ? (entry & 0xffc0_0000n) | (((entry >> 13n) & 0xffn) << 32n)
        : entry & (mode === '32bit' ? 0xffff_f000n : mask) & ~(size - 1n);
      pa = base | (linear & (size - 1n));
      break;
    }
    table = mode === '32bit' ? entry & 0xffff_f000n : entry & mask;
  }
  gpa = pa ?? 0n;
  const denied = rightsCheck(s, { kind, user, implicit: ctx.mode.implicit, userOk, writeOk, xd, smep });
  if (denied !== null) {
    const code = baseCode | 1;
    return pageFault(linear, code, [...decisions, decision(denied.rule, '4.6.1', `${denied.why} (${hex(linear)})`),
      decision('PAGING.ERRORCODE', '4.7', `#PF error code ${hex(code)}`)], updates);
  }
  // Accessed flags on every entry used, dirty on the one mapping the page (PAGING.ACCESSED); each
  // flag update is a guest-physical write, which EPT may forbid.
  for (const [i, u] of used.entries()) {
    const flags = ((u.entry & ACCESSED) === 0n ? ACCESSED : 0n) | (i === used.length - 1 && kind === 'write' && (u.entry & DIRTY) === 0n ? DIRTY : 0n);
    if (flags === 0n) continue;
    if (!eptAD) {
      const w = eptTranslate(caps, s, { gpa: u.gpa, kind: 'write', linear, final: false, nmiUnblocking }, decisions);
      if (!w.ok) return after(updates, w);
      updates.push(...w.updates);
    }
    updates.push(flagUpdate(u.pa, flags));
  }
  const final = eptTranslate(caps, s, { gpa, kind, linear, final: true, nmiUnblocking }, decisions);
  if (!final.ok) return after(updates, final);
  return { ok: true, pa: final.pa, updates: [...updates, ...final.updates] };
};

interface Rights {
  readonly kind: AccessKind;
  readonly user: boolean;
  readonly implicit: boolean;
  readonly userOk: boolean;
  readonly writeOk: boolean;
  readonly xd: boolean;
  readonly smep: boolean;
}

const rightsCheck = (s: VtxState, r: Rights): { rule: string; why: string } | null => {
  const wp = (s.cpu.cr0 & CR0_WP) !== 0n;
  const smap = (s.cpu.cr4 & CR4_SMAP) !== 0n;
  if (r.user && !r.userOk) return { rule: 'PAGING.USER', why: 'user-mode access to a page with U/S = 0 in some entry' };
  if (r.kind === 'fetch') {
    if (r.xd) return { rule: 'PAGING.NX', why: 'instruction fetch from a page with XD = 1 and IA32_EFER.NXE = 1' };
    if (!r.user && r.smep && r.userOk) return { rule: 'PAGING.SMEP', why: 'supervisor-mode fetch from a user page with CR4.SMEP = 1' };
    return null;
  }
  if (r.kind === 'write' && !r.writeOk && (r.user || wp)) {
    return { rule: 'PAGING.WRITE', why: r.user ? 'user-mode write to a read-only page' : 'supervisor-mode write to a read-only page with CR0.WP = 1' };
  }
  if (!r.user && smap && r.userOk && (r.implicit || (s.cpu.rflags & RFLAGS_AC) === 0n)) {
    return { rule: 'PAGING.SMAP', why: `supervisor-mode ${r.implicit ? 'implicit ' : ''}data access to a user page with CR4.SMAP = 1` };
  }
  return null;
};
