/**
 * Guest programs for the paper's properties (conformance/paper/challenges.test.ts and
 * equivalence.test.ts): the starting guests, the instruction mixes, and how a generated program
 * becomes a program each VMM and a native run can execute.
 *
 * A program is a list of steps — guest instructions and, where the mix has them, events from the
 * outside world — placed one after the other at the guest kernel's entry point. It runs until the
 * guest leaves its code (a fault or interrupt sends it to a vector where no handler is placed: the
 * final state then shows what the guest's handler would have seen) or has retired a bounded number
 * of instructions (a branch may loop).
 *
 * Each challenge has its own mix: the instructions the paper names for it and their siblings, among
 * ordinary computation, with the guest the challenge's row starts in (spec/paper/challenges.ts).
 * Operands come from short lists (`one`), and the mixes are `oneof` with cross-shrinking (`mix`), so
 * a failing program shrinks towards shorter programs, towards the first kind of its mix and towards
 * earlier operands — as long as the program still fails. The lists are ordered so that this ends at
 * the paper's example where that is a minimal failure: the paper's instruction first, the plain
 * operands (the first address and value registers, the guest's own data) first; siblings that fail
 * the same way share their operands (`access`), so that one can shrink into the other. The challenge
 * tests check where the shrinking ends; the order only decides which of several equally minimal
 * programs is reported.
 *
 * The programs of the equivalence property draw on every instruction and event kind instead
 * (`vtxEquivalencePrograms`, `vtiEquivalencePrograms`).
 */
import fc from 'fast-check';
import { VTI_GUEST, VTI_VMM_IVT, VTX_BASELINE_VMM_AREA, VTX_GUEST, VTX_GUEST_DS_DESCRIPTOR_HIGH } from '../../spec/paper/layout.js';
import type { NonRootInput } from '../../spec/vtx/guest/events.js';
import type { GuestInstruction } from '../../spec/vtx/guest/instructions.js';
import { instructionLength } from '../../spec/vtx/guest/length.js';
import { MSR, type CpuRegisters } from '../../spec/vtx/state.js';
import { standardCpu } from '../../reference-vmm/guests/vtx/layout.js';
import type { GuestInitialState, ScheduledEvent as VtxScheduledEvent, VtxGuestProgram } from '../../reference-vmm/guests/vtx/program.js';
import type { VtiEvent, VtiStepInput } from '../../spec/vti/machine/events.js';
import { initialVtiState, PSR } from '../../spec/vti/machine/initial.js';
import { AR, type VtiInstruction } from '../../spec/vti/machine/instructions.js';
import type { VtiProfile } from '../../spec/vti/machine/profile.js';
import type { VtiState } from '../../spec/vti/machine/state.js';
import type { GuestProgram, ScheduledEvent } from '../../reference-vmm/vmm/vti/program.js';
import { slotAddress } from '../../reference-vmm/vmm/vti/program.js';

// =============================================================================================
// VT-i

/** The VT-i guest kernel's memory map (region 0; implemented for guest and VMM alike). */
export const VTI_KERNEL = {
  entry: VTI_GUEST.ip,
  /** Its IVT: a fault or interrupt ends the program at IVA + vector. */
  iva: 0x0000_0000_0001_0000n,
  /** Its data: a word it owns. */
  data: 0x0000_0000_0020_0000n,
  /** Its VHPT: short format, 32 KiB at 1 MiB, walker on — not where any VMM keeps its own. */
  pta: 0x0000_0000_0010_0000n | (15n << 2n) | 1n,
  /** Region register 0: rid 0x123, 16 KiB pages, walker on. */
  rr0: (0x123n << 8n) | (14n << 2n) | 1n,
} as const;

/** Where a generated VT-i guest starts. */
export interface VtiStart {
  /**
   * 'kernel': the guest OS at level 0 with interruption collection on and interrupts enabled.
   * 'handler': the guest OS in an interruption handler: PSR.ic = 0, PSR.i = 0, its frame not yet
   * loaded (CFLE = 0), the interruption registers describing a break in the kernel.
   */
  readonly context: 'kernel' | 'handler';
}

const KERNEL_PSR = PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.bn;

/** The guest's state at its first instruction, in its own terms (PSR.vm = 0), on `profile`. */
export const vtiGuestState = (start: VtiStart) => (profile: VtiProfile): VtiState => {
  const s = initialVtiState(profile);
  const cr = new Map(s.cr);
  cr.set(2, VTI_KERNEL.iva);
  cr.set(8, VTI_KERNEL.pta);
  cr.set(66, 0n);
  const rr = [...s.rr];
  rr[0] = VTI_KERNEL.rr0;
  const base: VtiState = {
    ...s,
    psr: KERNEL_PSR,
    ip: VTI_KERNEL.entry,
    lastIp: VTI_KERNEL.entry - 0x10n,
    cr,
    rr,
    rse: { ...s.rse, cfm: { sof: 16, sol: 8 } },
    memory: new Map([[VTI_KERNEL.data, 0x1234_5678n], [VTI_KERNEL.data + 8n, 7n]]),
  };
  if (start.context === 'kernel') return base;
  const handler = new Map(cr);
  handler.set(16, KERNEL_PSR | (1n << 41n));
  handler.set(17, 1n << 41n);
  handler.set(19, VTI_KERNEL.entry + 0x100n);
  handler.set(22, VTI_KERNEL.entry + 0xf0n);
  handler.set(24, 0x42n);
  return {
    ...base,
    psr: KERNEL_PSR & ~(PSR.ic | PSR.i),
    cr: handler,
    rse: { ...base.rse, cfle: false },
  };
};

/**
 * The program `steps` stands for: instructions at consecutive slots from the kernel's entry, each
 * event delivered once the instructions before it have retired, at most three times as many
 * instructions retired as the program has (branches may loop).
 */
export const vtiProgram = (steps: readonly VtiStepInput[], start: VtiStart): GuestProgram => {
  const code = new Map<bigint, VtiInstruction>();
  const events: ScheduledEvent[] = [];
  let n = 0;
  for (const s of steps) {
    if (s.kind === 'instruction') {
      code.set(slotAddress(VTI_KERNEL.entry + 16n * BigInt(Math.floor(n / 3)), n % 3), s.instruction);
      n++;
    } else if (s.kind === 'event') {
      events.push({ after: n, event: s.event });
    }
  }
  return {
    name: 'generated', description: 'a generated guest program', code, events,
    initial: vtiGuestState(start), maxInstructions: 3 * n + 3,
  };
};

