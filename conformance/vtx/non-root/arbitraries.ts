/**
 * fast-check arbitraries for VMX non-root operation: a guest (the non-root baseline of a built-in
 * profile) with random VM-execution controls within the profile's allowed settings, exception
 * bitmap and #PF mask/match, CR0/CR4 guest/host masks and read shadows, CR3-target values, TPR
 * threshold and VTPR, I/O- and MSR-bitmap bits near the ports and MSRs the instructions use, EPT and
 * guest paging entries (sometimes broken), IDT gates (sometimes broken), guest registers (IF, CPL 3,
 * blocking, activity state), pending events — and a sequence of 1–8 non-root inputs drawn so that
 * every exit rule of spec/vtx/non-root can fire.
 *
 * The settings respect the VM-entry rules a real VMM's VMCS would satisfy (virtual NMIs need NMI
 * exiting, NMI-window exiting needs virtual NMIs, STI blocking needs IF = 1, HLT needs CPL 0, the
 * activity state must be supported, EPTP is a valid 4-level pointer, …), so that the state is one a
 * successful VM entry could have produced.
 */
import fc from 'fast-check';
import { CONTROLS, type ControlName } from '../../../spec/vtx/controls.js';
import type { GuestEvent, NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { GuestInstruction, MemOperand } from '../../../spec/vtx/guest/instructions.js';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_NAMES, type BuiltinProfileName } from '../../../spec/vtx/profiles/index.js';
import { readField, type ActivityState, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { Capabilities } from '../../../reference-vmm/cpu/vtx/capabilities.js';
import { GUEST_LAYOUT, GUEST_SELECTORS, nonRootBaseline, withCpu, withMemory, withVmcs } from './baseline.js';

// --- the controls a case may turn on (APIC virtualization, PML, VMFUNC, #VE, SPP, PT, SGX stay off) ---

const RANDOM_CONTROLS: readonly ControlName[] = [
  'pin.EXTERNAL_INTERRUPT_EXITING', 'pin.NMI_EXITING', 'pin.VIRTUAL_NMIS', 'pin.ACTIVATE_VMX_PREEMPTION_TIMER',
  'proc.INTERRUPT_WINDOW_EXITING', 'proc.USE_TSC_OFFSETTING', 'proc.HLT_EXITING', 'proc.INVLPG_EXITING', 'proc.MWAIT_EXITING',
  'proc.RDPMC_EXITING', 'proc.RDTSC_EXITING', 'proc.CR3_LOAD_EXITING', 'proc.CR3_STORE_EXITING', 'proc.CR8_LOAD_EXITING',
  'proc.CR8_STORE_EXITING', 'proc.USE_TPR_SHADOW', 'proc.NMI_WINDOW_EXITING', 'proc.MOV_DR_EXITING',
  'proc.UNCONDITIONAL_IO_EXITING', 'proc.USE_IO_BITMAPS', 'proc.MONITOR_TRAP_FLAG', 'proc.USE_MSR_BITMAPS',
  'proc.MONITOR_EXITING', 'proc.PAUSE_EXITING',
  'proc2.ENABLE_EPT', 'proc2.DESCRIPTOR_TABLE_EXITING', 'proc2.ENABLE_RDTSCP', 'proc2.WBINVD_EXITING', 'proc2.RDRAND_EXITING',
  'proc2.ENABLE_INVPCID', 'proc2.RDSEED_EXITING', 'proc2.VMCS_SHADOWING', 'proc2.ENABLE_XSAVES_XRSTORS', 'proc2.USE_TSC_SCALING',
  'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT', 'exit.SAVE_DEBUG_CONTROLS', 'exit.SAVE_IA32_PAT', 'exit.SAVE_IA32_EFER',
  'exit.SAVE_VMX_PREEMPTION_TIMER_VALUE',
];

/** Controls that exit at almost every boundary: drawn less often, so that sequences get to run. */
const FREQUENT_EXITS: readonly ControlName[] = ['proc.INTERRUPT_WINDOW_EXITING', 'proc.NMI_WINDOW_EXITING', 'proc.MONITOR_TRAP_FLAG'];

const CAPS = new Map(BUILTIN_PROFILE_NAMES.map((n) => [n, new Capabilities(BUILTIN_PROFILES[n])] as const));

const allowedControls = (profile: BuiltinProfileName): ControlName[] => {
  const caps = CAPS.get(profile)!;
  return RANDOM_CONTROLS.filter((c) => caps.allows(c) && !FREQUENT_EXITS.includes(c));
};

// --- interesting values ---

const L = GUEST_LAYOUT;
/** Register values: addresses inside and outside the mapped 16 MiB, ports, MSR indices, edges. */
const GPR_VALUES = [
  0n, 1n, 2n, 3n, 8n, 0x60n, 0x80n, 0xffn, 0xfffen, 0xffffn, 0x7fffn, 0x8000n, 0x10n, 0x174n, 0x176n, 0x1d9n, 0x277n, 0x1fffn, 0x2000n,
  0xc000_0080n, 0xc000_0100n, 0xc000_0103n, 0xc000_1fffn, 0xc000_2000n, 0x4000_0000n, 0x6000n, 0x0000_0000_8000_0031n, 0x2020n,
  0x18000n, 0x17ff8n, 0x20_0000n, 0x20_0008n, 0x20_0003n, 0x40_0000n, 0x10_0000n, 0x7000n, 0x9000n, 0xe000n, 0x4000n, 0x5000n,
  0xff_f000n, 0x100_0000n, 0x4000_0000n, 0x1_0000_0000n, 0x0000_7fff_ffff_f000n, 0x0000_8000_0000_0000n, 0xffff_ffff_ffff_fff8n,
  0x2bn, 0x33n, 0x28n, 0x30n, 0x18n, 0xffff_ffff_ffff_ffffn,
];
const DISPS = [0n, 8n, -8n, 0x10n, 0x1000n, 0x7fn, 0x4n, 0x2n];
const PORTS = [0x60, 0x61, 0x80, 0x7f, 0x7fff, 0x8000, 0xfffe, 0xffff, 0xf0];
const SELECTORS = [0, 0x08, 0x10, 0x18, 0x2b, 0x33, 0x28, 0x30, 0x7f8, 0x13, 0x48, 0x50, 0x58, 0x3b];
const VECTORS = [0, 1, 3, 6, 8, 13, 14, 0x20, 0x21, 0x30, 0x80, 0x81, 0xfe, 0xff];

const gprArb = fc.integer({ min: 0, max: 15 });
const memArb: fc.Arbitrary<MemOperand> = fc.record({
  base: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 12),
  disp: fc.constantFrom(...DISPS),
  segment: fc.constantFrom(undefined, undefined, undefined, 'ss' as const, 'fs' as const, 'es' as const),
}).map((m) => (m.segment === undefined ? { base: m.base, disp: m.disp } : m) as MemOperand);

