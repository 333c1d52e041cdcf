/**
 * Witnesses for the rules that change behaviour without an exit (§25.3,
 * spec/vtx/non-root/changed-behaviour.ts) and for the priority rules (§25.1.1, §25.5.2,
 * spec/vtx/non-root/priority.ts): a case and what its last step must show.
 */
import type { NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import { readMemory64, type VtxState } from '../../../../spec/vtx/state.js';
import { GUEST_LAYOUT } from '../baseline.js';
import { control, cpl3, cpu, ev, fields, gpr, ins, memory, rflags, run, IF, RAX, RBX, RCX, RDX, RSI } from './edit.js';
import type { ShowWitness } from './witness.js';

const CR0 = 0x8000_0031n;
const TS = 1n << 3n;
const NE = 1n << 5n;
const retired = (o: NonRootObservation): boolean => o.kind === 'retired';
const delivered = (vector: number) => (o: NonRootObservation): boolean => o.kind === 'delivered' && o.vector === vector;
const exitWith = (reason: number) => (o: NonRootObservation): boolean => o.kind === 'vm-exit' && (o.exit.reason & 0xffff) === reason;
const rax = (s: VtxState): bigint => s.cpu.gpr[RAX] ?? 0n;
const edxEax = (s: VtxState): bigint => ((s.cpu.gpr[RDX] ?? 0n) << 32n) | (rax(s) & 0xffff_ffffn);

const show = (c: ShowWitness['shows'], expect: ShowWitness['expect'], expected: string): ShowWitness => ({ shows: c, expect, expected });

/** An IRET frame at the baseline RSP returning to 0x400100 at CPL 0 with RFLAGS = 2. */
const IRET_FRAME = memory(
  [GUEST_LAYOUT.rsp, 0x40_0100n], [GUEST_LAYOUT.rsp + 8n, 0x08n], [GUEST_LAYOUT.rsp + 16n, 0x2n],
  [GUEST_LAYOUT.rsp + 24n, GUEST_LAYOUT.rsp + 40n], [GUEST_LAYOUT.rsp + 32n, 0x10n],
);

export const CHANGED_WITNESSES = {
  'CHANGED.CR0.READ': show(run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: TS })], ins({ op: 'MOV_FROM_CR', cr: 0, dst: RAX })),
    (o, s) => retired(o) && rax(s) === (CR0 | TS), 'retired; RAX = CR0 with TS from the read shadow (1)'),
  'CHANGED.CR4.READ': show(run([fields({ CR4_GUEST_HOST_MASK: 1n << 13n, CR4_READ_SHADOW: 0n })], ins({ op: 'MOV_FROM_CR', cr: 4, dst: RAX })),
    (o, s) => retired(o) && rax(s) === 0x20n, 'retired; RAX = CR4 with VMXE from the read shadow (0)'),
  'CHANGED.SMSW': show(run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: TS })], ins({ op: 'SMSW', dst: RAX })),
    (o, s) => retired(o) && (rax(s) & 0xffffn) === ((CR0 | TS) & 0xffffn), 'retired; AX = CR0[15:0] with TS from the read shadow'),
  'CHANGED.CR0.WRITE': show(run([fields({ CR0_GUEST_HOST_MASK: NE, CR0_READ_SHADOW: CR0 & ~NE }), gpr({ [RAX]: CR0 & ~NE })], ins({ op: 'MOV_TO_CR', cr: 0, src: RAX })),
    (o, s) => retired(o) && (s.cpu.cr0 & NE) === NE, 'retired; CR0.NE (masked) keeps its value 1'),
  'CHANGED.CR4.WRITE': show(run([fields({ CR4_GUEST_HOST_MASK: 1n << 13n, CR4_READ_SHADOW: 0x20n }), gpr({ [RAX]: 0x20n })], ins({ op: 'MOV_TO_CR', cr: 4, src: RAX })),
    (o, s) => retired(o) && (s.cpu.cr4 & (1n << 13n)) !== 0n, 'retired; CR4.VMXE (masked) keeps its value 1'),
  'CHANGED.CLTS': show(run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: 0n }), cpu({ cr0: CR0 | TS })], ins({ op: 'CLTS' })),
    (o, s) => retired(o) && (s.cpu.cr0 & TS) === TS, 'retired; CR0.TS stays 1'),
  'CHANGED.LMSW': show(run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: 0n }), cpu({ cr0: CR0 | TS }), gpr({ [RAX]: 0x31n })], ins({ op: 'LMSW', src: RAX })),
    (o, s) => retired(o) && (s.cpu.cr0 & TS) === TS, 'retired; CR0.TS (masked) stays 1'),
  'CHANGED.CR8.READ': show(run([control('proc.USE_TPR_SHADOW'), memory([GUEST_LAYOUT.virtualApic + 0x80n, 0x50n])], ins({ op: 'MOV_FROM_CR', cr: 8, dst: RAX })),
    (o, s) => retired(o) && rax(s) === 5n, 'retired; RAX = VTPR[7:4] = 5'),
  'CHANGED.CR8.WRITE': show(run([control('proc.USE_TPR_SHADOW'), gpr({ [RAX]: 7n })], ins({ op: 'MOV_TO_CR', cr: 8, src: RAX })),
    (o, s) => retired(o) && (readMemory64(s.memory, GUEST_LAYOUT.virtualApic + 0x80n) & 0xffff_ffffn) === 0x70n, 'retired; VTPR = 70H'),
  'CHANGED.RDTSC.OFFSET': show(run([control('proc.USE_TSC_OFFSETTING'), fields({ TSC_OFFSET: 0x100n }), cpu({ tsc: 0x1000n })], ins({ op: 'RDTSC' })),
    (o, s) => retired(o) && edxEax(s) === 0x1100n, 'retired; EDX:EAX = TSC + offset = 1100H'),
  'CHANGED.RDMSR.TSC': show(run([control('proc.USE_MSR_BITMAPS'), control('proc.USE_TSC_OFFSETTING'), fields({ TSC_OFFSET: 0x100n }), cpu({ tsc: 0x1000n }), gpr({ [RCX]: 0x10n })], ins({ op: 'RDMSR' })),
    (o, s) => retired(o) && edxEax(s) === 0x1100n, 'retired; EDX:EAX = TSC + offset = 1100H'),
  'CHANGED.TSC.SCALING': show(run([control('proc.USE_TSC_OFFSETTING'), control('proc2.USE_TSC_SCALING'), fields({ TSC_OFFSET: 0x100n, TSC_MULTIPLIER: 2n << 48n }), cpu({ tsc: 0x1000n })], ins({ op: 'RDTSC' })),
    (o, s) => retired(o) && edxEax(s) === 0x2100n, 'retired; EDX:EAX = TSC·2 + offset = 2100H'),
  'CHANGED.RDTSCP.UD': show(run([control('proc2.ENABLE_RDTSCP', false)], ins({ op: 'RDTSCP' })), delivered(6), '#UD delivered'),
  'CHANGED.INVPCID.UD': show(run([control('proc2.ENABLE_INVPCID', false)], ins({ op: 'INVPCID', type: RAX, mem: { base: RBX, disp: 0n } })), delivered(6), '#UD delivered'),
  'CHANGED.XSAVES.UD': show(run([cpu({ cr4: 0x2020n | (1n << 18n) }), control('proc2.ENABLE_XSAVES_XRSTORS', false), gpr({ [RBX]: 0x30000n })], ins({ op: 'XSAVES', mem: { base: RBX, disp: 0n } })), delivered(6), '#UD delivered'),
  'CHANGED.IRET.NMI': show(run([control('pin.NMI_EXITING'), cpu({ blockingByNmi: true }), IRET_FRAME], ins({ op: 'IRET' })),
    (o, s) => retired(o) && s.cpu.blockingByNmi, 'retired; blocking by NMI unchanged (still 1)'),
  'CHANGED.IRET.VNMI': show(run([control('pin.NMI_EXITING'), control('pin.VIRTUAL_NMIS'), cpu({ blockingByNmi: true }), IRET_FRAME], ins({ op: 'IRET' })),
    (o, s) => retired(o) && !s.cpu.blockingByNmi, 'retired; virtual-NMI blocking removed'),
  'CHANGED.IF.EXTINT': show(run([control('pin.EXTERNAL_INTERRUPT_EXITING'), rflags(0n, IF)], ev({ kind: 'external-interrupt', vector: 0x30 })),
    exitWith(1), 'VM exit, reason 1, although RFLAGS.IF = 0'),
} as const satisfies Record<string, ShowWitness>;

