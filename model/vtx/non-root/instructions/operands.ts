/**
 * What instructions read about the guest's mode and operands: 64-bit / compatibility / protected /
 * real / virtual-8086 mode (Vol. 3A §2.2, §9.8.5), general-purpose registers (numbered as in the
 * instruction-information field, Table 27-8), and how a memory or register operand is reported in
 * the exit qualification ("displacement", §27.2.1) and the VM-exit instruction information (§27.2.4,
 * Tables 27-8 to 27-14).
 */
import type { Gpr, MemOperand } from '../../../../spec/vtx/guest/instructions.js';
import type { CpuRegisters, VtxState } from '../../../../spec/vtx/state.js';

export const U64 = 0xffff_ffff_ffff_ffffn;
export const U32 = 0xffff_ffffn;
const EFER_LMA = 1n << 10n;
const CR0_PE = 1n;
export const RFLAGS_VM = 1n << 17n;

/** IA32_EFER.LMA = 1 and CS.L = 1. */
export const in64BitMode = (s: VtxState): boolean => (s.cpu.efer & EFER_LMA) !== 0n && s.cpu.csL;
export const inIa32eMode = (s: VtxState): boolean => (s.cpu.efer & EFER_LMA) !== 0n;
export const inCompatibilityMode = (s: VtxState): boolean => inIa32eMode(s) && !s.cpu.csL;
export const inRealMode = (s: VtxState): boolean => (s.cpu.cr0 & CR0_PE) === 0n;
export const inV86Mode = (s: VtxState): boolean => !inRealMode(s) && (s.cpu.rflags & RFLAGS_VM) !== 0n;
/** Protected mode, not virtual-8086, not compatibility mode: where the VMX instructions do not #UD (ch. 30). */
export const protectedNonV86NonCompat = (s: VtxState): boolean => !inRealMode(s) && !inV86Mode(s) && !inCompatibilityMode(s);

/** RFLAGS.IOPL, bits 13:12. */
export const iopl = (s: VtxState): number => Number((s.cpu.rflags >> 12n) & 3n);

/** Operand and stack width in bytes: 8 in 64-bit mode, else 4 with CS.D = 1 (a 16-bit code segment is not modelled beyond real mode). */
export const operandBytes = (s: VtxState): 2 | 4 | 8 => {
  if (in64BitMode(s)) return 8;
  if (inRealMode(s)) return 2;
  return ((s.cpu.segments.cs.accessRights >> 14) & 1) === 1 ? 4 : 2;
};

export const widthMask = (bytes: number): bigint => (1n << BigInt(8 * bytes)) - 1n;

/** GPR 4 (RSP) is state.cpu.rsp, the register VM entries load and VM exits save (§26.3.2.3, §27.3.3); gpr[4] is not used. */
const RSP_INDEX = 4;

export const reg = (s: VtxState, n: Gpr): bigint => (n === RSP_INDEX ? s.cpu.rsp : s.cpu.gpr[n] ?? 0n);

export type GprChange = Pick<CpuRegisters, 'gpr' | 'rsp'>;

/** The register file with `n` replaced by `value` (whole register), to spread into a CPU change. */
export const withReg = (cpu: CpuRegisters, n: Gpr, value: bigint): GprChange => withRegs(cpu, new Map([[n, value]]));

/** Data results of `bytes` bytes written to registers by an instruction in state `s` (see mergeReg). */
export const withSized = (s: VtxState, values: ReadonlyMap<Gpr, bigint>, bytes: number): GprChange =>
  withRegs(s.cpu, new Map([...values].map(([n, v]) => [n, mergeReg(reg(s, n), v, bytes)] as const)));

/** The register file with several registers replaced (RSP goes to cpu.rsp). */
export const withRegs = (cpu: CpuRegisters, values: ReadonlyMap<Gpr, bigint>): GprChange => ({
  gpr: cpu.gpr.map((v, i) => (i !== RSP_INDEX && values.has(i) ? values.get(i)! & U64 : v)),
  rsp: values.has(RSP_INDEX) ? values.get(RSP_INDEX)! & U64 : cpu.rsp,
});

/**
 * Writes a result of `bytes` bytes to a register as x86 does (Vol. 1 §3.4.1.1): 4-byte results
 * zero-extend to 64 bits, 1- and 2-byte results keep the other bits. Outside 64-bit mode bits 63:32
 * are undefined after a 32-bit write: canonically they are zero-extended there too (data results and
 * the stack pointer alike, as the reference CPU does); ./outcome.ts permits keeping them
 * (`zeroExtend32 = false`) for data results.
 */
export const mergeReg = (old: bigint, value: bigint, bytes: number, zeroExtend32 = true): bigint => {
  if (bytes >= 8 || (bytes === 4 && zeroExtend32)) return value & widthMask(bytes);
  const m = widthMask(bytes);
  return (old & ~m & U64) | (value & m);
};

/** Segment-register numbers of the instruction-information field (bits 17:15). */
export const SEGMENT_NUMBER = { es: 0, cs: 1, ss: 2, ds: 3, fs: 4, gs: 5 } as const;

/** Address size of the instruction-information field (bits 9:7): 2 = 64-bit, 1 = 32-bit, 0 = 16-bit. */
export const addressSizeCode = (s: VtxState): number => (in64BitMode(s) ? 2 : operandBytes(s) === 4 ? 1 : 0);

/**
 * The instruction information of a memory operand base + displacement (the abstract ISA has no index
 * register): scaling 0, address size, memory form (bit 10 = 0), segment, index invalid (bit 22), base.
 */
export const memoryOperandInfo = (s: VtxState, m: MemOperand): number =>
  ((addressSizeCode(s) << 7) | (SEGMENT_NUMBER[m.segment ?? 'ds'] << 15) | (1 << 22) | ((m.base & 15) << 23)) >>> 0;

/** The instruction information of a register operand: bit 10 = 1 and reg1 in bits 6:3 (the other memory fields undefined, written 0). */
export const registerOperandInfo = (reg1: Gpr): number => ((1 << 10) | ((reg1 & 15) << 3)) >>> 0;

/** reg2 (bits 31:28): the second register of VMREAD/VMWRITE, INVEPT/INVPCID/INVVPID; the instruction identity for descriptor-table exits (bits 29:28). */
export const reg2Info = (n: number): number => ((n & 15) << 28) >>> 0;

/**
 * The exit qualification of an instruction with a memory operand (§27.2.1): its displacement,
 * sign-extended to the field's 64 bits (a register base never makes it RIP-relative in this ISA).
 */
export const displacementQualification = (_s: VtxState, m: MemOperand): bigint => BigInt.asUintN(64, m.disp);

/**
 * Other permitted qualifications: bits above the address size are undefined (§27.2.1), so outside
 * 64-bit mode the zero-extended 32-bit displacement (what Bochs writes) is permitted too.
 */
export const displacementAlternatives = (s: VtxState, m: MemOperand): readonly bigint[] => {
  const zeroExtended = BigInt.asUintN(32, m.disp);
  return !in64BitMode(s) && zeroExtended !== BigInt.asUintN(64, m.disp) ? [zeroExtended] : [];
};

/** The next instruction's RIP: RIP + length, within the address width (64 bits in 64-bit mode, else 32). */
export const nextRip = (s: VtxState, length: number): bigint =>
  (s.cpu.rip + BigInt(length)) & (in64BitMode(s) ? U64 : U32);