const ins = (a: fc.Arbitrary<VtiInstruction>): fc.Arbitrary<VtiStepInput> => a.map((instruction) => ({ kind: 'instruction' as const, instruction }));
const ev = (a: fc.Arbitrary<VtiEvent>): fc.Arbitrary<VtiStepInput> => a.map((event) => ({ kind: 'event' as const, event }));
const op = <const O extends string>(o: O) => fc.constant(o);
/**
 * One of `xs`, shrinking towards the earlier ones step by step (fc.constantFrom shrinks only to the
 * first, so a value that fails with the third but not the first would stay where it was).
 */
const one = <T>(...xs: readonly T[]): fc.Arbitrary<T> => fc.nat({ max: xs.length - 1 }).map((i) => xs[i] as T);
/** A mix: its first kind first; a failing program shrinks towards it (cross-shrinking). */
const mix = <T>(...arbs: (fc.Arbitrary<T> | fc.WeightedArbitrary<T>)[]): fc.Arbitrary<T> => fc.oneof({ withCrossShrink: true }, ...arbs);

/** Register conventions of the mixes: r2, r3 hold addresses; r8-r11 receive values. */
const ADDR = one(2, 3);
const VAL = one(8, 9, 10, 11);
const SRC = one(0, 2, 3, 8, 9);

const vtiAdd = fc.record({ op: op('add'), r1: VAL, r2: SRC, r3: SRC });
const vtiMovImm = (imms: readonly bigint[]) => fc.record({ op: op('mov-imm'), r1: one(2, 3, 8, 9), imm: one(...imms) });
const vtiNop = fc.constant({ op: 'nop' } as const);
const vtiLoad = fc.record({ op: op('ld8'), r1: VAL, r3: ADDR });
const vtiStore = fc.record({ op: op('st8'), r3: ADDR, r2: SRC });
const KERNEL_VALUES = [VTI_KERNEL.data, VTI_KERNEL.data + 8n, 8n, 0x40n] as const;

/** Ordinary computation on the kernel's own data: what every mix runs among its sensitive instructions. */
const vtiOrdinary: fc.Arbitrary<VtiInstruction>[] = [vtiAdd, vtiMovImm(KERNEL_VALUES), vtiNop, vtiLoad, vtiStore];

const vtiPrograms = (step: fc.Arbitrary<VtiStepInput>): fc.Arbitrary<VtiStepInput[]> => fc.array(step, { maxLength: 6 });

const INTERRUPTION_CRS = [19, 16, 17, 20, 21, 22, 23, 24, 25] as const;

/** The VT-i mixes of the challenges the paper states for Itanium, with the guest each starts in. */
export const VTI_CHALLENGE_MIXES = {
  /** br.call, alloc, cover and AR.PFS reads: the register-stack instructions that record or reveal the level. */
  'PAPER.CHALLENGE.RING-ALIASING': {
    start: { context: 'kernel' },
    programs: vtiPrograms(ins(mix<VtiInstruction>(
      fc.record({ op: op('br-call'), b1: one(0, 1), target: one(VTI_KERNEL.entry + 0x10n, VTI_KERNEL.entry + 0x20n) }),
      fc.record({ op: op('alloc'), r1: VAL, sof: one(16, 12), sol: one(8, 4) }),
      fc.record({ op: op('mov-from-ar'), r1: VAL, ar: one(AR.pfs, AR.ec) }),
      fc.constant({ op: 'cover' } as const),
      ...vtiOrdinary,
    ))),
  },
  /** Loads and stores at addresses put in registers: the kernel's data, and the top of region 7 a VMM takes. */
  'PAPER.CHALLENGE.ADDRESS-SPACE-COMPRESSION': {
    start: { context: 'kernel' },
    // One address register, so that a load and the move that gave it its address shrink together.
    programs: vtiPrograms(ins(mix<VtiInstruction>(
      fc.record({ op: op('mov-imm'), r1: one(2), imm: one(VTI_KERNEL.data, VTI_KERNEL.data + 8n, VTI_VMM_IVT, VTI_VMM_IVT + 8n, VTI_VMM_IVT + 0x5400n) }),
      mix<VtiInstruction>(fc.record({ op: op('ld8'), r1: VAL, r3: one(2) }), fc.record({ op: op('st8'), r3: one(2), r2: SRC })),
      vtiAdd, vtiNop,
    ))),
  },
  /** thash and its unprivileged siblings that read translation or processor state. */
  'PAPER.CHALLENGE.NONFAULTING-ACCESS': {
    start: { context: 'kernel' },
    programs: vtiPrograms(ins(mix<VtiInstruction>(
      fc.record({ op: op('thash'), r1: VAL, r3: one(0, 2, 3) }),
      fc.record({ op: op('ttag'), r1: VAL, r3: one(0, 2, 3) }),
      fc.record({ op: op('mov-from-psr-um'), r1: VAL }),
      fc.record({ op: op('mov-from-cpuid'), r1: VAL, r3: one(0) }),
      ...vtiOrdinary,
    ))),
  },
  /** Reads of the PSR (PSR.i with it), among computation: each is an entry for a trap-and-emulate VMM. */
  'PAPER.CHALLENGE.INTERRUPT-VIRTUALIZATION': {
    start: { context: 'kernel' },
    programs: vtiPrograms(ins(mix<VtiInstruction>(fc.record({ op: op('mov-from-psr'), r1: VAL }), fc.record({ op: op('mov-from-psr-um'), r1: VAL }), ...vtiOrdinary))),
  },
  /** External interrupts arriving while the guest is in a handler that reads its interruption registers. */
  'PAPER.CHALLENGE.HIDDEN-STATE': {
    start: { context: 'handler' },
    programs: vtiPrograms(mix<VtiStepInput>(
      ev(fc.record({ kind: op('external-interrupt'), vector: one(0x30, 0x40, 0xe0) })),
      ins(mix<VtiInstruction>(fc.record({ op: op('mov-from-cr'), r1: VAL, cr: one(...INTERRUPTION_CRS) }), ...vtiOrdinary)),
    )),
  },
  /** An interruption handler reading its interruption-control registers, as every handler does first. */
  'PAPER.CHALLENGE.FREQUENT-ACCESS': {
    start: { context: 'handler' },
    programs: vtiPrograms(ins(mix<VtiInstruction>(fc.record({ op: op('mov-from-cr'), r1: VAL, cr: one(...INTERRUPTION_CRS) }), ...vtiOrdinary))),
  },
} as const satisfies Record<string, { readonly start: VtiStart; readonly programs: fc.Arbitrary<VtiStepInput[]> }>;

