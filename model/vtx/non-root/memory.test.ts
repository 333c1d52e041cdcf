import { describe, expect, it } from 'vitest';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withMemory, withVmcs } from '../../../conformance/vtx/non-root/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readMemory64, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { withControls } from './events/testing.js';
import { linearAddress, readLinear, writeLinear, type Access } from './memory.js';
import { translateAccess } from './paging/access.js';
import type { NonRootResult } from './result.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const base = nonRootBaseline(profile);
const L = GUEST_LAYOUT;
const WB = 6n << 3n;
const P = 1n, RW = 2n, US = 4n, A = 0x20n, D = 0x40n, PS = 0x80n;

const failed = <T>(a: Access<T>): NonRootResult => {
  if (a.ok) throw new Error('expected the access to fail');
  return a.result;
};
const exitOf = (r: NonRootResult) => {
  if (r.observation.kind !== 'vm-exit') throw new Error(`expected a VM exit, got ${r.observation.kind}`);
  return r.observation.exit;
};
/** Guest PDE i (2-MiB page i, identity) with the given flags. */
const guestPde = (s: VtxState, i: number, flags: bigint): VtxState => withMemory(s, [[L.pd + BigInt(8 * i), (BigInt(i) << 21n) | flags | PS]]);

const EPT_PT = 0x13000n;
const EPTP = L.eptPml4 | (3n << 3n) | 6n;
const withEpt = (s: VtxState, accessedDirty = false): VtxState =>
  withVmcs(withControls(s, ['proc2.ENABLE_EPT']), { EPT_POINTER: EPTP | (accessedDirty ? 0x40n : 0n) });
/** The first 2 MiB of guest-physical memory through an EPT page table of 4-KiB pages (RWX, WB), with `pages` overriding entries. */
const splitEpt = (s: VtxState, pages: Readonly<Record<number, bigint>>): VtxState => withMemory(s, [
  [L.eptPd, EPT_PT | 7n],
  ...Array.from({ length: 512 }, (_, i) => [EPT_PT + BigInt(8 * i), pages[i] ?? ((BigInt(i) << 12n) | 7n | WB)] as const),
]);

describe('linear addresses', () => {
  it('PAGING.CANONICAL: in 64-bit mode the DS base is ignored and FS adds its base', () => {
    const s = withCpu(base, { gpr: base.cpu.gpr.map((v, i) => (i === 3 ? 0x1000n : v)), segments: { ...base.cpu.segments, ds: { ...base.cpu.segments.ds, base: 0x5000n }, fs: { ...base.cpu.segments.fs, base: 0x7000n } } });
    expect(linearAddress(s, { base: 3, disp: 8n })).toBe(0x1008n);
    expect(linearAddress(s, { base: 3, disp: 8n, segment: 'fs' })).toBe(0x8008n);
  });

  it('PAGING.CANONICAL: a non-canonical address raises #GP(0)', () => {
    const r = failed(readLinear(caps, base, 0x0000_8000_0000_0000n, 8, []));
    expect(r.observation).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: 0 });
  });

  it('PAGING.ALIGNMENT: a misaligned 4-byte access raises #GP(0)', () => {
    const r = failed(readLinear(caps, base, 0x30002n, 4, []));
    expect(r.observation).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: 0 });
  });
});