const op = <T extends GuestInstruction>(i: T): fc.Arbitrary<GuestInstruction> => fc.constant(i);

/** Every instruction of spec/vtx/guest/instructions.ts, with operands that reach every exit rule. */
export const guestInstructionArb: fc.Arbitrary<GuestInstruction> = fc.oneof(
  // §25.1.2
  fc.constantFrom<GuestInstruction>(
    { op: 'CPUID' }, { op: 'GETSEC' }, { op: 'INVD' }, { op: 'XSETBV' }, { op: 'VMCALL' }, { op: 'VMLAUNCH' }, { op: 'VMRESUME' },
    { op: 'VMXOFF' }, { op: 'HLT' }, { op: 'RDPMC' }, { op: 'RDTSC' }, { op: 'RDTSCP' }, { op: 'RSM' }, { op: 'WBINVD' }, { op: 'MWAIT' },
    { op: 'MONITOR' }, { op: 'PAUSE' }, { op: 'CLTS' }, { op: 'RDMSR' }, { op: 'WRMSR' }, { op: 'ENCLS' }, { op: 'SYSENTER' },
    { op: 'SYSEXIT' }, { op: 'CLI' }, { op: 'STI' }, { op: 'PUSHF' }, { op: 'POPF' }, { op: 'IRET' }, { op: 'PUSH_CS' }, { op: 'INT3' },
    { op: 'INTO' }, { op: 'UD2' }, { op: 'FPU' }, { op: 'SSE' }, { op: 'NOP' }, { op: 'RET' },
  ),
  fc.record({ op: fc.constantFrom('VMCLEAR' as const, 'VMPTRLD' as const, 'VMPTRST' as const, 'VMXON' as const), mem: memArb }),
  fc.record({ op: fc.constantFrom('INVEPT' as const, 'INVVPID' as const, 'INVPCID' as const), type: gprArb, mem: memArb }),
  fc.record({ op: fc.constant('VMREAD' as const), dst: gprArb, encoding: gprArb }),
  fc.record({ op: fc.constant('VMWRITE' as const), src: gprArb, encoding: gprArb }),
  fc.record({ op: fc.constant('INVLPG' as const), mem: memArb }),
  fc.record({ op: fc.constantFrom('RDRAND' as const, 'RDSEED' as const), dst: gprArb }),
  fc.record({ op: fc.constant('MOV_TO_CR' as const), cr: fc.constantFrom(0 as const, 2 as const, 3 as const, 4 as const, 8 as const), src: gprArb }),
  fc.record({ op: fc.constant('MOV_FROM_CR' as const), cr: fc.constantFrom(0 as const, 2 as const, 3 as const, 4 as const, 8 as const), dst: gprArb }),
  fc.oneof(fc.record({ op: fc.constant('LMSW' as const), src: gprArb }), fc.record({ op: fc.constant('LMSW' as const), mem: memArb })),
  fc.record({ op: fc.constant('SMSW' as const), dst: gprArb }),
  fc.record({ op: fc.constant('MOV_TO_DR' as const), dr: fc.constantFrom(0 as const, 3 as const, 6 as const, 7 as const), src: gprArb }),
  fc.record({ op: fc.constant('MOV_FROM_DR' as const), dr: fc.constantFrom(0 as const, 1 as const, 6 as const, 7 as const), dst: gprArb }),
  fc.record({ op: fc.constantFrom('IN' as const, 'OUT' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), port: fc.oneof(fc.constant('dx' as const), fc.constantFrom(0x60, 0x61, 0x80, 0xfe, 0xff)) }),
  fc.record({ op: fc.constantFrom('INS' as const, 'OUTS' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), rep: fc.boolean() }),
  fc.record({ op: fc.constantFrom('LGDT' as const, 'LIDT' as const, 'SGDT' as const, 'SIDT' as const), mem: memArb }),
  fc.record({ op: fc.constantFrom('LLDT' as const, 'LTR' as const), src: gprArb }),
  fc.record({ op: fc.constantFrom('SLDT' as const, 'STR' as const), dst: gprArb }),
  fc.record({ op: fc.constantFrom('XSAVES' as const, 'XRSTORS' as const), mem: memArb }),
  fc.record({ op: fc.constant('MOV_TO_SS' as const), src: gprArb }),
  fc.record({ op: fc.constant('INT' as const), vector: fc.constantFrom(...VECTORS) }),
  fc.record({ op: fc.constantFrom('JMP_FAR' as const, 'CALL_FAR' as const), selector: fc.constantFrom(...SELECTORS) }),
  fc.record({ op: fc.constant('MOV_RI' as const), dst: gprArb, imm: fc.constantFrom(...GPR_VALUES) }),
  fc.record({ op: fc.constant('MOV_RR' as const), dst: gprArb, src: gprArb }),
  fc.record({ op: fc.constant('ALU' as const), fn: fc.constantFrom('add' as const, 'sub' as const, 'and' as const, 'or' as const, 'xor' as const, 'cmp' as const), dst: gprArb, src: gprArb }),
  fc.record({ op: fc.constantFrom('LOAD' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), dst: gprArb, mem: memArb }),
  fc.record({ op: fc.constantFrom('STORE' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), src: gprArb, mem: memArb }),
  fc.record({ op: fc.constant('PUSH' as const), src: gprArb }),
  fc.record({ op: fc.constant('POP' as const), dst: gprArb }),
  fc.record({ op: fc.constantFrom('JMP' as const, 'CALL' as const), target: fc.constantFrom(0x40_0100n, 0x0000_8000_0000_0000n, 0x10_0000n) }),
  fc.record({ op: fc.constant('JCC' as const), cond: fc.constantFrom('z' as const, 'nz' as const), target: fc.constantFrom(0x40_0100n, 0x0000_8000_0000_0000n) }),
  op({ op: 'NOP' }),
);

