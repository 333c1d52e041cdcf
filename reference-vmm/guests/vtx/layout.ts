/**
 * The standard guest machine of the VT-x guests: a 64-bit kernel in IA-32e mode at CPL 0 with its own
 * page tables, GDT, IDT and TSS in guest-physical memory below 16 MiB — what a small OS kernel has set
 * up when it starts running its code. Every hand-written guest and the generated programs of the
 * equivalence property start here and add their code and data.
 *
 * Guest-physical memory:
 * 0x1000 PML4 · 0x2000 PDPT · 0x3000 PD (entry 0 → the PT below; entries 1–7: 2-MiB pages, identity)
 * · 0x4000 PT (the first 2 MiB in 4-KiB pages, identity) · 0x5000 GDT · 0x6000 IDT (256 64-bit
 * interrupt gates to HANDLERS + 16·v; DPL 3 for 3, 4, 0x80) · 0x7000 64-bit TSS (RSP0 = 0x20000) ·
 * 0x8000 second PML4 (a copy of the first: the page-table guest switches between them) · stacks
 * below 0x18000 (kernel) and 0x1C000 (user) · 0x20000 top of the ring-0 stack · data from 0x30000.
 * Code (not in memory): 0x400000 onwards; interrupt handlers at 0x100000 + 16·v; SYSENTER entry at
 * 0x200000.
 */
import { MSR, type CpuRegisters, type SegmentRegister } from '../../../spec/vtx/state.js';
import { flatDescriptor, interruptGate64, tssDescriptor64 } from '../../../spec/x86/descriptors.js';
import type { GuestInitialState } from './program.js';

export const LAYOUT = {
  pml4: 0x1000n, pdpt: 0x2000n, pd: 0x3000n, pt: 0x4000n,
  gdt: 0x5000n, gdtLimit: 0x4f,
  idt: 0x6000n, idtLimit: 0xfff,
  tss: 0x7000n,
  pml4b: 0x8000n,
  kernelStack: 0x18000n, userStack: 0x1c000n, rsp0: 0x20000n,
  data: 0x30000n,
  code: 0x40_0000n,
  handlers: 0x10_0000n,
  sysenterEntry: 0x20_0000n,
} as const;

export const SELECTORS = { kernelCode: 0x08, kernelData: 0x10, tss: 0x18, userCode: 0x2b, userData: 0x33 } as const;

/** The handler address of vector `v`. */
export const handlerOf = (v: number): bigint => LAYOUT.handlers + BigInt(16 * v);

const P = 1n, RW = 2n, US = 4n, A = 1n << 5n, D = 1n << 6n, PS = 1n << 7n;
/** Present, writable, user, accessed and dirty: ordinary accesses then write no paging structure. */
export const PTE_FLAGS = P | RW | US | A | D;



const USER_VECTORS = new Set([3, 4, 0x80]);

/** The PTE of the 4-KiB identity page `page` (index in the first 2 MiB). */
export const identityPte = (page: number): bigint => (BigInt(page) << 12n) | PTE_FLAGS;

