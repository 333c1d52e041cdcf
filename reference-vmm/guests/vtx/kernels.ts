/**
 * The hand-written VT-x guest kernels of the paper's usage models (ITJ "Usage of the Intel
 * Virtualization Architecture"), each a small OS kernel in the abstract ISA on the standard machine
 * (layout.ts). Each runs natively (NativeVtxCpu) and under the VT-x reference VMM; the workloads
 * (vmm/vtx/workloads.ts) count the VM exits each causes with and without the control that helps it.
 */
import type { GuestEvent } from '../../../spec/vtx/guest/events.js';
import type { Gpr } from '../../../spec/vtx/guest/instructions.js';
import { assemble, type AsmItem } from './assemble.js';
import { handlerOf, LAYOUT, standardGuest } from './layout.js';
import type { ScheduledEvent, VtxGuestProgram } from './program.js';

const D = LAYOUT.data;
/** Data words the kernels keep: counters their handlers and loops update. */
export const DATA = { ticks: D, loops: D + 8n, syscalls: D + 16n, scratch: D + 0x1000n, remapped: 0x1f_0000n } as const;

const imm = (dst: Gpr, v: bigint): AsmItem => ({ op: 'MOV_RI', dst, imm: v });
/** [addr] += 1, with r8 = address, r9 = value, r10 = 1. */
const increment = (addr: bigint): AsmItem[] => [
  imm(8, addr), { op: 'LOAD', size: 8, dst: 9, mem: { base: 8, disp: 0n } }, imm(10, 1n),
  { op: 'ALU', fn: 'add', dst: 9, src: 10 }, { op: 'STORE', size: 8, src: 9, mem: { base: 8, disp: 0n } },
];
/** Loop head: r15 counts down from `n`; `loop(label)` closes it. */
const loopStart = (label: string, n: number): AsmItem[] => [imm(15, BigInt(n)), { label }];
const loopEnd = (label: string): AsmItem[] => [imm(14, 1n), { op: 'ALU', fn: 'sub', dst: 15, src: 14 }, { op: 'JCC', cond: 'nz', to: label }];

const every = (first: number, period: number, count: number, event: GuestEvent): ScheduledEvent[] =>
  Array.from({ length: count }, (_, k) => ({ after: first + k * period, event }));

const TIMER = 0x20;

const program = (name: string, description: string, items: AsmItem[], events: ScheduledEvent[], maxInstructions: number, cpu = {}): VtxGuestProgram => ({
  name, description, code: assemble(items).code, initial: standardGuest(cpu), events, maxInstructions,
});

/** A timer handler that counts ticks and returns. */
const timerHandler = (vector: number): AsmItem[] => [{ org: handlerOf(vector) }, ...increment(DATA.ticks), { op: 'IRET' }];

/**
 * Masks interrupts often: a loop of CLI, a critical section, STI, a little unmasked work — while
 * timer interrupts keep arriving, most of them inside the critical section (ITJ "Interrupt
 * Virtualization"). Each must be held until the STI's shadow ends.
 */
export const interruptMaskingKernel = (loops = 60): VtxGuestProgram => program(
  'interrupt-masking', 'CLI/STI around critical sections while timer interrupts arrive',
  [
    { org: LAYOUT.code },
    ...loopStart('loop', loops),
    { op: 'CLI' },
    ...increment(DATA.loops),
    imm(1, 2n), imm(2, 3n), { op: 'ALU', fn: 'add', dst: 1, src: 2 }, { op: 'ALU', fn: 'xor', dst: 2, src: 1 },
    { op: 'STI' },
    { op: 'NOP' },
    ...loopEnd('loop'),
    ...timerHandler(TIMER),
  ],
  every(5, 9, Math.floor(loops * 14 / 9), { kind: 'external-interrupt', vector: TIMER }), loops * 16 + 200,
  { rflags: 0x202n },
);

/**
 * Lazy floating point across tasks (ITJ "Lazy Floating-Point State Processing"): the scheduler
 * switches tasks by setting CR0.TS; the task's first FPU instruction raises the guest's own #NM,
 * whose handler clears TS (CLTS) and "restores" the task's FP state; later FPU instructions of the
 * task run freely. A few host timer ticks (external interrupts the VMM takes, during which the host
 * uses the FPU itself) arrive meanwhile.
 */
export const lazyFpuKernel = (tasks = 30, fpuPerTask = 4, ticks = 3): VtxGuestProgram => program(
  'lazy-fpu', 'a scheduler that sets CR0.TS at every task switch; each task uses the FPU several times',
  [
    { org: LAYOUT.code },
    ...loopStart('task', tasks),
    // Task switch: CR0.TS := 1 (MOV from CR0, OR TS, MOV to CR0).
    { op: 'MOV_FROM_CR', cr: 0, dst: 0 }, imm(1, 8n), { op: 'ALU', fn: 'or', dst: 0, src: 1 }, { op: 'MOV_TO_CR', cr: 0, src: 0 },
    ...increment(DATA.loops),
    ...Array.from({ length: fpuPerTask }, (): AsmItem[] => [{ op: 'FPU' }, { op: 'NOP' }]).flat(),
    ...loopEnd('task'),
    // #NM: the guest's own lazy restore — CLTS (and its FP state would be loaded here).
    { org: handlerOf(7) }, { op: 'CLTS' }, ...increment(DATA.scratch), { op: 'IRET' },
    ...timerHandler(TIMER),
  ],
  every(40, Math.max(1, Math.floor((tasks * (12 + 2 * fpuPerTask)) / (ticks + 1))), ticks, { kind: 'external-interrupt', vector: TIMER }),
  tasks * (20 + 2 * fpuPerTask) + 200, { rflags: 0x202n },
);

