/**
 * One condition of a VMX instruction's operation (SDM Vol. 3C ch. 30, "Operation" pseudocode and
 * exception lists), in the order the pseudocode tests it. Memory-operand faults (#GP/#SS/#PF on the
 * operand access) are outside this model: operands are given as values.
 */
import type { CatalogFailure } from '../vm-entry/rule.js';

export interface InstructionRuleSpec {
  readonly section: string;
  /** When the condition is tested (e.g. 'outside VMX operation'); 'always' if in every case. */
  readonly precondition: string;
  /** What is true when the rule fires. */
  readonly condition: string;
  readonly outcome: CatalogFailure | { readonly kind: 'VMsucceed' };
}

export const UD: CatalogFailure = { kind: 'fault', vector: '#UD' };
export const GP0: CatalogFailure = { kind: 'fault', vector: '#GP(0)' };
export const VFI: CatalogFailure = { kind: 'VMfailInvalid' };
/** VMfail(n): VMfailValid(n) with a current VMCS, VMfailInvalid without (§30.2). */
export const vmfail = (error: number): CatalogFailure => ({ kind: 'VMfailValid', error });
export const exitWith = (reason: number): CatalogFailure => ({ kind: 'vm-exit', reason });
export const SUCCEED = { kind: 'VMsucceed' } as const;
/** The #UD conditions every VMX instruction but VMXON and VMCALL shares (§30.3 pseudocode). */
export const PROLOGUE_UD = 'not in VMX operation, CR0.PE = 0, RFLAGS.VM = 1, or compatibility mode (IA32_EFER.LMA = 1, CS.L = 0)';