// ---------------------------------------------------------------------------------------------
// VT-i: programs for virtualization equivalence (every kind of instruction and event)

const ANY_REG = one(8, 9, 2, 3, 16, 17, 32, 33);
const VTI_VALUES = [
  VTI_KERNEL.data, VTI_KERNEL.data + 8n, 0n, 8n, 0x40n, VTI_KERNEL.data + 3n, VTI_KERNEL.entry + 0x10n,
  // Addresses a guest cannot use: the VMM's half of region 7, and an unimplemented one.
  VTI_VMM_IVT, 0x0010_0000_0000_0000n,
  // A region register, a PTE, a PSR-like value, a TPR value.
  (0x42n << 8n) | (13n << 2n) | 1n, 0x0000_0000_0020_0661n, PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.bn, 0x10n, 0xe0n,
] as const;
const PSR_SM_BITS = [PSR.i, PSR.ic, PSR.dt, PSR.be, PSR.up, PSR.ac, PSR.pk, PSR.mfl].map(Number);
const imm24 = fc.subarray(PSR_SM_BITS, { minLength: 1, maxLength: 2 }).map((bs) => bs.reduce((a, b) => a | b, 0));
const CRS = [0, 1, 2, 8, 16, 17, 19, 20, 21, 22, 23, 24, 25, 64, 65, 66, 67, 68, 72] as const;
const FILES = ['rr', 'pkr', 'pmd', 'ibr', 'dbr', 'pmc'] as const;
const ARS = [AR.pfs, AR.itc, AR.k0, AR.ec, AR.lc] as const;
const TARGETS = [VTI_KERNEL.entry + 0x10n, VTI_KERNEL.entry + 0x20n, VTI_KERNEL.entry] as const;

const vtiAnyInstruction: fc.Arbitrary<VtiInstruction> = fc.oneof(
  { arbitrary: fc.record({ op: op('mov-imm'), r1: ANY_REG, imm: one(...VTI_VALUES) }), weight: 6 },
  fc.record({ op: op('add'), r1: ANY_REG, r2: ANY_REG, r3: ANY_REG }),
  fc.record({ op: op('cmp'), relation: one('eq' as const, 'ne' as const, 'lt' as const, 'ltu' as const), p1: one(1, 6), p2: one(2, 7), r2: ANY_REG, r3: ANY_REG }),
  fc.record({ op: op('ld8'), r1: ANY_REG, r3: ANY_REG }),
  fc.record({ op: op('st8'), r3: ANY_REG, r2: ANY_REG }),
  fc.constant({ op: 'nop' } as const),
  fc.record({ op: op('break'), imm21: one(0, 0x42) }),
  fc.record({ op: op('br-call'), b1: one(0, 1), target: one(...TARGETS) }),
  fc.record({ op: op('br-ret'), b2: one(0, 1) }),
  fc.record({ op: op('br-cond'), qp: one(0, 1, 6), target: one(...TARGETS) }),
  fc.record({ op: op('alloc'), r1: one(8, 33), sof: one(16, 4), sol: one(8, 2) }),
  fc.record({ op: op('mov-to-br'), b1: one(0, 1), r2: ANY_REG }),
  fc.record({ op: op('mov-from-br'), r1: ANY_REG, b2: one(0, 1) }),
  fc.record({ op: op('mov-from-psr'), r1: ANY_REG }),
  fc.record({ op: op('mov-from-psr-um'), r1: ANY_REG }),
  fc.record({ op: op('mov-to-psr-um'), r2: ANY_REG }),
  fc.record({ op: op('mov-to-psr-l'), r2: ANY_REG }),
  fc.record({ op: one('ssm' as const, 'rsm' as const), imm24 }),
  { arbitrary: fc.record({ op: op('mov-from-cr'), r1: ANY_REG, cr: one(...CRS) }), weight: 3 },
  { arbitrary: fc.record({ op: op('mov-to-cr'), cr: one(...CRS), r2: ANY_REG }), weight: 2 },
  fc.constant({ op: 'rfi' } as const),
  fc.record({ op: op('bsw'), bank: one(0 as const, 1 as const) }),
  fc.constant({ op: 'cover' } as const),
  fc.record({ op: one('thash' as const, 'ttag' as const, 'tpa' as const, 'tak' as const), r1: ANY_REG, r3: ANY_REG }),
  fc.record({ op: op('itc'), side: one('d' as const, 'i' as const), r2: ANY_REG }),
  fc.record({ op: op('itr'), side: one('d' as const, 'i' as const), r3: one(0, 8), r2: ANY_REG }),
  fc.record({ op: op('ptc'), scope: one('l' as const, 'g' as const), r3: ANY_REG, r2: ANY_REG }),
  fc.record({ op: op('ptc-e'), r3: ANY_REG }),
  fc.record({ op: op('probe'), access: one('r' as const, 'w' as const), r1: ANY_REG, r3: ANY_REG, r2: ANY_REG }),
  fc.record({ op: op('mov-to-ind'), file: one(...FILES), r3: ANY_REG, r2: ANY_REG }),
  fc.record({ op: op('mov-from-ind'), file: one(...FILES), r1: ANY_REG, r3: ANY_REG }),
  fc.record({ op: op('mov-from-ar'), r1: ANY_REG, ar: one(...ARS) }),
  fc.record({ op: op('mov-to-ar'), ar: one(AR.k0, AR.itc, AR.lc), r2: ANY_REG }),
  fc.record({ op: op('mov-from-cpuid'), r1: ANY_REG, r3: one(0, 8) }),
);

