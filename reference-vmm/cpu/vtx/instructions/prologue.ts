/**
 * The checks every VMX instruction except VMXON starts with (SDM ch. 30 "Operation" sections):
 * #UD outside VMX operation or in real, virtual-8086 or compatibility mode; a VM exit in VMX non-root
 * operation; #GP(0) at CPL > 0.
 */
import type { Registers, Machine } from '../machine.js';
import { fault, nonRootExit, type StepResult } from '../outcome.js';

/** Basic exit reasons of the VMX instructions (SDM App. C). */
export const VMX_EXIT_REASON = {
  VMCLEAR: 19, VMLAUNCH: 20, VMPTRLD: 21, VMPTRST: 22, VMREAD: 23, VMRESUME: 24, VMWRITE: 25, VMXOFF: 26, VMXON: 27,
} as const;

const CR0_PE = 1n;
const RFLAGS_VM = 1n << 17n;
const EFER_LMA = 1n << 10n;

/** Real mode (CR0.PE = 0), virtual-8086 mode (RFLAGS.VM = 1) or compatibility mode (LMA = 1, CS.L = 0). */
export const inUdMode = (cpu: Registers): boolean =>
  (cpu.cr0 & CR0_PE) === 0n || (cpu.rflags & RFLAGS_VM) !== 0n || ((cpu.efer & EFER_LMA) !== 0n && !cpu.csL);

/** 64-bit mode: IA32_EFER.LMA = 1 and CS.L = 1 (VMREAD/VMWRITE use 64-bit operands there). */
export const in64BitMode = (cpu: Registers): boolean => (cpu.efer & EFER_LMA) !== 0n && cpu.csL;

export interface PrologueIds {
  readonly outside?: string;
  readonly mode?: string;
  readonly nonRoot?: string;
  readonly cpl?: string;
}

/**
 * Returns the result when the prologue ends the instruction, or null to go on. `exitsInNonRoot` is
 * false for a VMREAD/VMWRITE that VMCS shadowing lets run in non-root operation. `ids` names the
 * catalog rules (used by VMLAUNCH/VMRESUME).
 */
export const prologue = (
  m: Machine, reason: number, exitsInNonRoot = true, ids: PrologueIds = {},
): StepResult | null => {
  if (m.vmx === 'outside') return fault('#UD', ids.outside);
  if (inUdMode(m.cpu)) return fault('#UD', ids.mode);
  if (m.vmx === 'non-root' && exitsInNonRoot) return nonRootExit(m, reason, ids.nonRoot);
  if (m.cpu.cpl > 0) return fault('#GP(0)', ids.cpl);
  return null;
};