export const guestEventArb: fc.Arbitrary<GuestEvent> = fc.oneof(
  fc.record({ kind: fc.constant('external-interrupt' as const), vector: fc.constantFrom(0x20, 0x21, 0x30, 0x80, 0xef, 0xff, 0x0e) }),
  fc.constant({ kind: 'nmi' as const }),
  fc.constant({ kind: 'init' as const }),
  fc.record({ kind: fc.constant('sipi' as const), vector: fc.constantFrom(0x00, 0x9a, 0xff) }),
  fc.constant({ kind: 'preemption-timer-expiry' as const }),
);

export const nonRootInputArb: fc.Arbitrary<NonRootInput> = fc.oneof(
  { weight: 5, arbitrary: guestInstructionArb.map((instruction) => ({ kind: 'instruction' as const, instruction })) },
  { weight: 1, arbitrary: guestEventArb.map((event) => ({ kind: 'event' as const, event })) },
);

// --- the setup of a case ---

/** A broken paging or EPT entry: which 2-MiB region (PD index) and what happens to its entry. */
export interface EntryBreak {
  readonly table: 'guest-pd' | 'guest-pml4' | 'ept-pd' | 'ept-pml4';
  readonly index: number;
  readonly edit: 'not-present' | 'read-only' | 'supervisor' | 'clear-ad' | 'misconfig-w' | 'misconfig-type' | 'reserved' | 'execute-only';
}

export interface GateBreak {
  readonly vector: number;
  readonly edit: 'not-present' | 'bad-type' | 'dpl0' | 'bad-selector';
}

export interface NonRootSetup {
  /**
   * 'protected': the guest is switched to 32-bit protected mode with 32-bit paging (see protectedGuest);
   * 'pae': the same with PAE paging (see paeGuest).
   */
  readonly mode: 'ia32e' | 'protected' | 'pae';
  readonly xssExitBitmap: bigint;
  readonly enclsExitingBitmap: bigint;
  readonly inSmm: boolean;
  readonly controls: readonly ControlName[];
  readonly exceptionBitmap: bigint;
  readonly pfecMask: bigint;
  readonly pfecMatch: bigint;
  readonly cr0Mask: bigint;
  readonly cr0Shadow: bigint;
  readonly cr4Mask: bigint;
  readonly cr4Shadow: bigint;
  readonly cr3Count: number;
  readonly cr3Targets: readonly bigint[];
  readonly tprThreshold: number;
  readonly vtpr: number;
  readonly ioPorts: readonly number[];
  readonly msrBits: readonly { readonly msr: number; readonly write: boolean }[];
  readonly eptAd: boolean;
  readonly breaks: readonly EntryBreak[];
  readonly gates: readonly GateBreak[];
  readonly gpr: readonly bigint[];
  readonly rsp: bigint;
  /** tf: single-stepping (Vol. 3B §17.3.1.4). */
  readonly flags: { readonly if: boolean; readonly of: boolean; readonly zf: boolean; readonly df: boolean; readonly ac: boolean; readonly iopl3: boolean; readonly tf: boolean };
  readonly cpl3: boolean;
  readonly blocking: 'none' | 'sti' | 'mov-ss';
  readonly blockingByNmi: boolean;
  readonly activity: ActivityState;
  readonly pending: { readonly extint: number | null; readonly nmi: boolean; readonly init: boolean; readonly sipi: number | null };
  readonly cr0Extra: bigint;
  readonly cr4Extra: bigint;
  readonly tsc: bigint;
  readonly tscOffset: bigint;
  readonly tscMultiplier: bigint;
  readonly msrs: readonly (readonly [number, bigint])[];
}

