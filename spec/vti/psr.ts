/**
 * The Itanium processor status register (PSR), every bit from 0 to 63, including VT-i's PSR.vm (bit
 * 46). Bit positions agree between Linux's asm/kregs.h and Xen's xenprocessor.h `struct ia64_psr`;
 * PSR.vm comes from Xen xenkregs.h and Linux arch/ia64/kvm/vcpu.h (both IA64_PSR_VM_BIT = 46).
 * `meaning` is our own short wording. Reserved ranges are rows named `rv`, so the table covers all
 * 64 bits and a model can check reserved-bit writes from it.
 */
import type { BitRange, Confidence, Sourced } from './source.js';

export interface PsrFieldSpec extends Sourced {
  /** The manuals' lower-case field name (`rv` for reserved). */
  readonly name: string;
  readonly bits: BitRange;
  readonly meaning: string;
  readonly reserved: boolean;
}

const BOTH = 'XEN xenprocessor.h struct ia64_psr; LK asm/kregs.h';

const p = (name: string, hi: number, lo: number, meaning: string, source = BOTH, confidence: Confidence = '2+', note?: string) =>
  ({ name, bits: [hi, lo] as const, meaning, reserved: false, source, confidence, ...(note === undefined ? {} : { note }) }) as const;
const rv = (hi: number, lo: number) =>
  ({ name: 'rv', bits: [hi, lo] as const, meaning: 'reserved', reserved: true, source: 'XEN xenprocessor.h (reserved bit-fields)', confidence: '2+' }) as const;

export const PSR_FIELDS = [
  rv(0, 0),
  p('be', 1, 1, 'big-endian data memory accesses'),
  p('up', 2, 2, 'user performance monitor enable'),
  p('ac', 3, 3, 'alignment check for data memory references'),
  p('mfl', 4, 4, 'lower floating-point registers (f2-f31) written'),
  p('mfh', 5, 5, 'upper floating-point registers (f32-f127) written'),
  rv(12, 6),
  p('ic', 13, 13, 'interruption collection: the interruption control registers are written on an interruption when 1', `${BOTH}; SDM §3.3.5.6`),
  p('i', 14, 14, 'external interrupts unmasked'),
  p('pk', 15, 15, 'protection key checking enabled'),
  rv(16, 16),
  p('dt', 17, 17, 'data address translation enabled'),
  p('dfl', 18, 18, 'lower floating-point registers disabled'),
  p('dfh', 19, 19, 'upper floating-point registers disabled'),
  p('sp', 20, 20, 'secure performance monitors'),
  p('pp', 21, 21, 'privileged performance monitor enable'),
  p('di', 22, 22, 'transitions to the IA-32 instruction set disabled'),
  p('si', 23, 23, 'secure interval timer: reading ar.itc is privileged when 1', `${BOTH}; SDM-old mov ar`),
  p('db', 24, 24, 'debug breakpoints enabled'),
  p('lp', 25, 25, 'lower-privilege transfer trap enable'),
  p('tb', 26, 26, 'taken branch trap enable'),
  p('rt', 27, 27, 'register stack engine (RSE) address translation enabled'),
  rv(31, 28),
  p('cpl', 33, 32, 'current privilege level (0 = most privileged)'),
  p('is', 34, 34, 'instruction set: 1 = IA-32'),
  p('mc', 35, 35, 'machine check aborts masked'),
  p('it', 36, 36, 'instruction address translation enabled', `${BOTH}; SDM 3:273 (vmsw)`),
  p('id', 37, 37, 'instruction debug faults disabled (for one instruction)'),
  p('da', 38, 38, 'data access-bit and dirty-bit faults disabled (for one instruction)'),
  p('dd', 39, 39, 'data debug faults disabled (for one instruction)'),
  p('ss', 40, 40, 'single-step trap enable'),
  p('ri', 42, 41, 'restart instruction: slot (0-2) of the bundle to resume at'),
  p('ed', 43, 43, 'exception deferral (for one instruction)'),
  p('bn', 44, 44, 'register bank of GR16-31: 0 = bank 0, 1 = bank 1', `${BOTH}; SDM 3:34 (bsw)`),
  p('ia', 45, 45, 'instruction access-bit faults disabled (for one instruction)'),
  p('vm', 46, 46,
    'virtual machine mode (VT-i): when 1, virtualized instructions raise virtualization intercepts and the highest implemented virtual-address bit is unavailable',
    'XEN xenkregs.h IA64_PSR_VM_BIT; LK kvm/vcpu.h IA64_PSR_VM_BIT; LK vmm_ivt.S reset IPSR 0x501008826000'),
  rv(63, 47),
] as const satisfies readonly PsrFieldSpec[];

export type PsrFieldName = Exclude<(typeof PSR_FIELDS)[number]['name'], 'rv'>;

/** PSR.vm, the bit VT-i adds. */
export const PSR_VM_BIT = 46;

/**
 * `mov r1 = psr` returns PSR{31:0} and PSR{36:35} and reads 0 elsewhere; `mov psr.l = r2` writes
 * PSR{31:0} only (SDM 3:185; both VMMs mask the same way when they emulate these instructions).
 */
export const PSR_MOV_FROM_MASK = 0x0000_0018_ffff_ffffn;
export const PSR_L_MASK = 0x0000_0000_ffff_ffffn;
export const PSR_MOV_MASKS_SOURCE = 'SDM 3:185; LK kvm_mov_from_psr; XEN vmx_vcpu_get_psr';