const vtiAnyEvent: fc.Arbitrary<VtiEvent> = fc.oneof(
  fc.record({ kind: op('external-interrupt'), vector: one(0x30, 0x40, 0xe0, 0x20, 2) }),
  fc.constant({ kind: 'timer' } as const),
  fc.record({ kind: op('clock'), cycles: one(10n, 1000n) }),
);

/** Generated VT-i guest programs: a start and up to 12 steps of every kind. */
export const vtiEquivalencePrograms: fc.Arbitrary<{ readonly start: VtiStart; readonly steps: VtiStepInput[] }> = fc.record({
  start: fc.record({ context: fc.constantFrom<VtiStart['context']>('kernel', 'kernel', 'handler') }),
  steps: fc.array(fc.oneof({ arbitrary: ins(vtiAnyInstruction), weight: 6 }, { arbitrary: ev(vtiAnyEvent), weight: 1 }), { maxLength: 12, size: 'medium' }),
});

// =============================================================================================
// VT-x

/** Descriptors: 32-bit code, 64-bit code, data (all accessed, 4 GiB, present), at `dpl`. */
const DESC = {
  code32: (dpl: number) => 0x00cf_9b00_0000_ffffn | (BigInt(dpl) << 45n),
  code64: (dpl: number) => 0x00af_9b00_0000_ffffn | (BigInt(dpl) << 45n),
  data: (dpl: number) => 0x00cf_9300_0000_ffffn | (BigInt(dpl) << 45n),
} as const;
const tssDescriptor = (base: bigint): bigint => 0x67n | ((base & 0xff_ffffn) << 16n) | (0x8bn << 40n) | (((base >> 24n) & 0xffn) << 56n);

const put = (m: Map<bigint, bigint>, address: bigint, bytes: number, value: bigint): void => {
  for (let i = 0; i < bytes; i++) {
    const a = address + BigInt(i);
    const shift = 8n * (a & 7n);
    const w = m.get(a & ~7n) ?? 0n;
    m.set(a & ~7n, (w & ~(0xffn << shift)) | (((value >> BigInt(8 * i)) & 0xffn) << shift));
  }
};

/**
 * The VT-x challenge guests' memory map (spec/paper/layout.ts VTX_GUEST): the GDT at 0x1000 (kernel
 * code 0x08, kernel data 0x10, user code and data, TSS), kernel data at 0x2000, the IDT at 0x3000
 * (gates to 0x100000 + 16·v: no handler code, so a delivered event ends the program there), the TSS,
 * the page tables, a kernel stack below 0x9000 and a user stack below 0xE000. Code (not in memory)
 * starts at 0x400000; the SYSENTER entry is 0x200000.
 */
export const VTX_KERNEL = {
  entry: 0x40_0000n,
  handlers: 0x10_0000n,
  sysenter: 0x20_0000n,
  kernelStack: 0x9000n,
  userStack: 0xe000n,
  idt: 0x3000n,
  tss: 0x4000n,
  /** 32-bit paging: the page directory. */
  pd32: 0x7000n,
  /** 4-level paging: PML4, PDPT, PD, PT (the first 128 KiB in 4-KiB pages, 0x5000 supervisor-only). */
  pml4: 0x6000n, pdpt: 0x7000n, pd: 0xa000n, pt: 0xc000n,
  /** Where the guest's top 4 MiB (0xFFC00000) live in its memory, and the word it keeps there. */
  top: 0x80_0000n,
  topWord: 0x600d_f00d_600d_f00dn,
} as const;

export type VtxMode = 'protected' | 'ia32e';
export type VtxStartsIn = 'guest kernel' | 'guest application';

export interface VtxStart {
  readonly mode: VtxMode;
  readonly startsIn: VtxStartsIn;
  /**
   * Handlers that return at once (IRET: IRETQ in an IA-32e guest, IRETD in a protected-mode one) for
   * the events after which the interrupted code can go on: NMI, #BP, INT 0x80 and the external
   * interrupts of the mixes. Without them a delivered event ends the program at its vector.
   */
  readonly returningHandlers?: boolean;
}

/** The vectors that get a returning handler (VtxStart.returningHandlers). */
export const RETURNING_VECTORS = [1, 2, 3, 0x20, 0x30, 0x40, 0x80, 0xe0] as const;

const P = 1n, RW = 2n, US = 4n, A = 0x20n, D = 0x40n, PS = 0x80n;

const vtxMemory = (mode: VtxMode): Map<bigint, bigint> => {
  const m = new Map<bigint, bigint>();
  const K = VTX_KERNEL;
  const sel = { kcode: 0x08, kdata: 0x10, ucode: 0x28, udata: 0x30, tss: 0x18 };
  const ia32e = mode === 'ia32e';
  const gdt = VTX_GUEST.gdtBase;
  put(m, gdt + BigInt(sel.kcode), 8, ia32e ? DESC.code64(0) : DESC.code32(0));
  put(m, gdt + BigInt(sel.kdata), 8, DESC.data(0));
  put(m, gdt + BigInt(sel.ucode), 8, ia32e ? DESC.code64(3) : DESC.code32(3));
  put(m, gdt + BigInt(sel.udata), 8, DESC.data(3));
  put(m, gdt + BigInt(sel.tss), 8, tssDescriptor(K.tss));
  for (let v = 0; v < 256; v++) {
    const target = K.handlers + BigInt(16 * v);
    const dpl = v === 3 || v === 4 || v === 0x80 ? 3n : 0n;
    const lo = (target & 0xffffn) | (BigInt(sel.kcode) << 16n) | ((0x8en | (dpl << 5n)) << 40n) | (((target >> 16n) & 0xffffn) << 48n);
    if (ia32e) put(m, K.idt + BigInt(16 * v), 8, lo);
    else put(m, K.idt + BigInt(8 * v), 8, lo);
  }
  if (ia32e) {
    put(m, K.tss + 4n, 8, K.kernelStack);
    put(m, K.pml4, 8, K.pdpt | P | RW | US | A);
    put(m, K.pdpt, 8, K.pd | P | RW | US | A);
    put(m, K.pdpt + 3n * 8n, 8, K.pd + 0x1000n | P | RW | US | A);
    put(m, K.pd, 8, K.pt | P | RW | US | A);
    for (let i = 0n; i < 32n; i++) put(m, K.pt + 8n * i, 8, (i << 12n) | P | RW | A | D | (i === VTX_GUEST.kernelPage >> 12n ? 0n : US));
    // The top of the 32-bit range (0xFFC00000-0xFFFFFFFF) to the guest's memory at 8 MiB, kernel-only.
    put(m, K.pd + 0x1000n + 510n * 8n, 8, K.top | P | RW | A | D | PS);
    put(m, K.pd + 0x1000n + 511n * 8n, 8, (K.top + 0x20_0000n) | P | RW | A | D | PS);
  } else {
    put(m, K.tss + 4n, 4, K.kernelStack);
    put(m, K.tss + 8n, 2, BigInt(sel.kdata));
    put(m, K.pd32, 4, P | RW | US | A | D | PS);
    put(m, K.pd32 + 1023n * 4n, 4, K.top | P | RW | A | D | PS);
  }
  put(m, VTX_GUEST.data, 8, 0x1234_5678_9abc_def0n);
  put(m, K.top, 8, K.topWord);
  return m;
};