export interface NonRootCase {
  readonly profile: BuiltinProfileName;
  readonly setup: NonRootSetup;
  readonly steps: readonly NonRootInput[];
}

const CR0_BITS = [0x1n, 0x2n, 0x4n, 0x8n, 0x20n, 0x1_0000n, 0x4_0000n, 0x2000_0000n, 0x4000_0000n, 0x8000_0000n];
const CR4_BITS = [0x4n, 0x8n, 0x20n, 0x80n, 0x100n, 0x200n, 0x2000n, 0x4000n, 0x4_0000n, 0x10_0000n];
const subsetOf = (bits: readonly bigint[]): fc.Arbitrary<bigint> =>
  fc.subarray([...bits]).map((xs) => xs.reduce((a, b) => a | b, 0n));

const u32 = fc.bigInt({ min: 0n, max: 0xffff_ffffn });

const setupArb = (profile: BuiltinProfileName): fc.Arbitrary<NonRootSetup> => {
  const caps = CAPS.get(profile)!;
  const activities: ActivityState[] = ['active'];
  if (caps.activityStateSupported(1n)) activities.push('hlt');
  if (caps.activityStateSupported(2n)) activities.push('shutdown');
  if (caps.activityStateSupported(3n)) activities.push('wait-for-sipi');
  return fc.record({
    mode: fc.oneof({ weight: 4, arbitrary: fc.constant('ia32e' as const) }, { weight: 1, arbitrary: fc.constant('protected' as const) }, { weight: 1, arbitrary: fc.constant('pae' as const) }),
    xssExitBitmap: fc.constantFrom(0n, 0x100n, 0xffff_ffff_ffff_ffffn),
    enclsExitingBitmap: fc.constantFrom(0n, 0x5n, 0xffff_ffff_ffff_ffffn),
    inSmm: fc.oneof({ weight: 20, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    controls: fc.tuple(
      fc.subarray(allowedControls(profile)),
      fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.subarray(FREQUENT_EXITS.filter((c) => caps.allows(c))) }),
    ).map(([a, b]) => [...a, ...b]),
    exceptionBitmap: fc.oneof(fc.constant(0n), fc.constant(0xffff_ffffn), u32, fc.nat({ max: 31 }).map((b) => 1n << BigInt(b)), fc.constant(1n << 14n)),
    pfecMask: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0x1fn })),
    pfecMatch: fc.oneof(fc.constant(0n), fc.constant(0xffff_ffffn), fc.bigInt({ min: 0n, max: 0x1fn })),
    cr0Mask: subsetOf(CR0_BITS),
    cr0Shadow: fc.oneof(subsetOf(CR0_BITS), fc.constant(0x8000_0031n)),
    cr4Mask: subsetOf(CR4_BITS),
    cr4Shadow: fc.oneof(subsetOf(CR4_BITS), fc.constant(0x2020n)),
    cr3Count: fc.nat({ max: 4 }),
    cr3Targets: fc.array(fc.constantFrom(0x4000n, 0x5000n, 0x6000n, 0n, 0x18000n), { minLength: 4, maxLength: 4 }),
    tprThreshold: fc.nat({ max: 15 }),
    vtpr: fc.nat({ max: 255 }),
    ioPorts: fc.subarray(PORTS),
    msrBits: fc.array(fc.record({ msr: fc.constantFrom(0x10, 0x174, 0x1d9, 0x277, 0x1fff, 0xc000_0080, 0xc000_0100, 0xc000_0103, 0xc000_1fff), write: fc.boolean() }), { maxLength: 4 }),
    eptAd: fc.boolean(),
    breaks: fc.array(fc.record({
      table: fc.constantFrom('guest-pd' as const, 'guest-pml4' as const, 'ept-pd' as const, 'ept-pml4' as const),
      index: fc.constantFrom(0, 1, 2),
      edit: fc.constantFrom('not-present' as const, 'read-only' as const, 'supervisor' as const, 'clear-ad' as const, 'misconfig-w' as const, 'misconfig-type' as const, 'reserved' as const, 'execute-only' as const),
    }), { maxLength: 2 }),
    gates: fc.array(fc.record({ vector: fc.constantFrom(...VECTORS, 2, 8, 12), edit: fc.constantFrom('not-present' as const, 'bad-type' as const, 'dpl0' as const, 'bad-selector' as const) }), { maxLength: 2 }),
    gpr: fc.array(fc.constantFrom(...GPR_VALUES), { minLength: 16, maxLength: 16 }),
    rsp: fc.constantFrom(L.rsp, L.rsp, 0x17ff8n, 0x18004n, 0x20_0000n, 0x1000n, 0x100_0010n),
    flags: fc.record({ if: fc.boolean(), of: fc.boolean(), zf: fc.boolean(), df: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }), ac: fc.boolean(), iopl3: fc.boolean(), tf: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) }),
    cpl3: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    blocking: fc.constantFrom('none' as const, 'none' as const, 'sti' as const, 'mov-ss' as const),
    blockingByNmi: fc.boolean(),
    activity: fc.oneof({ weight: 8, arbitrary: fc.constant('active' as const) }, { weight: 1, arbitrary: fc.constantFrom(...activities) }),
    pending: fc.record({
      extint: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(0x20, 0x30, 0xff) }),
      nmi: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      init: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      sipi: fc.constant(null),
    }),
    cr0Extra: subsetOf([0x2n, 0x4n, 0x8n, 0x1_0000n]),
    cr4Extra: subsetOf([0x4n, 0x8n, 0x100n, 0x200n, 0x4000n, 0x4_0000n]),
    tsc: fc.constantFrom(0n, 0x1234_5678_9abcn, 0xffff_ffff_ffff_fff0n),
    tscOffset: fc.constantFrom(0n, 0x1000n, 0xffff_ffff_ffff_f000n),
    tscMultiplier: fc.constantFrom(1n << 48n, 2n << 48n, 0x8000_0000_0000n),
    msrs: fc.subarray([[0x277, 0x0007_0406_0007_0406n] as const, [0xc000_0103, 0x42n] as const, [0xda0, 0x100n] as const, [0x1d9, 0n] as const]),
  });
};