export const standardMemory = (): Map<bigint, bigint> => {
  const L = LAYOUT;
  const m = new Map<bigint, bigint>();
  m.set(L.pml4, L.pdpt | P | RW | US | A);
  m.set(L.pml4b, L.pdpt | P | RW | US | A);
  m.set(L.pdpt, L.pd | P | RW | US | A);
  m.set(L.pd, L.pt | P | RW | US | A);
  for (let i = 1; i < 8; i++) m.set(L.pd + BigInt(8 * i), (BigInt(i) << 21n) | PTE_FLAGS | PS);
  for (let i = 0; i < 512; i++) m.set(L.pt + BigInt(8 * i), identityPte(i));
  const gdt: [number, bigint][] = [
    [SELECTORS.kernelCode, flatDescriptor(0xb, 0, true, false)],
    [SELECTORS.kernelData, flatDescriptor(0x3, 0, false, true)],
    // SYSEXIT to 64-bit code loads CS = SYSENTER_CS + 32 and SS = SYSENTER_CS + 40 (Vol. 2B SYSEXIT).
    [SELECTORS.userCode & ~3, flatDescriptor(0xb, 3, true, false)],
    [SELECTORS.userData & ~3, flatDescriptor(0x3, 3, false, true)],
  ];
  for (const [sel, d] of gdt) m.set(L.gdt + BigInt(sel), d);
  const [tssLo, tssHi] = tssDescriptor64(L.tss, 0x67n, 11);
  m.set(L.gdt + BigInt(SELECTORS.tss), tssLo);
  m.set(L.gdt + BigInt(SELECTORS.tss) + 8n, tssHi);
  for (let v = 0; v < 256; v++) {
    const [lo, hi] = interruptGate64(handlerOf(v), SELECTORS.kernelCode, USER_VECTORS.has(v) ? 3 : 0);
    m.set(L.idt + BigInt(16 * v), lo);
    m.set(L.idt + BigInt(16 * v) + 8n, hi);
  }
  m.set(L.tss, (L.rsp0 & 0xffff_ffffn) << 32n);
  m.set(L.tss + 8n, L.rsp0 >> 32n);
  m.set(L.tss + 0x60n, 0x68n << 48n);
  return m;
};

const seg = (selector: number, accessRights: number, limit = 0xffff_ffff): SegmentRegister => ({ selector, base: 0n, limit, accessRights });

/** CR0: PE, MP, ET, NE, WP, PG. CR4: PAE, OSFXSR, OSXMMEXCPT. EFER: SCE, LME, LMA, NXE. */
export const standardCpu = (): CpuRegisters => ({
  cr0: 0x8005_0033n,
  cr3: LAYOUT.pml4,
  cr4: 0x620n,
  dr7: 0x400n,
  rsp: LAYOUT.kernelStack,
  rip: LAYOUT.code,
  rflags: 0x2n,
  efer: 0xd01n,
  cpl: 0,
  csL: true,
  inSmm: false,
  inSmx: false,
  a20m: false,
  blockingByMovSs: false,
  msrs: new Map([
    [MSR.IA32_FEATURE_CONTROL, 0x5n],
    [MSR.IA32_SYSENTER_CS, BigInt(SELECTORS.kernelCode)],
    [MSR.IA32_SYSENTER_ESP, LAYOUT.kernelStack],
    [MSR.IA32_SYSENTER_EIP, LAYOUT.sysenterEntry],
    [MSR.IA32_PAT, 0x0007_0406_0007_0406n],
    [MSR.IA32_DEBUGCTL, 0n],
  ]),
  gpr: new Array<bigint>(16).fill(0n),
  cr2: 0n,
  cr8: 0n,
  dr: [0n, 0n, 0n, 0n],
  dr6: 0xffff_0ff0n,
  segments: {
    es: seg(SELECTORS.kernelData, 0xc093), cs: seg(SELECTORS.kernelCode, 0xa09b), ss: seg(SELECTORS.kernelData, 0xc093),
    ds: seg(SELECTORS.kernelData, 0xc093), fs: seg(SELECTORS.kernelData, 0xc093), gs: seg(SELECTORS.kernelData, 0xc093),
    ldtr: { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 },
    tr: { selector: SELECTORS.tss, base: LAYOUT.tss, limit: 0x67, accessRights: 0x8b },
  },
  gdtr: { base: LAYOUT.gdt, limit: LAYOUT.gdtLimit },
  idtr: { base: LAYOUT.idt, limit: LAYOUT.idtLimit },
  blockingBySti: false,
  blockingBySmi: false,
  blockingByNmi: false,
  activity: 'active',
  pendingDebug: 0n,
  tsc: 0n,
  pdpte: [0n, 0n, 0n, 0n],
  pending: { extint: null, nmi: false, init: false, sipi: null },
});

/** The standard machine, with `cpu` registers and memory words changed. */
export const standardGuest = (cpu: Partial<CpuRegisters> = {}, words: Iterable<readonly [bigint, bigint]> = []): GuestInitialState => {
  const memory = standardMemory();
  for (const [a, v] of words) memory.set(a & ~7n, v);
  return { cpu: { ...standardCpu(), ...cpu }, memory };
};
