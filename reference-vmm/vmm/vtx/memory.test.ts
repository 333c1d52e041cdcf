/**
 * Memory virtualization against the native processor: a guest that maps and touches guest-physical
 * memory far above its initial 16 MiB (EPT maps the pages on demand, shadow paging backs them on
 * demand), keeps page tables there, changes its tables without INVLPG, and uses addresses at and
 * near MAXPHYADDR; a protected-mode guest (32-bit paging with 4-MiB pages, and PAE paging) under
 * shadow page tables. Every run must equal the native one under EPT and under shadow paging.
 */
import { describe, expect, it } from 'vitest';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import { VTX_KERNEL, vtxGuest, vtxProgram, type VtxStart } from '../../../conformance/paper/arbitraries.js';
import type { VtxGuestProgram } from '../../guests/vtx/program.js';
import { configWithout, DEFAULT_VTX_VMM_CONFIG, runNative, runUnderVmm, VTX_FEATURES, type VtxGuestView, type VtxVmmConfig } from './run.js';

const I = (instruction: GuestInstruction): NonRootInput => ({ kind: 'instruction', instruction });
const imm = (dst: number, v: bigint): NonRootInput => I({ op: 'MOV_RI', dst, imm: v });
/** A store of register `src` to linear `at` (RSI = 0 is the base). */
const store = (size: 4 | 8, at: bigint, src: number): NonRootInput => I({ op: 'STORE', size, src, mem: { base: 6, disp: at } });
const load = (size: 4 | 8, at: bigint, dst: number): NonRootInput => I({ op: 'LOAD', size, dst, mem: { base: 6, disp: at } });
/** `value` into RAX, then stored at `at`. */
const put = (size: 4 | 8, at: bigint, value: bigint): NonRootInput[] => [imm(0, value), store(size, at, 0)];
const movCr = (cr: 0 | 3 | 4, value: bigint): NonRootInput[] => [imm(0, value), I({ op: 'MOV_TO_CR', cr, src: 0 })];

const kernel = (mode: VtxStart['mode']): VtxStart => ({ mode, startsIn: 'guest kernel', returningHandlers: true });

const CONFIGS: readonly (readonly [string, VtxVmmConfig])[] = [
  ['EPT, offset map', DEFAULT_VTX_VMM_CONFIG],
  ['EPT, identity map', { ...DEFAULT_VTX_VMM_CONFIG, guestBase: 0n }],
  ['shadow page tables', configWithout(['ept'])],
  ['every helping control off', configWithout(Object.keys(VTX_FEATURES))],
];

type Log = VtxGuestView['log'][number];
const deliveries = (v: VtxGuestView): [number, number | null][] =>
  v.log.filter((e): e is Extract<Log, { kind: 'delivered' }> => e.kind === 'delivered').map((e) => [e.vector, e.errorCode]);

/** Runs `p` natively and under every configuration: each guest view equals the native one. */
const everywhere = (p: VtxGuestProgram) => {
  const native = runNative(p).guestView;
  const runs = new Map(CONFIGS.map(([name, config]) => {
    const r = runUnderVmm(p, config);
    expect(r.guestView, name).toEqual(native);
    return [name, r] as const;
  }));
  return { native, runs, under: (name: string) => runs.get(name)! };
};

const P = 1n, RW = 2n, US = 4n, PS = 0x80n;
const MIB = 0x10_0000n;

describe('guest-physical memory above the initial 16 MiB, as natively', () => {
  const K = VTX_KERNEL;
  // The kernel's PT maps linear 0–128 KiB; entries 32 on are free.
  const pte = (n: bigint): bigint => K.pt + 8n * n;
  const steps = [
    // Linear 0x20000 → guest-physical 48 MiB; write there the entry a new page table will hold.
    ...put(8, pte(32n), 48n * MIB | P | RW | US),
    imm(1, 80n * MIB | P | RW | US), store(8, 0x2_0000n, 1),
    // PDE 1 (linear 2–4 MiB) → that page table at 48 MiB; a store and a load through it (80 MiB).
    ...put(8, K.pd + 8n, 48n * MIB | P | RW | US),
    imm(2, 0x1234_5678n), store(8, 0x20_0008n, 2), load(8, 0x20_0008n, 3),
    // The page table above 16 MiB changed through its other mapping, without INVLPG: the next access uses it.
    imm(1, 96n * MIB | P | RW | US), store(8, 0x2_0000n, 1), load(8, 0x20_0008n, 3), store(8, 0x20_0010n, 2),
    // The last page below 2^MAXPHYADDR (40 bits on the default profile).
    ...put(8, pte(33n), 0xff_ffff_f000n | P | RW | US), store(8, 0x2_1008n, 2),
    // An entry with bit 40 set: a reserved bit, #PF with RSVD (Vol. 3A §4.7).
    ...put(8, pte(34n), (1n << 40n) | P | RW | US), load(8, 0x2_2000n, 3),
  ];
  const p = vtxProgram([...steps, I({ op: 'NOP' })], kernel('ia32e'));

  it('PAPER.FUTURE.EPT: a 4-level guest maps pages and a page table far above 16 MiB; same view natively, with EPT and with shadow paging', () => {
    const { native, under } = everywhere(p);
    expect(native.memory.get(80n * MIB + 8n)).toBe(0x1234_5678n);
    expect(native.memory.get(96n * MIB + 0x10n)).toBe(0x1234_5678n);
    expect(native.memory.get(0xff_ffff_f008n)).toBe(0x1234_5678n);
    // The load after the page table changed saw the new, empty page.
    expect(native.registers.gpr[3]).toBe(0n);
    expect(deliveries(native)).toEqual([[14, 0b1001]]);
    expect(native.registers.cr2).toBe(0x2_2000n);
    // With EPT each new guest-physical page costs one EPT violation (48 MiB, 80 MiB, 96 MiB, 2^40 − 4 KiB).
    expect(under('EPT, offset map').exitReasons.filter((r) => r === 48)).toHaveLength(4);
    expect(under('EPT, offset map').vm.memory.demandPages).toBe(4);
    expect(under('shadow page tables').vm.memory.demandPages).toBe(4);
  });

  it('PAPER.FUTURE.EPT: without EPT, writes to the guest\'s page tables exit and need no INVLPG', () => {
    const { under } = everywhere(p);
    const s = under('shadow page tables').exitReasons;
    // #PF exits (fills and write-protected tables) and the one-instruction windows of self-mapped tables.
    expect(s.filter((r) => r === 0).length).toBeGreaterThan(6);
    expect(s).toContain(52);
    expect(s).not.toContain(14);
  });

  it('MOV to CR3 with a bit at or above MAXPHYADDR is #GP(0) natively and under shadow paging (CR3-load exiting)', () => {
    const q = vtxProgram([...movCr(3, (1n << 40n) | K.pml4), I({ op: 'NOP' })], kernel('ia32e'));
    const { native, under } = everywhere(q);
    expect(deliveries(native)).toEqual([[13, 0]]);
    expect(under('shadow page tables').exitReasons).toContain(28);
  });
});