export const nonRootCaseArb = (): fc.Arbitrary<NonRootCase> =>
  fc.constantFrom(...BUILTIN_PROFILE_NAMES).chain((profile) => fc.record({
    profile: fc.constant(profile),
    setup: setupArb(profile),
    steps: fc.array(nonRootInputArb, { minLength: 1, maxLength: 8 }),
  }));

// --- realising a setup on the baseline ---

const field = (s: VtxState, n: FieldName): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, n);

const VECTOR_FIELD = { pin: 'PIN_BASED_VM_EXEC_CONTROL', proc: 'CPU_BASED_VM_EXEC_CONTROL', proc2: 'SECONDARY_VM_EXEC_CONTROL', exit: 'VM_EXIT_CONTROLS' } as const;

const controlsOf = (profile: BuiltinProfileName, wanted: readonly ControlName[]): Set<ControlName> => {
  const caps = CAPS.get(profile)!;
  const on = new Set(wanted);
  // Dependencies the VM-entry checks impose (§26.2.1.1).
  if (on.has('proc.NMI_WINDOW_EXITING') && !on.has('pin.VIRTUAL_NMIS')) on.delete('proc.NMI_WINDOW_EXITING');
  if (on.has('pin.VIRTUAL_NMIS') && !on.has('pin.NMI_EXITING')) on.delete('pin.VIRTUAL_NMIS');
  if (on.has('proc.NMI_WINDOW_EXITING') && !on.has('pin.VIRTUAL_NMIS')) on.delete('proc.NMI_WINDOW_EXITING');
  if (on.has('exit.SAVE_VMX_PREEMPTION_TIMER_VALUE') && !on.has('pin.ACTIVATE_VMX_PREEMPTION_TIMER')) on.delete('exit.SAVE_VMX_PREEMPTION_TIMER_VALUE');
  if ([...on].some((c) => c.startsWith('proc2.'))) {
    if (caps.allows('proc.ACTIVATE_SECONDARY_CONTROLS')) on.add('proc.ACTIVATE_SECONDARY_CONTROLS');
    else for (const c of [...on]) if (c.startsWith('proc2.')) on.delete(c);
  }
  return on;
};

const applyControls = (s: VtxState, on: Set<ControlName>): VtxState => {
  const values: Partial<Record<FieldName, bigint>> = {};
  for (const [vector, name] of Object.entries(VECTOR_FIELD) as [keyof typeof VECTOR_FIELD, FieldName][]) {
    let v = field(s, name);
    for (const c of on) if (CONTROLS[c].vector === vector) v |= 1n << BigInt(CONTROLS[c].bit);
    values[name] = v;
  }
  return withVmcs(s, values);
};

const breakEntry = (value: bigint, b: EntryBreak): bigint => {
  const ept = b.table.startsWith('ept');
  switch (b.edit) {
    case 'not-present': return ept ? value & ~7n : value & ~1n;
    case 'read-only': return ept ? value & ~2n : value & ~2n;
    case 'supervisor': return ept ? value & ~4n : value & ~4n;
    case 'clear-ad': return ept ? value & ~0x300n : value & ~0x60n;
    case 'misconfig-w': return ept ? (value & ~7n) | 2n : value | (1n << 51n);
    case 'misconfig-type': return ept ? (b.table === 'ept-pd' ? (value & ~0x38n) | (2n << 3n) : value | 0x8n) : value | (1n << 63n);
    case 'reserved': return value | (1n << 50n);
    case 'execute-only': return ept ? (value & ~7n) | 4n : value & ~1n;
  }
};

