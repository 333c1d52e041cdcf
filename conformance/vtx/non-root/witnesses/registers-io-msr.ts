/**
 * Witnesses for control-register accesses (§25.1.3 with the guest/host masks and read shadows of
 * §24.6.6, CR3 targets §24.6.7, TPR shadow §29.1.2), I/O instructions (§24.6.4) and RDMSR/WRMSR
 * (§24.6.9): spec/vtx/non-root/control-registers.ts, io.ts, msr.ts.
 */
import { control, fields, gpr, ins, ioBit, msrBit, run, RAX, RCX, RDX } from './edit.js';
import type { ExitWitness } from './witness.js';

const CR0 = 0x8000_0031n; // baseline guest CR0: PG, NE, ET, PE
const TS = 1n << 3n;
const CR4 = 0x2020n; // PAE, VMXE

export const CONTROL_REGISTER_WITNESSES = {
  'EXIT.CR0.WRITE.MASK': {
    // Mask TS with shadow TS = 0: writing TS = 1 differs from the shadow in a masked bit.
    exits: run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: CR0 }), gpr({ [RAX]: CR0 | TS })], ins({ op: 'MOV_TO_CR', cr: 0, src: RAX })),
    // Only the unmasked WP bit changes.
    noExit: run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: CR0 }), gpr({ [RAX]: CR0 | (1n << 16n) })], ins({ op: 'MOV_TO_CR', cr: 0, src: RAX })),
  },
  'EXIT.CR4.WRITE.MASK': {
    exits: run([fields({ CR4_GUEST_HOST_MASK: 1n << 13n, CR4_READ_SHADOW: 0x20n }), gpr({ [RAX]: CR4 })], ins({ op: 'MOV_TO_CR', cr: 4, src: RAX })),
    noExit: run([fields({ CR4_GUEST_HOST_MASK: 1n << 13n, CR4_READ_SHADOW: 0x20n }), gpr({ [RAX]: 0x20n })], ins({ op: 'MOV_TO_CR', cr: 4, src: RAX })),
  },
  'EXIT.CLTS': {
    exits: run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: TS })], ins({ op: 'CLTS' })),
    noExit: run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: 0n })], ins({ op: 'CLTS' })),
  },
  'EXIT.LMSW': {
    // PE can only be set by LMSW: mask.PE = 1, shadow.PE = 0, source.PE = 1 exits.
    exits: run([fields({ CR0_GUEST_HOST_MASK: 1n, CR0_READ_SHADOW: 0n }), gpr({ [RAX]: 0x31n })], ins({ op: 'LMSW', src: RAX })),
    noExit: run([fields({ CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: 0n }), gpr({ [RAX]: 0x31n })], ins({ op: 'LMSW', src: RAX })),
  },
  'EXIT.CR3.LOAD.TARGET': {
    exits: run([control('proc.CR3_LOAD_EXITING'), fields({ CR3_TARGET_COUNT: 1n, CR3_TARGET_VALUE0: 0x4000n }), gpr({ [RAX]: 0x5000n })],
      ins({ op: 'MOV_TO_CR', cr: 3, src: RAX })),
    noExit: run([control('proc.CR3_LOAD_EXITING'), fields({ CR3_TARGET_COUNT: 1n, CR3_TARGET_VALUE0: 0x4000n }), gpr({ [RAX]: 0x4000n })],
      ins({ op: 'MOV_TO_CR', cr: 3, src: RAX })),
  },
  'EXIT.CR3.STORE': {
    exits: run([control('proc.CR3_STORE_EXITING')], ins({ op: 'MOV_FROM_CR', cr: 3, dst: RAX })),
    noExit: run([control('proc.CR3_STORE_EXITING', false)], ins({ op: 'MOV_FROM_CR', cr: 3, dst: RAX })),
  },
  'EXIT.CR8.LOAD': {
    exits: run([control('proc.CR8_LOAD_EXITING')], ins({ op: 'MOV_TO_CR', cr: 8, src: RAX })),
    noExit: run([control('proc.CR8_LOAD_EXITING', false)], ins({ op: 'MOV_TO_CR', cr: 8, src: RAX })),
  },
  'EXIT.CR8.STORE': {
    exits: run([control('proc.CR8_STORE_EXITING')], ins({ op: 'MOV_FROM_CR', cr: 8, dst: RAX })),
    noExit: run([control('proc.CR8_STORE_EXITING', false)], ins({ op: 'MOV_FROM_CR', cr: 8, dst: RAX })),
  },
  'EXIT.TPR.BELOW.THRESHOLD': {
    exits: run([control('proc.USE_TPR_SHADOW'), fields({ TPR_THRESHOLD: 5n }), gpr({ [RAX]: 2n })], ins({ op: 'MOV_TO_CR', cr: 8, src: RAX })),
    noExit: run([control('proc.USE_TPR_SHADOW'), fields({ TPR_THRESHOLD: 5n }), gpr({ [RAX]: 6n })], ins({ op: 'MOV_TO_CR', cr: 8, src: RAX })),
  },
} as const satisfies Record<string, ExitWitness>;