const seg = (selector: number, accessRights: number): { selector: number; base: bigint; limit: number; accessRights: number } =>
  ({ selector, base: 0n, limit: 0xffff_ffff, accessRights });

/** A challenge guest at its first instruction, as if it owned the processor. */
export const vtxGuest = (start: VtxStart): GuestInitialState => {
  const ia32e = start.mode === 'ia32e';
  const user = start.startsIn === 'guest application';
  const base = standardCpu();
  const K = VTX_KERNEL;
  const code = (dpl: number): number => (ia32e ? 0xa09b : 0xc09b) | (dpl << 5);
  const data = (dpl: number): number => 0xc093 | (dpl << 5);
  const cs = user ? seg(0x2b, code(3)) : seg(0x08, code(0));
  const ds = user ? seg(0x33, data(3)) : seg(0x10, data(0));
  const cpu: CpuRegisters = {
    ...base,
    cr0: 0x8001_0033n,
    cr3: ia32e ? K.pml4 : K.pd32,
    cr4: ia32e ? 0x620n : 0x210n,
    efer: ia32e ? 0xd01n : 0n,
    csL: ia32e,
    cpl: user ? 3 : 0,
    rip: K.entry,
    rsp: user ? K.userStack : K.kernelStack,
    rflags: 0x202n,
    msrs: new Map([...base.msrs, [MSR.IA32_SYSENTER_CS, 0x08n], [MSR.IA32_SYSENTER_ESP, K.kernelStack], [MSR.IA32_SYSENTER_EIP, K.sysenter]]),
    segments: {
      es: ds, cs, ss: ds, ds, fs: ds, gs: ds,
      ldtr: { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 },
      tr: { selector: 0x18, base: K.tss, limit: 0x67, accessRights: 0x8b },
    },
    gdtr: { base: VTX_GUEST.gdtBase, limit: 0x37 },
    idtr: { base: K.idt, limit: ia32e ? 0xfff : 0x7ff },
  };
  return { cpu, memory: vtxMemory(start.mode) };
};

/** The program `steps` stands for: instructions one after another from the entry point, events when the instructions before them have retired. */
export const vtxProgram = (steps: readonly NonRootInput[], start: VtxStart): VtxGuestProgram => {
  const code = new Map<bigint, GuestInstruction>();
  const events: VtxScheduledEvent[] = [];
  let at = VTX_KERNEL.entry;
  let n = 0;
  for (const s of steps) {
    if (s.kind === 'instruction') {
      code.set(at, s.instruction);
      at += BigInt(instructionLength(s.instruction));
      n++;
    } else {
      events.push({ after: n, event: s.event });
    }
  }
  if (start.returningHandlers === true) {
    for (const v of RETURNING_VECTORS) code.set(VTX_KERNEL.handlers + BigInt(16 * v), { op: 'IRET' });
  }
  return { name: 'generated', description: 'a generated guest program', code, events, initial: vtxGuest(start), maxInstructions: 3 * n + 3 };
};

const gi = (a: fc.Arbitrary<GuestInstruction>): fc.Arbitrary<NonRootInput> => a.map((instruction) => ({ kind: 'instruction' as const, instruction }));
const mem = (disps: readonly bigint[]) => fc.record({ base: fc.constant(0), disp: one(...disps) });
const RAX = 0;
/** Destinations of values: RCX, RDX, RBX (RAX stays 0, the base of every memory operand). */
const VDST = one(1, 2, 3);

const vtxOrdinary = (data: readonly bigint[]): fc.Arbitrary<GuestInstruction>[] => [
  fc.record({ op: op('MOV_RI'), dst: VDST, imm: one(1n, 0x40n, 0xffn) }),
  fc.record({ op: op('ALU'), fn: one('add' as const, 'xor' as const, 'cmp' as const), dst: VDST, src: one(0, 1, 2) }),
  fc.constant({ op: 'NOP' } as const),
  fc.record({ op: op('LOAD'), size: one<4 | 8>(4, 8), dst: VDST, mem: mem(data) }),
  fc.record({ op: op('STORE'), size: one<4 | 8>(4, 8), src: one(1, 2), mem: mem(data) }),
  fc.record({ op: op('PUSH'), src: one(1, 2) }),
  fc.record({ op: op('POP'), dst: VDST }),
];

/**
 * A load or a store, as one record whose `kind` shrinks towards the first kind with the other
 * fields kept — so a failing store can become a failing load, or the other way, without the
 * operands having to be found again — and with separate operand lists for the two kinds.
 */
const access = (o: {
  readonly kinds: readonly ('LOAD' | 'STORE')[];
  readonly sizes: readonly (4 | 8)[];
  readonly srcs: readonly number[];
  readonly dsts: readonly number[];
  readonly loadAt: readonly bigint[];
  /** Absent: stores use the load's address field (one address for both kinds). */
  readonly storeAt?: readonly bigint[];
}): fc.Arbitrary<GuestInstruction> =>
  fc.record({ kind: one(...o.kinds), size: one(...o.sizes), src: one(...o.srcs), dst: one(...o.dsts), loadAt: one(...o.loadAt), storeAt: one(...(o.storeAt ?? [null])) })
    .map((a): GuestInstruction => (a.kind === 'LOAD'
      ? { op: 'LOAD', size: a.size, dst: a.dst, mem: { base: 0, disp: a.loadAt } }
      : { op: 'STORE', size: a.size, src: a.src, mem: { base: 0, disp: a.storeAt ?? a.loadAt } }));