const tableBase = (t: EntryBreak['table']): bigint =>
  t === 'guest-pd' ? L.pd : t === 'guest-pml4' ? L.pml4 : t === 'ept-pd' ? L.eptPd : L.eptPml4;

const setBit = (memory: Map<bigint, bigint>, base: bigint, n: number): void => {
  const at = base + BigInt(Math.floor(n / 64) * 8);
  memory.set(at, (memory.get(at) ?? 0n) | (1n << BigInt(n % 64)));
};

const BASELINES = new Map<BuiltinProfileName, VtxState>();
const baselineOf = (profile: BuiltinProfileName): VtxState => {
  let s = BASELINES.get(profile);
  if (s === undefined) {
    s = nonRootBaseline(BUILTIN_PROFILES[profile]);
    BASELINES.set(profile, s);
  }
  return s;
};

/** The state of a case before its first step. */
export const realiseNonRootCase = (c: NonRootCase): VtxState => {
  const caps = CAPS.get(c.profile)!;
  const u = c.setup;
  let s = baselineOf(c.profile);
  const on = controlsOf(c.profile, u.controls);
  s = applyControls(s, on);
  const eptp = L.eptPml4 | (3n << 3n) | 6n | (u.eptAd && ((caps.eptVpidCap >> 21n) & 1n) === 1n ? 1n << 6n : 0n);
  const vtprNibble = u.vtpr >> 4;
  s = withVmcs(s, {
    EXCEPTION_BITMAP: u.exceptionBitmap,
    PAGE_FAULT_ERROR_CODE_MASK: u.pfecMask,
    PAGE_FAULT_ERROR_CODE_MATCH: u.pfecMatch,
    CR0_GUEST_HOST_MASK: u.cr0Mask,
    CR0_READ_SHADOW: u.cr0Shadow,
    CR4_GUEST_HOST_MASK: u.cr4Mask,
    CR4_READ_SHADOW: u.cr4Shadow,
    CR3_TARGET_COUNT: BigInt(u.cr3Count),
    CR3_TARGET_VALUE0: u.cr3Targets[0] ?? 0n,
    CR3_TARGET_VALUE1: u.cr3Targets[1] ?? 0n,
    CR3_TARGET_VALUE2: u.cr3Targets[2] ?? 0n,
    CR3_TARGET_VALUE3: u.cr3Targets[3] ?? 0n,
    // Entry requires TPR threshold[3:0] <= VTPR[7:4] (without virtual-interrupt delivery).
    TPR_THRESHOLD: BigInt(on.has('proc.USE_TPR_SHADOW') ? Math.min(u.tprThreshold, vtprNibble) : u.tprThreshold),
    TSC_OFFSET: u.tscOffset,
    XSS_EXIT_BITMAP: u.xssExitBitmap,
    ENCLS_EXITING_BITMAP: u.enclsExitingBitmap,
    TSC_MULTIPLIER: u.tscMultiplier,
    VMX_PREEMPTION_TIMER_VALUE: 0x1000n,
    ...(on.has('proc2.ENABLE_EPT') ? { EPT_POINTER: eptp } : {}),
    ...(on.has('proc2.VMCS_SHADOWING') ? { VMREAD_BITMAP: 0x13000n, VMWRITE_BITMAP: 0x14000n } : {}),
  });
  const memory = new Map(s.memory);
  memory.set(L.virtualApic + 0x80n, BigInt(u.vtpr));
  for (const p of u.ioPorts) setBit(memory, p < 0x8000 ? L.ioBitmapA : L.ioBitmapB, p & 0x7fff);
  for (const { msr, write } of u.msrBits) {
    const offset = (write ? 2048n : 0n) + (msr >= 0xc000_0000 ? 1024n : 0n);
    setBit(memory, L.msrBitmap + offset, msr & 0x1fff);
  }
  // VMREAD/VMWRITE bitmaps: the guest-state fields stay with the VMM, the rest go to the shadow VMCS.
  setBit(memory, 0x13000n, 0x4400 >> 1);
  setBit(memory, 0x14000n, 0x681e >> 1);
  for (const b of u.breaks) {
    const at = tableBase(b.table) + BigInt(8 * (b.table.endsWith('pml4') ? 0 : b.index));
    memory.set(at, breakEntry(memory.get(at) ?? 0n, b));
  }
  for (const gb of u.gates) {
    const at = L.idt + BigInt(16 * gb.vector);
    const lo = memory.get(at) ?? 0n;
    const edited = gb.edit === 'not-present' ? lo & ~(1n << 47n)
      : gb.edit === 'bad-type' ? (lo & ~(0xfn << 40n)) | (0x6n << 40n)
        : gb.edit === 'dpl0' ? lo & ~(3n << 45n)
          : (lo & ~(0xffffn << 16n)) | (BigInt(GUEST_SELECTORS.kernelData) << 16n);
    memory.set(at, edited);
  }
  s = withMemory(s, memory);

  if (u.mode === 'protected') s = protectedGuest(s);
  if (u.mode === 'pae') s = paeGuest(s);
  const cpl3 = u.cpl3 && u.activity !== 'hlt';
  const ifSet = u.flags.if;
  const blocking = u.blocking === 'sti' && !ifSet ? 'none' : u.blocking;
  const rflags = 2n | (ifSet ? 0x200n : 0n) | (u.flags.df ? 0x400n : 0n) | (u.flags.of ? 0x800n : 0n) | (u.flags.zf ? 0x40n : 0n) | (u.flags.ac ? 0x4_0000n : 0n) | (u.flags.iopl3 ? 0x3000n : 0n) | (u.flags.tf ? 0x100n : 0n);
  const msrs = new Map(s.cpu.msrs);
  for (const [index, value] of u.msrs) msrs.set(index, value);
  const segments = cpl3
    ? {
      ...s.cpu.segments,
      cs: u.mode !== 'ia32e'
        ? { selector: PROTECTED.userCode32 | 3, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0fb }
        : { selector: GUEST_SELECTORS.userCode | 3, base: 0n, limit: 0xffff_ffff, accessRights: 0xa0fb },
      ss: { selector: GUEST_SELECTORS.userData | 3, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0f3 },
    }
    : s.cpu.segments;
  // Activity states other than active need a supported state; shutdown and wait-for-SIPI block STI/MOV-SS use.
  const activity = u.activity;
  s = withCpu(s, {
    gpr: u.gpr.map((v, i) => (i === 4 ? 0n : v)),
    rsp: u.rsp,
    rflags,
    cpl: cpl3 ? 3 : 0,
    segments,
    cr0: s.cpu.cr0 | u.cr0Extra,
    cr4: (s.cpu.cr4 | u.cr4Extra) & caps.cr4Fixed1,
    blockingBySti: blocking === 'sti' && activity === 'active',
    blockingByMovSs: blocking === 'mov-ss' && activity === 'active',
    blockingByNmi: u.blockingByNmi,
    activity,
    pending: u.pending,
    tsc: u.tsc,
    msrs,
    inSmm: u.inSmm,
  });
  return s;
};