export const IO_WITNESSES = {
  'EXIT.IO.UNCONDITIONAL': {
    exits: run([control('proc.UNCONDITIONAL_IO_EXITING')], ins({ op: 'OUT', size: 1, port: 0x80 })),
    noExit: run([control('proc.UNCONDITIONAL_IO_EXITING', false)], ins({ op: 'OUT', size: 1, port: 0x80 })),
  },
  'EXIT.IO.BITMAP': {
    // A 2-byte OUT to 5FH touches ports 5FH and 60H; only 60H's bit is set.
    exits: run([control('proc.USE_IO_BITMAPS'), ioBit(0x60), gpr({ [RDX]: 0x5fn })], ins({ op: 'OUT', size: 2, port: 'dx' })),
    noExit: run([control('proc.USE_IO_BITMAPS'), ioBit(0x60), gpr({ [RDX]: 0x5en })], ins({ op: 'OUT', size: 2, port: 'dx' })),
  },
  'EXIT.IO.BITMAP.WRAP': {
    exits: run([control('proc.USE_IO_BITMAPS'), gpr({ [RDX]: 0xffffn })], ins({ op: 'IN', size: 2, port: 'dx' })),
    noExit: run([control('proc.USE_IO_BITMAPS'), gpr({ [RDX]: 0xffffn })], ins({ op: 'IN', size: 1, port: 'dx' })),
  },
} as const satisfies Record<string, ExitWitness>;

const SYSENTER_CS = 0x174n;
const EFER = 0xc000_0080n;
const msr = (ecx: bigint, value = 0n) => gpr({ [RCX]: ecx, [RAX]: value & 0xffff_ffffn, [RDX]: value >> 32n });
const GUEST_EFER = 0xd00n;

export const MSR_WITNESSES = {
  'EXIT.RDMSR.NOBITMAP': {
    exits: run([control('proc.USE_MSR_BITMAPS', false), msr(SYSENTER_CS)], ins({ op: 'RDMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msr(SYSENTER_CS)], ins({ op: 'RDMSR' })),
  },
  'EXIT.WRMSR.NOBITMAP': {
    exits: run([control('proc.USE_MSR_BITMAPS', false), msr(SYSENTER_CS, 8n)], ins({ op: 'WRMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msr(SYSENTER_CS, 8n)], ins({ op: 'WRMSR' })),
  },
  'EXIT.RDMSR.OUTSIDE': {
    exits: run([control('proc.USE_MSR_BITMAPS'), msr(0x4000_0000n)], ins({ op: 'RDMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msr(0x1fffn)], ins({ op: 'RDMSR' })),
  },
  'EXIT.WRMSR.OUTSIDE': {
    exits: run([control('proc.USE_MSR_BITMAPS'), msr(0x4000_0000n)], ins({ op: 'WRMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msr(SYSENTER_CS, 8n)], ins({ op: 'WRMSR' })),
  },
  'EXIT.RDMSR.BITMAP.LOW': {
    exits: run([control('proc.USE_MSR_BITMAPS'), msrBit(0x174, 'read'), msr(SYSENTER_CS)], ins({ op: 'RDMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msrBit(0x174, 'write'), msr(SYSENTER_CS)], ins({ op: 'RDMSR' })),
  },
  'EXIT.RDMSR.BITMAP.HIGH': {
    exits: run([control('proc.USE_MSR_BITMAPS'), msrBit(0xc000_0080, 'read'), msr(EFER)], ins({ op: 'RDMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msrBit(0x80, 'read'), msr(EFER)], ins({ op: 'RDMSR' })),
  },
  'EXIT.WRMSR.BITMAP.LOW': {
    exits: run([control('proc.USE_MSR_BITMAPS'), msrBit(0x174, 'write'), msr(SYSENTER_CS, 8n)], ins({ op: 'WRMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msrBit(0x174, 'read'), msr(SYSENTER_CS, 8n)], ins({ op: 'WRMSR' })),
  },
  'EXIT.WRMSR.BITMAP.HIGH': {
    exits: run([control('proc.USE_MSR_BITMAPS'), msrBit(0xc000_0080, 'write'), msr(EFER, GUEST_EFER)], ins({ op: 'WRMSR' })),
    noExit: run([control('proc.USE_MSR_BITMAPS'), msrBit(0xc000_0080, 'read'), msr(EFER, GUEST_EFER)], ins({ op: 'WRMSR' })),
  },
} as const satisfies Record<string, ExitWitness>;