const KDATA = [VTX_GUEST.data, VTX_GUEST.data + 8n] as const;
const ASC_AT = [...KDATA, VTX_BASELINE_VMM_AREA, VTX_BASELINE_VMM_AREA + 8n] as const;
const vtxPrograms = (step: fc.Arbitrary<NonRootInput>): fc.Arbitrary<NonRootInput[]> => fc.array(step, { maxLength: 6 });

/** The VT-x mixes, one per challenge, with the guest each starts in (the row's mode and start). */
export const VTX_CHALLENGE_MIXES = {
  /** PUSH CS, the one instruction of the abstract ISA that stores a selector with its RPL, among stack and data work. */
  'PAPER.CHALLENGE.RING-ALIASING': {
    start: { mode: 'protected', startsIn: 'guest kernel' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(fc.constant({ op: 'PUSH_CS' } as const), ...vtxOrdinary(KDATA)))),
  },
  /** Loads and stores at the kernel's data and at the top 4 MiB of the 32-bit space, which the guest maps as its own. */
  'PAPER.CHALLENGE.ADDRESS-SPACE-COMPRESSION': {
    start: { mode: 'protected', startsIn: 'guest kernel' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(
      // One address list for both kinds: a store that fails shrinks to the load of the same address.
      access({ kinds: ['LOAD', 'STORE'], sizes: [4, 8], srcs: [1, 2], dsts: [RAX, 1, 2], loadAt: ASC_AT }),
      ...vtxOrdinary(KDATA),
    ))),
  },
  /** The unprivileged reads of privileged registers: SGDT, SIDT, SLDT, STR, SMSW. */
  'PAPER.CHALLENGE.NONFAULTING-ACCESS': {
    start: { mode: 'protected', startsIn: 'guest kernel' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(
      mix<GuestInstruction>(
        fc.record({ op: one('SGDT' as const, 'SIDT' as const), mem: mem([VTX_GUEST.scratch, VTX_GUEST.data]) }),
        fc.record({ op: one('SLDT' as const, 'STR' as const, 'SMSW' as const), dst: VDST }),
      ),
      ...vtxOrdinary(KDATA),
    ))),
  },
  /** An application's system calls (SYSENTER) among its own computation on its stack. */
  'PAPER.CHALLENGE.GUEST-SYSCALLS': {
    start: { mode: 'protected', startsIn: 'guest application' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(
      fc.constant({ op: 'SYSENTER' } as const),
      fc.record({ op: op('MOV_RI'), dst: VDST, imm: one(1n, 0x40n) }),
      fc.record({ op: op('ALU'), fn: one('add' as const, 'xor' as const), dst: VDST, src: one(0, 1, 2) }),
      fc.constant({ op: 'NOP' } as const),
      fc.record({ op: op('PUSH'), src: one(1, 2) }),
      fc.record({ op: op('POP'), dst: VDST }),
    ))),
  },
  /** Changes of EFLAGS.IF — POPF, CLI, STI — and PUSHF, with the interrupt flag set at the start. */
  'PAPER.CHALLENGE.INTERRUPT-VIRTUALIZATION': {
    start: { mode: 'protected', startsIn: 'guest kernel' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(
      fc.constant({ op: 'POPF' } as const),
      fc.constantFrom<GuestInstruction>({ op: 'CLI' }, { op: 'STI' }, { op: 'PUSHF' }),
      ...vtxOrdinary(KDATA),
    ))),
  },
  /** A write to the kernel's own GDT, an instruction that enters the VMM, and the use of the data segment. */
  'PAPER.CHALLENGE.HIDDEN-STATE': {
    start: { mode: 'protected', startsIn: 'guest kernel' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(
      {
        arbitrary: access({ kinds: ['LOAD', 'STORE'], sizes: [4, 8], srcs: [RAX, 1], dsts: [1, 2, 3], loadAt: KDATA, storeAt: [VTX_GUEST_DS_DESCRIPTOR_HIGH, VTX_GUEST.data] }),
        weight: 4,
      },
      { arbitrary: mix<GuestInstruction>(fc.constant({ op: 'CLI' } as const), fc.constant({ op: 'STI' } as const)), weight: 2 },
      fc.record({ op: op('MOV_RI'), dst: VDST, imm: one(1n, 0x40n) }),
      fc.constant({ op: 'NOP' } as const),
    ))),
  },
  /** An application's accesses to the kernel's supervisor-only page and to its own data, in a 64-bit guest. */
  'PAPER.CHALLENGE.RING-COMPRESSION': {
    start: { mode: 'ia32e', startsIn: 'guest application' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(
      access({
        kinds: ['STORE', 'LOAD'], sizes: [8, 4], srcs: [RAX, 1], dsts: [1, 2, 3],
        loadAt: [VTX_GUEST.data, VTX_GUEST.kernelPage],
      }),
      fc.record({ op: op('MOV_RI'), dst: VDST, imm: one(1n, 0x40n) }),
      fc.constant({ op: 'NOP' } as const),
      fc.record({ op: op('PUSH'), src: one(1, 2) }),
    ))),
  },
  /** TPR writes and reads (MOV to and from CR8) among computation, in a 64-bit guest kernel. */
  'PAPER.CHALLENGE.FREQUENT-ACCESS': {
    start: { mode: 'ia32e', startsIn: 'guest kernel' },
    programs: vtxPrograms(gi(mix<GuestInstruction>(
      fc.record({ op: op('MOV_TO_CR'), cr: fc.constant(8 as const), src: one(RAX, 1, 2) }),
      fc.record({ op: op('MOV_FROM_CR'), cr: fc.constant(8 as const), dst: VDST }),
      ...vtxOrdinary(KDATA),
    ))),
  },
} as const satisfies Record<string, { readonly start: VtxStart; readonly programs: fc.Arbitrary<NonRootInput[]> }>;

// ---------------------------------------------------------------------------------------------
// VT-x: programs for virtualization equivalence (every kind of instruction and event)