describe('guest paging (Vol. 3A ch. 4)', () => {
  it('PAGING.IA32E: a read through the identity map returns the bytes at the physical address', () => {
    const s = withMemory(base, [[0x30000n, 0x1122_3344_5566_7788n]]);
    const r = readLinear(caps, s, 0x30004n, 2, []);
    expect(r.ok && r.value).toBe(0x3344n);
    const w = writeLinear(caps, s, 0x30002n, 2, 0xabcdn, []);
    expect(w.ok && readMemory64(w.value.memory, 0x30000n)).toBe(0x1122_3344_abcd_7788n);
  });

  it('PAGING.NOTPRESENT: a read of an unmapped address faults with error code 0 and CR2 = the address', () => {
    const r = failed(readLinear(caps, base, 0x4000_0000n, 8, []));
    expect(r.observation).toEqual({ kind: 'delivered', vector: 14, type: 'hardware-exception', errorCode: 0 });
    expect(r.state.cpu.cr2).toBe(0x4000_0000n);
  });

  it('PAGING.WRITE: a supervisor write to a read-only page faults (P|W) only with CR0.WP = 1', () => {
    const ro = guestPde(base, 2, P | US);
    const r = failed(writeLinear(caps, withCpu(ro, { cr0: ro.cpu.cr0 | (1n << 16n) }), 0x50_0000n, 8, 1n, []));
    expect(r.observation).toEqual({ kind: 'delivered', vector: 14, type: 'hardware-exception', errorCode: 3 });
    expect(writeLinear(caps, ro, 0x50_0000n, 8, 1n, []).ok).toBe(true);
  });

  it('PAGING.USER: a CPL-3 read of a supervisor page faults with P|U', () => {
    const s = withCpu(guestPde(base, 2, P | RW), { cpl: 3 });
    const r = failed(readLinear(caps, s, 0x50_0000n, 8, []));
    expect(r.observation).toMatchObject({ kind: 'delivered', vector: 14, errorCode: 5 });
    // Implicit supervisor accesses (GDT, IDT, TSS) are not user-mode accesses.
    expect(readLinear(caps, s, 0x50_0000n, 8, [], { implicitSupervisor: true }).ok).toBe(true);
  });

  it('PAGING.RSVD: a reserved address bit beyond MAXPHYADDR faults with P|RSVD', () => {
    const s = withMemory(base, [[L.pd + 16n, (1n << 45n) | (2n << 21n) | P | RW | US | PS]]);
    expect(failed(readLinear(caps, s, 0x40_0000n, 8, [])).observation).toMatchObject({ vector: 14, errorCode: 9 });
  });

  it('PAGING.NX: with IA32_EFER.NXE = 1 a fetch from an XD page faults with P|I', () => {
    const s = guestPde(base, 2, P | RW | US | (1n << 63n));
    const t = translateAccess(caps, s, 0x50_0000n, 1, { kind: 'fetch', mode: { user: false, implicit: false }, nmiUnblocking: false }, []);
    expect(t.ok).toBe(false);
    expect(!t.ok && t.failure.kind === 'exception' && t.failure.errorCode).toBe(0x11);
  });

  /** The baseline's walk for 0x400000–0x5FFFFF with accessed and dirty flags clear. */
  const fresh = withMemory(base, [[L.pml4, L.pdpt | P | RW | US], [L.pdpt, L.pd | P | RW | US], [L.pd + 16n, (2n << 21n) | P | RW | US | PS]]);

  it('PAGING.ACCESSED: the walk sets accessed flags, a write also the dirty flag of the page', () => {
    const r = readLinear(caps, fresh, 0x50_0000n, 8, []);
    expect(r.ok).toBe(true);
    const after = r.ok ? r.state : fresh;
    expect(readMemory64(after.memory, L.pml4) & A).toBe(A);
    expect(readMemory64(after.memory, L.pd + 16n) & (A | D)).toBe(A);
    const w = writeLinear(caps, after, 0x50_0000n, 8, 5n, []);
    expect(w.ok && readMemory64(w.value.memory, L.pd + 16n) & (A | D)).toBe(A | D);
  });

  it('PAGING.32BIT: 32-bit paging with a 4-MiB page (CR4.PSE = 1)', () => {
    const s = withMemory(withCpu(base, { cr4: 0x2010n, efer: 0n, csL: false, cr3: 0x30000n }), [
      [0x30000n + 4n * 1n, (0x80_0000n | P | RW | PS) << 32n],
      [0x80_0010n, 0x77n],
    ]);
    const r = readLinear(caps, s, 0x40_0010n, 4, []);
    expect(r.ok && r.value).toBe(0x77n);
  });

  it('PAGING.PAE: PAE paging through PDPTE register 0 and a 2-MiB page', () => {
    const s = withMemory(withCpu(base, { efer: 0n, csL: false, cr3: 0x31000n, pdpte: [0x32000n | P, 0n, 0n, 0n] }), [
      [0x32000n + 16n, 0xa0_0000n | P | RW | PS],
      [0xa0_0008n, 0x99n],
    ]);
    const r = readLinear(caps, s, 0x40_0008n, 8, []);
    expect(r.ok && r.value).toBe(0x99n);
  });

  it('PAGING.PAE: the walk uses the PDPTE registers, not the table in memory they were loaded from', () => {
    // The table at CR3 now says "not present"; the register still maps the page.
    const s = withMemory(withCpu(base, { efer: 0n, csL: false, cr3: 0x31000n, pdpte: [0x32000n | P, 0n, 0n, 0n] }), [
      [0x31000n, 0n],
      [0x32000n + 16n, 0xa0_0000n | P | RW | PS],
      [0xa0_0008n, 0x99n],
    ]);
    expect(readLinear(caps, s, 0x40_0008n, 8, []).ok).toBe(true);
    // And a register that is not present faults though the table in memory is present.
    const t = translateAccess(caps, withCpu(s, { pdpte: [0n, 0n, 0n, 0n] }), 0x40_0008n, 8, { kind: 'read', mode: { user: false, implicit: false }, nmiUnblocking: false }, []);
    expect(t.ok ? null : t.failure).toMatchObject({ kind: 'exception', vector: 14, errorCode: 0, pageFaultAddress: 0x40_0008n });
  });
});