const TPR_VECTOR = 0x51; // priority class 5

/**
 * Writes the TPR at high frequency (ITJ "Frequent Access to Privileged Resources"): every iteration
 * raises CR8 to 15 around a critical section and drops it back to 0, and reads it; device interrupts
 * of class 5 arrive now and then and must wait while the TPR masks them.
 */
export const tprKernel = (loops = 80): VtxGuestProgram => program(
  'tpr', 'MOV CR8 raise/lower around every critical section while class-5 interrupts arrive',
  [
    { org: LAYOUT.code },
    ...loopStart('loop', loops),
    imm(0, 15n), { op: 'MOV_TO_CR', cr: 8, src: 0 },
    ...increment(DATA.loops),
    { op: 'MOV_FROM_CR', cr: 8, dst: 3 },
    imm(0, 0n), { op: 'MOV_TO_CR', cr: 8, src: 0 },
    { op: 'NOP' },
    ...loopEnd('loop'),
    { org: handlerOf(TPR_VECTOR) }, ...increment(DATA.ticks), { op: 'IRET' },
  ],
  every(7, 97, Math.floor(loops * 14 / 97), { kind: 'external-interrupt', vector: TPR_VECTOR }), loops * 16 + 200,
  { rflags: 0x202n },
);

/**
 * System calls with SYSENTER/SYSEXIT (ITJ "Guest System Calls"): a CPL-3 loop calls the kernel,
 * whose entry reads its per-CPU base (RDMSR IA32_KERNEL_GS_BASE), counts the call and returns with
 * SYSEXIT. Neither instruction exits under VT-x; the RDMSR exits only without MSR bitmaps.
 */
export const syscallKernel = (calls = 50): VtxGuestProgram => {
  const user = LAYOUT.code + 0x1000n;
  const items = (back: bigint): AsmItem[] => [
    { org: LAYOUT.code },
    // Kernel start: drop to the user loop with SYSEXIT (RDX = RIP, RCX = RSP).
    imm(2, user), imm(1, LAYOUT.userStack), { op: 'SYSEXIT' },
    { org: user },
    ...loopStart('call', calls),
    imm(2, back), { op: 'MOV_RR', dst: 1, src: 4 },
    { op: 'SYSENTER' },
    { label: 'back' },
    ...loopEnd('call'),
    // Kernel entry: keep the return RIP/RSP (RDMSR overwrites RDX, ECX selects the MSR).
    { org: LAYOUT.sysenterEntry },
    { op: 'PUSH', src: 2 }, { op: 'PUSH', src: 1 },
    imm(1, 0xc000_0102n), { op: 'RDMSR' },
    ...increment(DATA.syscalls),
    { op: 'POP', dst: 1 }, { op: 'POP', dst: 2 },
    { op: 'SYSEXIT' },
  ];
  const back = assemble(items(0n)).labels.get('back') ?? 0n;
  return {
    name: 'syscall', description: 'a CPL-3 loop of SYSENTER into a kernel that returns with SYSEXIT',
    code: assemble(items(back)).code, initial: standardGuest(), events: [], maxInstructions: calls * 24 + 100,
  };
};

/**
 * Changes its page tables (ITJ "Address-Space Compression", and the shadow-paging usage the paper
 * contrasts with EPT): alternates between two address spaces (MOV CR3 with two PML4s), remaps a
 * 4-KiB page to another frame (a store to its PTE, then INVLPG) and touches memory through it.
 */
export const pageTableKernel = (loops = 40): VtxGuestProgram => {
  const pte = LAYOUT.pt + (DATA.remapped >> 12n) * 8n;
  const frameA = 0x5_0000n | 0x67n;
  const frameB = 0x6_0000n | 0x67n;
  return program(
    'page-tables', 'MOV CR3 between two address spaces, PTE stores with INVLPG, accesses through the remapped page',
    [
      { org: LAYOUT.code },
      ...loopStart('loop', loops),
      imm(0, LAYOUT.pml4b), { op: 'MOV_TO_CR', cr: 3, src: 0 },
      imm(6, pte), imm(7, frameA), { op: 'STORE', size: 8, src: 7, mem: { base: 6, disp: 0n } },
      imm(5, DATA.remapped), { op: 'INVLPG', mem: { base: 5, disp: 0n } },
      { op: 'STORE', size: 8, src: 15, mem: { base: 5, disp: 0n } },
      imm(0, LAYOUT.pml4), { op: 'MOV_TO_CR', cr: 3, src: 0 },
      imm(7, frameB), { op: 'STORE', size: 8, src: 7, mem: { base: 6, disp: 0n } },
      { op: 'INVLPG', mem: { base: 5, disp: 0n } },
      { op: 'LOAD', size: 8, dst: 3, mem: { base: 5, disp: 0n } },
      { op: 'STORE', size: 8, src: 15, mem: { base: 5, disp: 8n } },
      { op: 'MOV_FROM_CR', cr: 3, dst: 12 },
      ...increment(DATA.loops),
      ...loopEnd('loop'),
    ],
    [], loops * 30 + 100,
  );
};

export const VTX_GUESTS = {
  'interrupt-masking': interruptMaskingKernel,
  'lazy-fpu': lazyFpuKernel,
  tpr: tprKernel,
  syscall: syscallKernel,
  'page-tables': pageTableKernel,
} as const;
export type VtxGuestName = keyof typeof VTX_GUESTS;
