/**
 * The conditions of every VMX instruction but VMLAUNCH/VMRESUME (whose checks are the VM-entry
 * catalog, ../vm-entry/), in pseudocode order, keyed by stable IDs `<INSTRUCTION>.<CONDITION>`.
 */
import { exitWith, GP0, PROLOGUE_UD, SUCCEED, UD, VFI, vmfail, type InstructionRuleSpec } from './rule.js';

const prologue = <I extends string>(instr: I, exitReason: number) => ({
  [`${instr}.UD`]: { section: `30.3 ${instr}`, precondition: 'always', condition: PROLOGUE_UD, outcome: UD },
  [`${instr}.NONROOT`]: { section: `30.3 ${instr}; 25.1.2`, precondition: 'always', condition: `in VMX non-root operation (VM exit, basic reason ${exitReason})`, outcome: exitWith(exitReason) },
  [`${instr}.CPL`]: { section: `30.3 ${instr}`, precondition: 'in VMX root operation', condition: 'CPL > 0', outcome: GP0 },
}) as Record<`${I}.UD` | `${I}.NONROOT` | `${I}.CPL`, InstructionRuleSpec>;

export const VMXON_RULES = {
  'VMXON.UD': { section: '30.3 VMXON', precondition: 'always', condition: 'CR0.PE = 0, CR4.VMXE = 0, RFLAGS.VM = 1, or compatibility mode', outcome: UD },
  'VMXON.NONROOT': { section: '30.3 VMXON', precondition: 'in VMX operation', condition: 'in VMX non-root operation (VM exit, basic reason 27)', outcome: exitWith(27) },
  'VMXON.CPL': { section: '30.3 VMXON', precondition: 'outside VMX operation', condition: 'CPL > 0', outcome: GP0 },
  'VMXON.A20M': { section: '30.3 VMXON', precondition: 'outside VMX operation', condition: 'A20M mode is in effect', outcome: GP0 },
  'VMXON.CR.FIXED': { section: '30.3 VMXON; 23.8', precondition: 'outside VMX operation', condition: 'CR0 or CR4 has a bit value IA32_VMX_CR0/CR4_FIXED0/FIXED1 does not allow in VMX operation', outcome: GP0 },
  'VMXON.FC.LOCK': { section: '30.3 VMXON; 23.7', precondition: 'outside VMX operation', condition: 'IA32_FEATURE_CONTROL bit 0 (lock) = 0', outcome: GP0 },
  'VMXON.FC.ENABLE': { section: '30.3 VMXON; 23.7', precondition: 'outside VMX operation', condition: 'IA32_FEATURE_CONTROL does not enable VMXON in the current mode (bit 1 inside SMX operation, bit 2 outside)', outcome: GP0 },
  'VMXON.ADDR': { section: '30.3 VMXON', precondition: 'outside VMX operation', condition: 'VMXON pointer not 4-KByte aligned or sets a bit at or above the physical-address width (63:32 when IA32_VMX_BASIC[48] = 1)', outcome: VFI },
  'VMXON.REVID': { section: '30.3 VMXON', precondition: 'outside VMX operation', condition: 'bits 30:0 of the VMXON region\'s first dword differ from the VMCS revision identifier, or bit 31 is 1', outcome: VFI },
  'VMXON.OK': { section: '30.3 VMXON', precondition: 'outside VMX operation', condition: 'otherwise: enter VMX root operation with no current VMCS', outcome: SUCCEED },
  'VMXON.ROOT.CPL': { section: '30.3 VMXON', precondition: 'in VMX root operation', condition: 'CPL > 0', outcome: GP0 },
  'VMXON.ROOT': { section: '30.3 VMXON', precondition: 'in VMX root operation', condition: 'VMXON executed in VMX root operation', outcome: vmfail(15) },
} as const satisfies Record<string, InstructionRuleSpec>;

export const VMXOFF_RULES = {
  ...prologue('VMXOFF', 26),
  'VMXOFF.DUALMONITOR': { section: '30.3 VMXOFF', precondition: 'in VMX root operation', condition: 'dual-monitor treatment of SMIs and SMM is active', outcome: vmfail(23) },
  'VMXOFF.OK': { section: '30.3 VMXOFF', precondition: 'in VMX root operation', condition: 'otherwise: leave VMX operation', outcome: SUCCEED },
} as const satisfies Record<string, InstructionRuleSpec>;

export const VMCLEAR_RULES = {
  ...prologue('VMCLEAR', 19),
  'VMCLEAR.ADDR': { section: '30.3 VMCLEAR', precondition: 'in VMX root operation', condition: 'operand not 4-KByte aligned or beyond the physical-address width', outcome: vmfail(2) },
  'VMCLEAR.VMXON': { section: '30.3 VMCLEAR', precondition: 'in VMX root operation', condition: 'operand equals the VMXON pointer', outcome: vmfail(3) },
  'VMCLEAR.OK': { section: '30.3 VMCLEAR; 24.1', precondition: 'in VMX root operation', condition: 'otherwise: launch state := clear; if it was current, no current VMCS', outcome: SUCCEED },
} as const satisfies Record<string, InstructionRuleSpec>;