// --- a 32-bit protected-mode guest: 8-byte IDT gates, a 32-bit TSS, task gates, 32-bit paging ---

/**
 * Where the protected-mode guest keeps its own tables (outside the baseline's, inside the mapped 16 MiB);
 * the PAE guest's page-directory-pointer table is at an address the register values include, so that
 * generated programs load CR3 with it and store into it.
 */
export const PROTECTED = {
  pdpt: 0x18000n, paePd: 0x19000n,
  pd: 0x15000n, tss: 0x16000n, tss2: 0x16100n, idt: 0x17000n, idtLimit: 0x7ff,
  code32: 0x38, userCode32: 0x40, tssSelector: 0x48, availableTss: 0x50, taskGate: 0x58,
  /** IDT vector whose gate is a task gate (to the available TSS). */
  taskGateVector: 0x81,
} as const;

const descriptor32 = (base: bigint, limit: number, access: number, flags: number): bigint =>
  BigInt(limit & 0xffff) | ((base & 0xff_ffffn) << 16n) | (BigInt(access) << 40n) | (BigInt((limit >> 16) & 0xf) << 48n)
  | (BigInt(flags) << 52n) | (((base >> 24n) & 0xffn) << 56n);

/**
 * The IA-32e guest switched to 32-bit protected mode: EFER.LME/LMA = 0, CR4.PAE = 0 and PSE = 1 with a
 * page directory of 4-MiB pages mapping 16 MiB one-to-one, 32-bit flat code segments, 8-byte
 * interrupt gates to the same handlers (a task gate at vector 81H), a busy 32-bit TSS (ESP0 20000H,
 * SS0 10H, no I/O bitmap) and an available one with a task gate to it in the GDT; the "IA-32e mode
 * guest" entry control is cleared so that the VMM can resume it.
 */