describe('EPT (§28.2)', () => {
  it('EXIT.EPT.VIOLATION: exits: a write to a page EPT maps read-only, with qualification, guest-linear and guest-physical address', () => {
    const s = splitEpt(withEpt(base), { 0x30: 0x30000n | 1n | WB });
    const e = exitOf(failed(writeLinear(caps, s, 0x30008n, 8, 1n, [])));
    expect(e.reason).toBe(48);
    expect(e.qualification).toBe(0x18an); // write, R allowed, linear valid, final translation
    expect(e.guestLinearAddress).toBe(0x30008n);
    expect(e.guestPhysicalAddress).toBe(0x30008n);
    expect(e.idtVectoringInfo).toBe(0);
  });

  it('EXIT.EPT.VIOLATION: does not exit: a read of the same read-only page', () => {
    const s = withMemory(splitEpt(withEpt(base), { 0x30: 0x30000n | 1n | WB }), [[0x30008n, 42n]]);
    const r = readLinear(caps, s, 0x30008n, 8, []);
    expect(r.ok && r.value).toBe(42n);
  });

  it('EXIT.EPT.VIOLATION: exits: a guest paging-structure read through a not-present EPT entry has qualification bit 8 = 0', () => {
    const s = splitEpt(withEpt(base), { 0x6: 0n });
    const e = exitOf(failed(readLinear(caps, s, 0x50_0000n, 8, [])));
    expect(e.qualification).toBe(0x81n);
    expect(e.guestPhysicalAddress).toBe(L.pd + 16n);
    expect(e.guestLinearAddress).toBe(0x50_0000n);
  });

  it('EPT.GUEST.PAGING: setting a guest accessed flag is a write: an EPT read-only page table exits on it', () => {
    const s = splitEpt(withEpt(guestPde(base, 2, P | RW | US)), { 0x6: 0x6000n | 1n | WB });
    const e = exitOf(failed(readLinear(caps, s, 0x50_0000n, 8, [])));
    expect(e.qualification).toBe(0x8an);
    expect(e.guestPhysicalAddress).toBe(L.pd + 16n);
  });

  it('EXIT.EPT.MISCONFIG: exits: an EPT entry with write but no read access; only the guest-physical address is reported', () => {
    const s = splitEpt(withEpt(base), { 0x30: 0x30000n | 2n | WB });
    const e = exitOf(failed(readLinear(caps, s, 0x30010n, 8, [])));
    expect(e.reason).toBe(49);
    expect(e.qualification).toBe(0n);
    expect(e.guestPhysicalAddress).toBe(0x30010n);
    expect(e.guestLinearAddress).toBeNull();
  });

  it('EXIT.EPT.MISCONFIG: does not exit: a readable, writable entry with memory type WB', () => {
    expect(readLinear(caps, splitEpt(withEpt(base), {}), 0x30010n, 8, []).ok).toBe(true);
  });

  it('EPT.PRIORITY: a reserved memory type in the leaf is a misconfiguration even where the access is also forbidden', () => {
    const s = splitEpt(withEpt(base), { 0x30: 0x30000n | 1n | (7n << 3n) });
    expect(exitOf(failed(writeLinear(caps, s, 0x30010n, 8, 0n, []))).reason).toBe(49);
  });

  it('EXIT.EPT.VIOLATION.AD: exits: with EPTP[6] = 1 a guest page-table read from an EPT read-only page counts as a write', () => {
    // Guest entries already accessed, so only the EPT A/D rule can make the walk a write.
    const accessed = withMemory(base, [[L.pml4, L.pdpt | P | RW | US | A], [L.pdpt, L.pd | P | RW | US | A], [L.pd + 16n, (2n << 21n) | P | RW | US | PS | A]]);
    const s = splitEpt(withEpt(accessed, true), { 0x6: 0x6000n | 1n | WB });
    const e = exitOf(failed(readLinear(caps, s, 0x50_0000n, 8, [])));
    expect(e.reason).toBe(48);
    expect(e.qualification).toBe(0x8bn); // read and write, R allowed, linear valid, paging-structure access
    expect(e.guestPhysicalAddress).toBe(L.pd + 16n);
  });

  it('EXIT.EPT.VIOLATION.AD: does not exit: the same walk with EPTP[6] = 0 only reads the page table', () => {
    const accessed = withMemory(base, [[L.pml4, L.pdpt | P | RW | US | A], [L.pdpt, L.pd | P | RW | US | A], [L.pd + 16n, (2n << 21n) | P | RW | US | PS | A]]);
    const s = splitEpt(withEpt(accessed, false), { 0x6: 0x6000n | 1n | WB });
    expect(readLinear(caps, s, 0x50_0000n, 8, []).ok).toBe(true);
  });

  it('EPT.ACCESSED: with EPTP[6] = 1 the walk sets EPT accessed flags, and a write the dirty flag of the leaf', () => {
    const s = splitEpt(withEpt(base, true), {});
    const w = writeLinear(caps, s, 0x30000n, 8, 1n, []);
    expect(w.ok).toBe(true);
    const m = w.ok ? w.value.memory : base.memory;
    expect(readMemory64(m, EPT_PT + 0x30n * 8n) & 0x300n).toBe(0x300n);
    expect(readMemory64(m, L.eptPd) & 0x300n).toBe(0x100n);
    expect(readMemory64(m, L.eptPml4) & 0x100n).toBe(0x100n);
  });
});