describe('a protected-mode guest under shadow page tables', () => {
  const K = VTX_KERNEL;
  const pde = (n: bigint): bigint => K.pd32 + 4n * n;
  it('32-bit paging with 4-MiB pages: PDE writes (its page directory maps itself), PSE-36, CR0.WP = 0, as natively', () => {
    const steps = [
      // Linear 4–8 MiB → a 4-MiB page at 20 MiB.
      ...put(4, pde(1n), 20n * MIB | P | RW | PS),
      imm(2, 0xabcdn), store(4, 0x40_0010n, 2), load(4, 0x40_0010n, 3),
      // Linear 8–12 MiB → 4 GiB + 4 MiB (physical-address bit 32 in PDE bit 13).
      ...put(4, pde(2n), 4n * MIB | (1n << 13n) | P | RW | PS), store(4, 0x80_0020n, 2),
      // CR0.WP = 0: the kernel writes a read-only page (its dirty flag gets set); with WP = 1 it faults.
      ...movCr(0, 0x8000_0033n),
      ...put(4, pde(3n), 24n * MIB | P | PS), store(4, 0xc0_0000n, 2), load(4, 0xc0_0000n, 3),
      ...movCr(0, 0x8001_0033n), store(4, 0xc0_0004n, 2),
    ];
    const { native, under } = everywhere(vtxProgram([...steps, I({ op: 'NOP' })], kernel('protected')));
    expect(native.memory.get(20n * MIB + 0x10n)).toBe(0xabcdn);
    expect(native.memory.get(0x1_0040_0020n)).toBe(0xabcdn);
    expect(native.memory.get(24n * MIB)).toBe(0xabcdn);
    expect((native.memory.get(pde(2n)) ?? 0n) >> 32n & 0x60n).toBe(0x60n); // PDE 3: accessed and dirty
    expect(deliveries(native)).toEqual([[14, 0b0011]]);
    const s = under('shadow page tables');
    expect(s.exitReasons).toContain(52);
    expect(s.vm.memory.demandPages).toBeGreaterThanOrEqual(3);
  });

  it('PAE paging: PDPTEs load at MOV to CR3 only, a reserved bit in one is #GP(0), as natively', () => {
    const start = kernel('protected');
    const base = vtxGuest(start);
    const pdpt = 0x6000n, pd = 0xa000n;
    const memory = new Map(base.memory);
    memory.set(pdpt, pd | P);
    memory.set(pd, 0n | P | RW | US | PS | 0x60n);
    const initial = { memory, cpu: { ...base.cpu, cr3: pdpt, cr4: 0x230n, pdpte: [pd | P, 0n, 0n, 0n] } };
    const steps = [
      // PDPTE 1 in memory → a page directory at 48 MiB, filled through PDE 2 (a 2-MiB page there).
      ...put(8, pdpt + 8n, 48n * MIB | P),
      ...put(8, pd + 16n, 48n * MIB | P | RW | PS),
      ...put(8, 0x40_0000n, 80n * MIB | P | RW | PS),
      // Not yet loaded: linear 1 GiB faults (#PF, not present)…
      load(8, 0x4000_0010n, 3),
    ];
    const after = [
      // …until MOV to CR3 loads the PDPTEs.
      ...movCr(3, pdpt), imm(2, 0x5555n), store(8, 0x4000_0010n, 2),
      // A PDPTE with R/W set (reserved in PAE PDPTEs): MOV to CR3 faults.
      ...put(8, pdpt + 16n, 112n * MIB | P | RW), ...movCr(3, pdpt),
    ];
    const run = (s: NonRootInput[]): ReturnType<typeof everywhere> =>
      everywhere({ ...vtxProgram([...s, I({ op: 'NOP' })], start), initial });
    expect(deliveries(run(steps).native)).toEqual([[14, 0]]);
    const { native } = run([...steps.slice(0, -1), ...after]);
    expect(native.memory.get(80n * MIB + 0x10n)).toBe(0x5555n);
    expect(deliveries(native)).toEqual([[13, 0]]);
  });
});
