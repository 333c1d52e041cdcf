/**
 * Guest instructions per second in VMX non-root operation, model and reference CPU on the same
 * steps, measured in one run. The steps are a fixed, hand-made guest program — loads, stores,
 * arithmetic, moves, stack and branches, with a few sensitive instructions among them that exit
 * (CPUID always, §25.1.2; OUT to a port whose I/O-bitmap bit is set, RDTSC with RDTSC exiting, CLTS
 * with CR0.TS owned by the VMM, §25.1.3) and some that do not (IN from a clear port, RDMSR with a
 * clear MSR-bitmap bit, MOV from CR0 reading the shadow) — run on the non-root baseline in IA-32e and
 * in 32-bit protected mode, each with EPT off and on. The reference CPU runs the program once to fix
 * the state before every step (resuming the guest after each exit, as the refinement property does);
 * both implementations are then timed on exactly those (state, instruction) pairs, each step from its
 * own state. Only instruction steps are counted, no event arrivals.
 */
import { decodeCapabilities, type Capabilities } from '../../model/vtx/capabilities.js';
import { nonRootStep } from '../../model/vtx/non-root/step.js';
import { ReferenceVtxCpu } from '../../reference-vmm/cpu/vtx/index.js';
import type { GuestInstruction } from '../../spec/vtx/guest/instructions.js';
import type { NonRootInput } from '../../spec/vtx/guest/events.js';
import type { NonRootObservation } from '../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../spec/vtx/profile.js';
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import type { VtxState } from '../../spec/vtx/state.js';
import { realiseNonRootCase, type NonRootSetup } from './non-root/arbitraries.js';

const PROFILE: BuiltinProfileName = 'bochs-skylake-x';

/** The guest's data page, inside the identity-mapped 16 MiB of the baseline (and of its EPT). */
const DATA = 0x20_0000n;
const FS_BASE = 0xc000_0100n;

/**
 * One pass of the guest program: 23 instructions, four of which exit under the settings below
 * (OUT, RDTSC, CPUID, CLTS). RBX (3) points at the data page, RCX (1) holds the MSR index RDMSR reads.
 */
const PROGRAM: readonly GuestInstruction[] = [
  { op: 'MOV_RI', dst: 3, imm: DATA },
  { op: 'LOAD', size: 8, dst: 0, mem: { base: 3, disp: 0n } },
  { op: 'ALU', fn: 'add', dst: 0, src: 6 },
  { op: 'STORE', size: 8, src: 0, mem: { base: 3, disp: 8n } },
  { op: 'MOV_RR', dst: 7, src: 0 },
  { op: 'PUSH', src: 0 },
  { op: 'CALL', target: 0x40_0100n },
  { op: 'LOAD', size: 4, dst: 8, mem: { base: 3, disp: 0x10n } },
  { op: 'ALU', fn: 'xor', dst: 9, src: 9 },
  { op: 'RET' },
  { op: 'POP', dst: 10 },
  { op: 'ALU', fn: 'cmp', dst: 0, src: 6 },
  { op: 'JCC', cond: 'nz', target: 0x40_0040n },
  { op: 'IN', size: 1, port: 0x61 },
  { op: 'OUT', size: 1, port: 0x60 },
  { op: 'MOV_FROM_CR', cr: 0, dst: 11 },
  { op: 'RDTSC' },
  { op: 'CPUID' },
  { op: 'MOV_RI', dst: 1, imm: FS_BASE },
  { op: 'RDMSR' },
  { op: 'STORE', size: 4, src: 0, mem: { base: 3, disp: 0x20n } },
  { op: 'CLTS' },
  { op: 'JMP', target: 0x40_0000n },
];

/** Passes of the program per setting. */
const PASSES = 3;

/** A quiet guest: kernel mode, IF = 1, nothing pending, no broken tables; the exits come from the bitmaps and masks. */
const setup = (mode: 'ia32e' | 'protected', ept: boolean): NonRootSetup => ({
  mode, xssExitBitmap: 0n, enclsExitingBitmap: 0n, inSmm: false,
  controls: ['proc.RDTSC_EXITING', 'proc.USE_IO_BITMAPS', 'proc.USE_MSR_BITMAPS', ...(ept ? ['proc2.ENABLE_EPT' as const] : [])],
  exceptionBitmap: 0n, pfecMask: 0n, pfecMatch: 0n,
  // CR0.TS owned by the VMM with shadow 1: CLTS exits (§25.1.3), MOV from CR0 reads the shadow's TS.
  cr0Mask: 0x8n, cr0Shadow: 0x8n, cr4Mask: 0n, cr4Shadow: 0n,
  cr3Count: 0, cr3Targets: [0n, 0n, 0n, 0n], tprThreshold: 0, vtpr: 0,
  ioPorts: [0x60], msrBits: [{ msr: Number(FS_BASE), write: true }],
  eptAd: false, breaks: [], gates: [],
  gpr: Array.from({ length: 16 }, (_, i) => BigInt(i) * 0x1111n),
  rsp: 0x18000n,
  flags: { if: true, of: false, zf: false, df: false, ac: false, iopl3: false, tf: false },
  cpl3: false, blocking: 'none', blockingByNmi: false, activity: 'active',
  pending: { extint: null, nmi: false, init: false, sipi: null },
  cr0Extra: 0n, cr4Extra: 0n, tsc: 0x1000n, tscOffset: 0n, tscMultiplier: 1n << 48n, msrs: [],
});

