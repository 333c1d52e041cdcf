/**
 * The checks every VMX instruction except VMXON and VMCALL makes first (SDM ch. 30 pseudocode):
 * #UD outside VMX operation or outside protected mode, v8086 or compatibility mode; a VM exit in
 * VMX non-root operation — before CPL, so a guest at CPL 3 exits rather than faulting; #GP(0) at CPL > 0.
 */
import type { VtxState } from '../../../spec/vtx/state.js';
import type { InstructionRuleId } from '../../../spec/vtx/vmx-instructions/index.js';
import { inCompatibilityMode } from '../vm-entry/basic.js';
import { fault, type Step } from '../flags.js';

export interface RuledStep extends Step {
  /** The instruction rule (spec/vtx/vmx-instructions) that decided the outcome. */
  readonly rule: InstructionRuleId;
}

const CR0_PE = 1n;
const RFLAGS_VM = 1n << 17n;

export const protectedNonV86 = (s: VtxState): boolean =>
  (s.cpu.cr0 & CR0_PE) !== 0n && (s.cpu.rflags & RFLAGS_VM) === 0n && !inCompatibilityMode(s);

/** 64-bit mode: IA32_EFER.LMA = 1 and CS.L = 1; VMREAD/VMWRITE operands are 64 bits wide there. */
export const in64BitMode = (s: VtxState): boolean => (s.cpu.efer & (1n << 10n)) !== 0n && s.cpu.csL;

/** Returns the step that ends the instruction, or null when the instruction proceeds. */
export const commonPrologue = (s: VtxState, instr: 'VMXOFF' | 'VMCLEAR' | 'VMPTRLD' | 'VMPTRST', exitReason: number): RuledStep | null => {
  if (s.vmx === 'outside' || !protectedNonV86(s)) return { ...fault(s, '#UD'), rule: `${instr}.UD` };
  if (s.vmx === 'non-root') {
    return { observation: { kind: 'vm-exit', reason: exitReason, qualification: 0n }, state: s, rule: `${instr}.NONROOT` };
  }
  if (s.cpu.cpl > 0) return { ...fault(s, '#GP(0)'), rule: `${instr}.CPL` };
  return null;
};

/** A VMXON/VMCLEAR/VMPTRLD operand is a valid physical address: 4-KByte aligned, within MAXPHYADDR (32 bits if BASIC[48]). */
export const validRegionAddress = (address: bigint, maxPhysAddr: number, addresses32: boolean): boolean =>
  (address & 0xfffn) === 0n && address >> BigInt(addresses32 ? Math.min(32, maxPhysAddr) : maxPhysAddr) === 0n;