/**
 * Values the registers get: data and stack addresses, control-register and MSR values, ports, MSR
 * indices, and paging-structure entries that map guest-physical memory far above the guest's initial
 * 16 MiB — a 4-KiB page (or a table) at 0x1234000, a large page at 20 MiB, a 4-KiB page just below
 * 2^MAXPHYADDR (40 bits on the default profile) and one at it (a reserved bit in 8-byte entries), a
 * 4-MiB page above 4 GiB (PSE-36 bit 13; reserved in a 2-MiB PDE).
 */
const VTX_VALUES = [
  0n, 1n, VTX_GUEST.data, VTX_GUEST.kernelPage, 0x8000_0033n, 0x8001_003bn, 0x620n, 0x210n, 0x3f8n, 0x3fdn, 0x41n,
  0x174n, 0x176n, 0x10n, 0x277n, 0xc000_0080n, 0x0007_0406_0007_0406n, 0xfn, 0x2n,
  0x0123_4000n | 7n, 0x0140_0000n | 0x87n, 0xff_ffff_f000n | 7n, 0x100_0000_0000n | 7n, 0x0040_2000n | 0x87n,
] as const;
const R = one(0, 1, 2, 3);
/**
 * Memory operands of the equivalence programs: a base register — RSI, which no generated instruction
 * writes (0), or one of the registers the programs compute with — plus a displacement: the guest's
 * data, its stack and supervisor-only pages, the top of the 32-bit space, and its own paging
 * structures — the PTE of the data page and the PDE of linear 2–4 MiB (4-level paging), the PDE of
 * linear 4–8 MiB (32-bit paging; in IA-32e mode the high half of PDPTE 0) — with the linear addresses
 * those PDEs map. A store of one of the entry values above into them, then an access through them,
 * reaches guest-physical memory far above 16 MiB, natively and under each VMM alike.
 */
const VTX_MEM = fc.record({
  base: one(6, 0, 1, 2, 3),
  disp: one(VTX_GUEST.data, VTX_GUEST.scratch, VTX_GUEST.kernelPage, VTX_BASELINE_VMM_AREA, 0x4_0000n, VTX_GUEST.data + 4n, 0n,
    VTX_KERNEL.pt + 8n * (VTX_GUEST.data >> 12n), VTX_KERNEL.pd + 8n, VTX_KERNEL.pd32 + 4n, 0x20_0000n, 0x40_0000n),
});

const vtxAnyInstruction: fc.Arbitrary<GuestInstruction> = fc.oneof(
  { arbitrary: fc.record({ op: op('MOV_RI'), dst: R, imm: one(...VTX_VALUES) }), weight: 6 },
  fc.record({ op: op('MOV_RR'), dst: R, src: one(0, 1, 2, 3, 4) }),
  fc.record({ op: op('ALU'), fn: one('add' as const, 'sub' as const, 'and' as const, 'or' as const, 'xor' as const, 'cmp' as const), dst: R, src: R }),
  { arbitrary: fc.record({ op: op('LOAD'), size: one<1 | 2 | 4 | 8>(8, 4, 2, 1), dst: R, mem: VTX_MEM }), weight: 2 },
  { arbitrary: fc.record({ op: op('STORE'), size: one<1 | 2 | 4 | 8>(8, 4, 2, 1), src: R, mem: VTX_MEM }), weight: 2 },
  fc.record({ op: op('PUSH'), src: R }),
  fc.record({ op: op('POP'), dst: R }),
  fc.constantFrom<GuestInstruction>({ op: 'PUSHF' }, { op: 'POPF' }, { op: 'CLI' }, { op: 'STI' }, { op: 'PUSH_CS' }, { op: 'NOP' }, { op: 'CLTS' },
    { op: 'CPUID' }, { op: 'RDTSC' }, { op: 'RDTSCP' }, { op: 'INT3' }, { op: 'UD2' }, { op: 'HLT' },
    { op: 'SYSENTER' }, { op: 'SYSEXIT' }, { op: 'FPU' }, { op: 'SSE' }, { op: 'WBINVD' }, { op: 'PAUSE' }),
  fc.record({ op: one('SGDT' as const, 'SIDT' as const), mem: fc.constant({ base: 6, disp: VTX_GUEST.scratch }) }),
  fc.record({ op: one('SLDT' as const, 'STR' as const, 'SMSW' as const), dst: R }),
  { arbitrary: fc.record({ op: op('MOV_TO_CR'), cr: fc.constant(8 as const), src: R }), weight: 2 },
  { arbitrary: fc.record({ op: op('MOV_FROM_CR'), cr: one<0 | 2 | 3 | 4 | 8>(8, 0, 2, 3, 4), dst: R }), weight: 2 },
  fc.record({ op: op('MOV_TO_DR'), dr: one<0 | 7>(0, 7), src: R }),
  fc.record({ op: op('MOV_FROM_DR'), dr: one<0 | 6 | 7>(0, 6, 7), dst: R }),
  fc.record({ op: one('IN' as const, 'OUT' as const), size: one<1 | 4>(1, 4), port: one<number | 'dx'>('dx', 0x80, 0xf8) }),
  fc.record({ op: op('INT'), vector: one(0x80, 0x30) }),
  fc.record({ op: op('INVLPG'), mem: VTX_MEM }),
  fc.record({ op: op('LMSW'), src: R }),
);

const vtxAnyEvent = fc.oneof(
  { arbitrary: fc.record({ kind: op('external-interrupt'), vector: one(0x30, 0x40, 0xe0, 0x20) }), weight: 4 },
  fc.constant({ kind: 'nmi' } as const),
);

/**
 * Writes of CR0, CR3 and CR4 with values that keep the guest in its mode, with paging (a VMM
 * without "unrestricted guest" runs no guest with CR0.PE or CR0.PG clear, SDM §26.3.1.1): a move of
 * the value into a register, then the write.
 */
const crWrite = (mode: VtxMode): fc.Arbitrary<GuestInstruction[]> => {
  const values = {
    0: [0x8001_0033n, 0x8001_003bn, 0x8000_0033n, 0x8001_0031n],
    3: mode === 'ia32e' ? [VTX_KERNEL.pml4] : [VTX_KERNEL.pd32],
    4: mode === 'ia32e' ? [0x620n, 0x6a0n, 0x660n] : [0x210n, 0x290n, 0x10n],
  } as const;
  return fc.record({ cr: one<0 | 3 | 4>(0, 3, 4), reg: R, at: fc.nat({ max: 3 }) })
    .map(({ cr, reg, at }) => [
      { op: 'MOV_RI', dst: reg, imm: values[cr][at % values[cr].length] ?? 0n },
      { op: 'MOV_TO_CR', cr, src: reg },
    ]);
};