export const VMPTRLD_RULES = {
  ...prologue('VMPTRLD', 21),
  'VMPTRLD.ADDR': { section: '30.3 VMPTRLD', precondition: 'in VMX root operation', condition: 'operand not 4-KByte aligned or beyond the physical-address width', outcome: vmfail(9) },
  'VMPTRLD.VMXON': { section: '30.3 VMPTRLD', precondition: 'in VMX root operation', condition: 'operand equals the VMXON pointer', outcome: vmfail(10) },
  'VMPTRLD.REVID': { section: '30.3 VMPTRLD', precondition: 'in VMX root operation', condition: 'region\'s revision identifier (bits 30:0) wrong, or bit 31 set while the 1-setting of "VMCS shadowing" is not supported', outcome: vmfail(11) },
  'VMPTRLD.OK': { section: '30.3 VMPTRLD; 24.1', precondition: 'in VMX root operation', condition: 'otherwise: the operand becomes the current VMCS (launch state unchanged)', outcome: SUCCEED },
} as const satisfies Record<string, InstructionRuleSpec>;

export const VMPTRST_RULES = {
  ...prologue('VMPTRST', 22),
  'VMPTRST.OK': { section: '30.3 VMPTRST', precondition: 'in VMX root operation', condition: 'store the current-VMCS pointer (FFFFFFFF_FFFFFFFFH if none)', outcome: SUCCEED },
} as const satisfies Record<string, InstructionRuleSpec>;

export const VMREAD_RULES = {
  'VMREAD.UD': { section: '30.3 VMREAD', precondition: 'always', condition: PROLOGUE_UD, outcome: UD },
  'VMREAD.NONROOT': { section: '30.3 VMREAD; 25.1.3', precondition: 'in VMX non-root operation', condition: '"VMCS shadowing" = 0, encoding bits 63:15 not all 0, or the VMREAD-bitmap bit for the encoding is 1 (VM exit, basic reason 23)', outcome: exitWith(23) },
  'VMREAD.CPL': { section: '30.3 VMREAD', precondition: 'in VMX operation', condition: 'CPL > 0', outcome: GP0 },
  'VMREAD.NOCURRENT': { section: '30.3 VMREAD', precondition: 'in VMX operation', condition: 'root: no current VMCS; non-root: VMCS link pointer is FFFFFFFF_FFFFFFFFH', outcome: VFI },
  'VMREAD.UNSUPPORTED': { section: '30.3 VMREAD; 24.11.2', precondition: 'in VMX operation', condition: 'the encoding names no field this processor supports', outcome: vmfail(12) },
  'VMREAD.OK': { section: '30.3 VMREAD', precondition: 'in VMX operation', condition: 'otherwise: return the field (zero-extended; "high" access returns bits 63:32)', outcome: SUCCEED },
} as const satisfies Record<string, InstructionRuleSpec>;

export const VMWRITE_RULES = {
  'VMWRITE.UD': { section: '30.3 VMWRITE', precondition: 'always', condition: PROLOGUE_UD, outcome: UD },
  'VMWRITE.NONROOT': { section: '30.3 VMWRITE; 25.1.3', precondition: 'in VMX non-root operation', condition: '"VMCS shadowing" = 0, encoding bits 63:15 not all 0, or the VMWRITE-bitmap bit for the encoding is 1 (VM exit, basic reason 25)', outcome: exitWith(25) },
  'VMWRITE.CPL': { section: '30.3 VMWRITE', precondition: 'in VMX operation', condition: 'CPL > 0', outcome: GP0 },
  'VMWRITE.NOCURRENT': { section: '30.3 VMWRITE', precondition: 'in VMX operation', condition: 'root: no current VMCS; non-root: VMCS link pointer is FFFFFFFF_FFFFFFFFH', outcome: VFI },
  'VMWRITE.UNSUPPORTED': { section: '30.3 VMWRITE; 24.11.2', precondition: 'in VMX operation', condition: 'the encoding names no field this processor supports', outcome: vmfail(12) },
  'VMWRITE.READONLY': { section: '30.3 VMWRITE; App. A.6', precondition: 'in VMX operation', condition: 'the field is a VM-exit information field and IA32_VMX_MISC[29] = 0', outcome: vmfail(13) },
  'VMWRITE.OK': { section: '30.3 VMWRITE', precondition: 'in VMX operation', condition: 'otherwise: write the field (bits beyond its width ignored; "high" access writes bits 63:32)', outcome: SUCCEED },
} as const satisfies Record<string, InstructionRuleSpec>;

export const INSTRUCTION_RULES = {
  ...VMXON_RULES, ...VMXOFF_RULES, ...VMCLEAR_RULES, ...VMPTRLD_RULES, ...VMPTRST_RULES, ...VMREAD_RULES, ...VMWRITE_RULES,
} as const satisfies Record<string, InstructionRuleSpec>;

export type InstructionRuleId = keyof typeof INSTRUCTION_RULES;