export const NON_ROOT_BENCH_SETTINGS = [
  { mode: 'ia32e', ept: false }, { mode: 'ia32e', ept: true },
  { mode: 'protected', ept: false }, { mode: 'protected', ept: true },
] as const;

export interface NonRootBenchStep {
  readonly profile: VtxProfile;
  readonly caps: Capabilities;
  readonly state: VtxState;
  readonly input: NonRootInput;
}

/**
 * The steps, in program order per setting: the state before each instruction is the reference
 * CPU's after the previous one; after a VM exit the VMM resumes the guest (VMRESUME), which is not
 * a step.
 */
export const nonRootBenchSteps = (): NonRootBenchStep[] => {
  const profile = BUILTIN_PROFILES[PROFILE];
  const caps = decodeCapabilities(profile);
  return NON_ROOT_BENCH_SETTINGS.flatMap(({ mode, ept }) => {
    const cpu = new ReferenceVtxCpu(profile, realiseNonRootCase({ profile: PROFILE, setup: setup(mode, ept), steps: [] }));
    const steps: NonRootBenchStep[] = [];
    for (let pass = 0; pass < PASSES; pass++) {
      for (const instruction of PROGRAM) {
        const input: NonRootInput = { kind: 'instruction', instruction };
        steps.push({ profile, caps, state: cpu.snapshot(), input });
        if (cpu.step(input).observation.kind === 'vm-exit') cpu.execute({ op: 'VMRESUME' });
      }
    }
    return steps;
  });
};

export const modelObservation = (s: NonRootBenchStep): NonRootObservation => nonRootStep(s.caps, s.state, s.input).canonical.observation;
export const referenceObservation = (s: NonRootBenchStep): NonRootObservation => new ReferenceVtxCpu(s.profile, s.state).step(s.input).observation;

/** How many of `steps` end in a VM exit, by `observe` (no timing). */
export const exitsOf = (steps: readonly NonRootBenchStep[], observe: (s: NonRootBenchStep) => NonRootObservation): number =>
  steps.filter((s) => observe(s).kind === 'vm-exit').length;

/**
 * Steps per second of `run`: five rounds of ms/5 each, cycling through the steps, and the median
 * round (single rounds vary by ±30% on a shared virtual machine). The clock is read after every
 * step, since a model step takes tens to hundreds of microseconds.
 */
const rate = (steps: readonly NonRootBenchStep[], run: (s: NonRootBenchStep) => unknown, ms: number): number => {
  for (const s of steps) run(s); // warm-up: let the JIT compile the hot paths
  const rounds: number[] = [];
  let i = 0;
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms / 5) {
      run(steps[i]!);
      i = (i + 1) % steps.length;
      n++;
      elapsed = performance.now() - start;
    }
    rounds.push((n * 1000) / elapsed);
  }
  return rounds.sort((a, b) => a - b)[2]!;
};

export interface NonRootBench {
  readonly unit: string;
  /** Instruction steps in the mix, and how many of them exit (the reference CPU's count). */
  readonly steps: number;
  readonly exits: number;
  readonly modelPerSecond: number;
  readonly referencePerSecond: number;
  /** model / reference. */
  readonly ratio: number;
}

export const NON_ROOT_BENCH_UNIT = 'guest instructions per second in non-root operation (one core)';

export const runNonRootBench = (ms = 1500): NonRootBench => {
  const steps = nonRootBenchSteps();
  const m = rate(steps, modelObservation, ms);
  const r = rate(steps, referenceObservation, ms);
  return {
    unit: NON_ROOT_BENCH_UNIT, steps: steps.length, exits: exitsOf(steps, referenceObservation),
    modelPerSecond: m, referencePerSecond: r, ratio: m / r,
  };
};