export const protectedGuest = (s: VtxState): VtxState => {
  const P = PROTECTED;
  const memory = new Map(s.memory);
  const write32 = (at: bigint, v: bigint): void => {
    const w = at & ~7n;
    const shift = (at & 4n) * 8n;
    memory.set(w, ((memory.get(w) ?? 0n) & ~(0xffff_ffffn << shift)) | ((v & 0xffff_ffffn) << shift));
  };
  for (let i = 0n; i < 4n; i++) write32(P.pd + 4n * i, (i << 22n) | 0xe7n);
  memory.set(L.gdt + BigInt(P.code32), descriptor32(0n, 0xfffff, 0x9b, 0xc));
  memory.set(L.gdt + BigInt(P.userCode32), descriptor32(0n, 0xfffff, 0xfb, 0xc));
  memory.set(L.gdt + BigInt(P.tssSelector), descriptor32(P.tss, 0x67, 0x8b, 0));
  memory.set(L.gdt + BigInt(P.availableTss), descriptor32(P.tss2, 0x67, 0x89, 0));
  memory.set(L.gdt + BigInt(P.taskGate), BigInt(P.availableTss) << 16n | (0x85n << 40n));
  write32(P.tss + 4n, 0x20000n);
  write32(P.tss + 8n, 0x10n);
  write32(P.tss + 0x64n, 0x68n << 16n);
  for (let v = 0; v < 256; v++) {
    const target = L.handlers + BigInt(16 * v);
    const dpl = v === 3 || v === 4 || v === 0x80 ? 3n : 0n;
    const gate = v === P.taskGateVector
      ? (BigInt(P.availableTss) << 16n) | ((0x85n | (dpl << 5n)) << 40n)
      : (target & 0xffffn) | (BigInt(P.code32) << 16n) | ((0x8en | (dpl << 5n)) << 40n) | (((target >> 16n) & 0xffffn) << 48n);
    memory.set(P.idt + BigInt(8 * v), gate);
  }
  const flat = (selector: number) => ({ selector, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 });
  const entry = field(s, 'VM_ENTRY_CONTROLS') & ~(1n << 9n);
  return withVmcs(withCpu({ ...s, memory }, {
    cr3: P.pd,
    cr4: (s.cpu.cr4 & ~0x20n) | 0x10n,
    efer: s.cpu.efer & ~0x500n,
    csL: false,
    segments: {
      ...s.cpu.segments,
      cs: { selector: P.code32, base: 0n, limit: 0xffff_ffff, accessRights: 0xc09b },
      ss: flat(GUEST_SELECTORS.kernelData), ds: flat(GUEST_SELECTORS.kernelData), es: flat(GUEST_SELECTORS.kernelData),
      fs: flat(GUEST_SELECTORS.kernelData), gs: flat(GUEST_SELECTORS.kernelData),
      tr: { selector: P.tssSelector, base: P.tss, limit: 0x67, accessRights: 0x8b },
    },
    idtr: { base: P.idt, limit: P.idtLimit },
  }), { VM_ENTRY_CONTROLS: entry });
};

/**
 * The protected-mode guest with PAE paging instead (Vol. 3A §4.4): CR4.PAE = 1, CR3 at a 32-byte
 * table whose first PDPTE points to a page directory of 2-MiB pages mapping 16 MiB one-to-one, the
 * other three not present. The PDPTE registers hold the table's entries, and so does GUEST_PDPTR0-3,
 * which VM entry would load them from with EPT (§26.3.2.4).
 */
export const paeGuest = (s: VtxState): VtxState => {
  const P = PROTECTED;
  const p = protectedGuest(s);
  const pdpte = [P.paePd | 1n, 0n, 0n, 0n];
  const words: [bigint, bigint][] = [
    ...pdpte.map((e, i) => [P.pdpt + BigInt(8 * i), e] as [bigint, bigint]),
    ...Array.from({ length: 8 }, (_, i) => [P.paePd + BigInt(8 * i), (BigInt(i) << 21n) | 0xe7n] as [bigint, bigint]),
  ];
  return withVmcs(withCpu(withMemory(p, words), { cr3: P.pdpt, cr4: p.cpu.cr4 | 0x20n, pdpte }), {
    GUEST_PDPTR0: pdpte[0], GUEST_PDPTR1: 0n, GUEST_PDPTR2: 0n, GUEST_PDPTR3: 0n,
  });
};

// --- PAE-paging programs ---

const R = fc.constantFrom(0, 1, 2);
/** Values the PAE programs move into registers: tables, PDPTEs (one with reserved bit 1 set), CR0 and CR4 values, addresses. */
const PAE_VALUES = [
  PROTECTED.pdpt, PROTECTED.pdpt + 0x20n, PROTECTED.paePd | 1n, 0x1a000n | 1n, 0x1a000n | 3n, 0n,
  0x8000_0031n, 0xc000_0031n, 0x8001_0031n, 0x2020n, 0x20a0n, 0x2030n, 0x2220n, 0x2000n,
  0x40_0000n, 0x4000_0000n, 0xc000_0000n,
];
/** Programs that load and rewrite PAE paging structures: moves, MOV to CR0/CR3/CR4, stores into the tables, loads through them. */
const paeInputArb: fc.Arbitrary<NonRootInput> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('MOV_RI' as const), dst: R, imm: fc.constantFrom(...PAE_VALUES) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('MOV_TO_CR' as const), cr: fc.constantFrom(0 as const, 3 as const, 4 as const), src: R }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('STORE' as const), size: fc.constant(8 as const), src: R, mem: fc.record({ base: R, disp: fc.constantFrom(0n, 8n, 0x20n, 0x28n) }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('LOAD' as const), size: fc.constant(8 as const), dst: R, mem: fc.record({ base: R, disp: fc.constantFrom(0n, 8n, 0x1000n) }) }) },
  fc.record({ op: fc.constant('MOV_FROM_CR' as const), cr: fc.constantFrom(0 as const, 3 as const, 4 as const), dst: R }),
).map((instruction): NonRootInput => ({ kind: 'instruction', instruction }));

/** Cases in the PAE-paging guest running `paeInputArb` programs (with an event now and then). */
export const paeCaseArb = (): fc.Arbitrary<NonRootCase> =>
  fc.constantFrom(...BUILTIN_PROFILE_NAMES).chain((profile) => fc.record({
    profile: fc.constant(profile),
    setup: setupArb(profile).map((u): NonRootSetup => ({ ...u, mode: 'pae' })),
    steps: fc.array(fc.oneof({ weight: 8, arbitrary: paeInputArb }, { weight: 1, arbitrary: nonRootInputArb }), { minLength: 1, maxLength: 10 }),
  }));