/** CPL 3 with IOPL 3, CR0.AM and RFLAGS.AC: a misaligned OUTS would take #AC. */
const AC = 1n << 18n;
const IOPL3 = 3n << 12n;

export const PRIORITY_WITNESSES = {
  'PRIORITY.UD': show(run([control('proc.RDTSC_EXITING'), control('proc2.ENABLE_RDTSCP', false)], ins({ op: 'RDTSCP' })),
    delivered(6), '#UD delivered, not an RDTSCP exit'),
  'PRIORITY.CPL': show(run([cpl3, control('proc.USE_MSR_BITMAPS', false), gpr({ [RCX]: 0x174n })], ins({ op: 'RDMSR' })),
    delivered(13), '#GP delivered (CPL 3), not an RDMSR exit'),
  'PRIORITY.IO.TSS': show(run([cpl3, control('proc.UNCONDITIONAL_IO_EXITING')], ins({ op: 'OUT', size: 1, port: 0x80 })),
    delivered(13), '#GP from the TSS I/O-permission check (CPL 3 > IOPL 0, no I/O map within the TSS limit), not an I/O exit'),
  'PRIORITY.MOVDR': show(run([cpl3, control('proc.MOV_DR_EXITING')], ins({ op: 'MOV_FROM_DR', dr: 7, dst: RAX })),
    exitWith(29), 'VM exit, reason 29, although CPL 3 would #GP'),
  'PRIORITY.OPERAND': show(run([fields({ CR0_GUEST_HOST_MASK: 1n, CR0_READ_SHADOW: 0n }), gpr({ [RBX]: 0x4000_0000n })], ins({ op: 'LMSW', mem: { base: RBX, disp: 0n } })),
    delivered(14), '#PF fetching the LMSW operand, not a CR-access exit'),
  'PRIORITY.INSOUTS': show(run([cpl3, rflags(IOPL3 | AC), cpu({ cr0: CR0 | (1n << 18n) }), control('proc.UNCONDITIONAL_IO_EXITING'), gpr({ [RSI]: 0x30001n })],
    ins({ op: 'OUTS', size: 4, rep: false })), exitWith(30), 'VM exit, reason 30, before the #AC of the misaligned OUTS'),
  'PRIORITY.FAULTLIKE': show(run([control('proc.USE_MSR_BITMAPS', false), gpr({ [RCX]: 0x1234_5678n })], ins({ op: 'RDMSR' })),
    exitWith(31), 'VM exit, reason 31, not the #GP for a non-existent MSR'),
  'PRIORITY.EVENTS': show(run([control('pin.NMI_EXITING'), control('pin.EXTERNAL_INTERRUPT_EXITING'), rflags(IF),
    cpu({ pending: { extint: 0x30, nmi: true, init: false, sipi: null } })], ins({ op: 'NOP' })),
    (o) => o.kind === 'vm-exit' && (o.exit.reason & 0xffff) === 0 && ((o.exit.interruptionInfo >>> 8) & 7) === 2,
    'VM exit for the NMI (reason 0, type NMI) before the external interrupt'),
  'PRIORITY.MTF': show(run([control('proc.MONITOR_TRAP_FLAG'), control('proc.INTERRUPT_WINDOW_EXITING'), rflags(0n, IF), memory([GUEST_LAYOUT.rsp, 0x202n])], ins({ op: 'POPF' })),
    exitWith(37), 'MTF exit (reason 37) after POPF sets IF, ahead of the interrupt window that opens at the same boundary'),
} as const satisfies Record<string, ShowWitness>;
