/**
 * What VMREAD and VMWRITE share (SDM §30.3; VMCS shadowing §24.10, §25.1.3): which VMCS they act on,
 * when they exit in VMX non-root operation, and how an encoding operand names a supported field.
 */
import { readField, readMemory8, type VtxState } from '../../../spec/vtx/state.js';
import { fault, vmFail, vmFailInvalid } from '../flags.js';
import { lookupEncoding } from '../../../spec/vtx/vmcs/encoding.js';
import type { Capabilities } from '../capabilities.js';
import { fieldExists } from '../vmcs-fields.js';
import { in64BitMode, protectedNonV86, type RuledStep } from './prologue.js';

const ALL_ONES = 0xffff_ffff_ffff_ffffn;

/**
 * In VMX non-root operation VMREAD/VMWRITE exit unless "VMCS shadowing" is 1, encoding bits 63:15
 * are 0 and the bitmap bit for the encoding is 0; otherwise they act on the VMCS at the link pointer.
 */
export const shadowedAccessExits = (s: VtxState, encoding: bigint, bitmapField: 'VMREAD_BITMAP' | 'VMWRITE_BITMAP'): boolean => {
  const current = s.vmcs.get(s.currentVmcs!)?.fields;
  if (current === undefined) return true;
  const proc = readField(current, 'CPU_BASED_VM_EXEC_CONTROL');
  const proc2 = (proc >> 31n) & 1n ? readField(current, 'SECONDARY_VM_EXEC_CONTROL') : 0n;
  if (((proc2 >> 14n) & 1n) === 0n || encoding >> 15n !== 0n) return true;
  const bitmap = readField(current, bitmapField);
  const n = Number(encoding);
  return ((readMemory8(s.memory, bitmap + BigInt(n >> 3)) >> (n & 7)) & 1) === 1;
};

/** The VMCS the access acts on: the current one in root operation, the link-pointer one in non-root. */
export const accessTarget = (s: VtxState): bigint | null => {
  if (s.vmx === 'root') return s.currentVmcs;
  const current = s.vmcs.get(s.currentVmcs!)?.fields;
  if (current === undefined) return null;
  const link = readField(current, 'VMCS_LINK_POINTER');
  return link === ALL_ONES ? null : link;
};

/** The field an encoding operand names, if this processor supports it (else VM-instruction error 12). */
export const supportedField = (caps: Capabilities, s: VtxState, encoding: bigint) => {
  // Outside 64-bit mode the register operand is 32 bits wide; in 64-bit mode bits 63:32 must be 0.
  const operand = in64BitMode(s) ? encoding : encoding & 0xffff_ffffn;
  const found = lookupEncoding(operand);
  return found.kind === 'field' && fieldExists(caps, found.index) ? found : null;
};

/**
 * The checks VMREAD and VMWRITE share, in their pseudocode order (§30.3): #UD, the non-root VM exit
 * (reason 23 / 25), #GP at CPL > 0, VMfailInvalid without a target VMCS, VMfail(12) for an encoding
 * naming no supported field. Returns the step that ends the instruction, or the target and field.
 */
export const vmcsAccessChecks = (caps: Capabilities, s: VtxState, instr: 'VMREAD' | 'VMWRITE', encoding: bigint) => {
  const end = (step: Omit<RuledStep, 'rule'>, rule: 'UD' | 'NONROOT' | 'CPL' | 'NOCURRENT' | 'UNSUPPORTED'): { readonly stop: RuledStep } =>
    ({ stop: { ...step, rule: `${instr}.${rule}` } });
  if (s.vmx === 'outside' || !protectedNonV86(s)) return end(fault(s, '#UD'), 'UD');
  if (s.vmx === 'non-root' && shadowedAccessExits(s, encoding, instr === 'VMREAD' ? 'VMREAD_BITMAP' : 'VMWRITE_BITMAP')) {
    return end({ observation: { kind: 'vm-exit', reason: instr === 'VMREAD' ? 23 : 25, qualification: 0n }, state: s }, 'NONROOT');
  }
  if (s.cpu.cpl > 0) return end(fault(s, '#GP(0)'), 'CPL');
  const target = accessTarget(s);
  if (target === null) return end(vmFailInvalid(s), 'NOCURRENT');
  const field = supportedField(caps, s, encoding);
  if (field === null) return end(vmFail(s, 12), 'UNSUPPORTED');
  return { target, field };
};