/**
 * A write of the guest's own paging structures, then an access through the entry written: the value
 * (one of the entry values of VTX_VALUES, mapping guest-physical memory far above the initial 16 MiB,
 * or reserved) into a register, a store of it into the PTE of the data page or a PDE (4-level paging:
 * 8 bytes; 32-bit paging: 4 bytes), then a load or a store at a linear address that entry maps. The
 * native processor translates through the new entry at once (it caches no translation), so the VMM
 * must too: with EPT by mapping the new guest-physical page at its first use, with shadow paging by
 * noticing the write to a page its shadow was built from.
 */
const pagingWrite = (mode: VtxMode): fc.Arbitrary<GuestInstruction[]> => {
  const K = VTX_KERNEL;
  const entries = mode === 'ia32e'
    ? [{ at: K.pt + 8n * (VTX_GUEST.data >> 12n), through: VTX_GUEST.data }, { at: K.pd + 8n, through: 0x20_0000n }]
    : [{ at: K.pd32 + 4n, through: 0x40_0000n }];
  const size = mode === 'ia32e' ? 8 : 4;
  const values = [0x0123_4000n | 7n, 0x0140_0000n | 0x87n, 0xff_ffff_f000n | 7n, 0x100_0000_0000n | 7n, 0x0040_2000n | 0x87n];
  return fc.record({ reg: R, value: fc.nat({ max: values.length - 1 }), entry: fc.nat({ max: entries.length - 1 }), store: fc.boolean(), offset: one(0n, 8n, 0x800n) })
    .map(({ reg, value, entry, store, offset }) => {
      const e = entries[entry] ?? entries[0]!;
      const mem = { base: 6, disp: e.through + offset };
      return [
        { op: 'MOV_RI', dst: reg, imm: values[value] ?? 0n },
        { op: 'STORE', size, src: reg, mem: { base: 6, disp: e.at } },
        store ? { op: 'STORE', size: 8, src: reg, mem } : { op: 'LOAD', size: 8, dst: reg, mem },
      ];
    });
};

/**
 * RDMSR and WRMSR: ECX set, then the access; a write also sets EDX (bits 63:32 of the value) and
 * either keeps EAX as the program left it or sets an IA32_EFER value an IA-32e guest may write (SCE
 * or NXE cleared; LME kept, LMA ignored, Vol. 4 Table 2-2). The indices: MSRs the processor has
 * (SYSENTER, TSC, PAT, EFER, an unknown one in the architectural range), then ones it lacks outside
 * both MSR-bitmap ranges, which always exit under VT-x (§25.1.3) — each is #GP(0) natively. EDX ≠ 0
 * reaches bits 63:32 of IA32_SYSENTER_CS, which the VMCS field cannot hold (the VMM keeps them).
 * Each list is ordered plain-first, so a failure shrinks towards a read of IA32_SYSENTER_CS.
 */
const MSR_INDICES = [0x174n, 0x176n, 0x10n, 0x277n, 0xc000_0080n, 0x1234n, 0x4000_0000n, 0xc000_2000n, 0x8000_0000n] as const;
const MSR_HIGH_HALVES = [0n, 1n, 0xffff_ffffn] as const;
const msrAccess: fc.Arbitrary<GuestInstruction[]> = fc.record({
  write: fc.boolean(), index: one(...MSR_INDICES), high: one(...MSR_HIGH_HALVES), low: one<bigint | null>(null, 0x501n, 0x901n),
})
  .map(({ write, index, high, low }) => {
    const ecx: GuestInstruction = { op: 'MOV_RI', dst: 1, imm: index };
    if (!write) return [ecx, { op: 'RDMSR' }];
    const eax: GuestInstruction[] = low === null ? [] : [{ op: 'MOV_RI', dst: 0, imm: low }];
    return [ecx, { op: 'MOV_RI', dst: 2, imm: high }, ...eax, { op: 'WRMSR' }];
  });

/**
 * Single-stepping: RFLAGS with TF (and IF) set through PUSH and POPF. From the instruction after the
 * POPF on, every instruction that completes traps (Vol. 3B §17.3.1.4); the returning #DB handler's
 * IRET restores TF, so the rest of the program is stepped — the instructions a VMM emulates included.
 */
const singleStepOn: fc.Arbitrary<GuestInstruction[]> = R.map((reg) => [
  { op: 'MOV_RI', dst: reg, imm: 0x302n },
  { op: 'PUSH', src: reg },
  { op: 'POPF' },
]);

/** Generated VT-x guest programs: one of the four challenge guests (with returning handlers) and up to 12 steps of every kind. */
export const vtxEquivalencePrograms: fc.Arbitrary<{ readonly start: VtxStart; readonly steps: NonRootInput[] }> =
  fc.record({
    mode: fc.constantFrom<VtxMode>('ia32e', 'protected'),
    startsIn: fc.constantFrom<VtxStartsIn>('guest kernel', 'guest kernel', 'guest application'),
    returningHandlers: fc.constant(true),
  })
    .chain((start) => fc.record({
      start: fc.constant(start),
      steps: fc.array(fc.oneof(
        { arbitrary: gi(vtxAnyInstruction).map((s) => [s]), weight: 8 },
        { arbitrary: crWrite(start.mode).map((is) => is.map((instruction) => ({ kind: 'instruction' as const, instruction }))), weight: 1 },
        { arbitrary: pagingWrite(start.mode).map((is) => is.map((instruction) => ({ kind: 'instruction' as const, instruction }))), weight: 1 },
        { arbitrary: msrAccess.map((is) => is.map((instruction) => ({ kind: 'instruction' as const, instruction }))), weight: 1 },
        { arbitrary: singleStepOn.map((is) => is.map((instruction) => ({ kind: 'instruction' as const, instruction }))), weight: 1 },
        { arbitrary: vtxAnyEvent.map((event) => [{ kind: 'event' as const, event }]), weight: 1 },
      ), { maxLength: 12, size: 'medium' }).map((groups) => groups.flat()),
    }));
