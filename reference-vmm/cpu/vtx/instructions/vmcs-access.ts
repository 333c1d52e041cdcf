/**
 * What VMREAD and VMWRITE share (SDM ch. 30 "VMREAD", "VMWRITE", §24.10 VMCS shadowing): the
 * non-root exit condition under VMCS shadowing, the VMCS they operate on, and field resolution.
 */
import { lookupEncoding } from '../../../../spec/vtx/vmcs/encoding.js';
import { VMCS_FIELDS, type FieldName, type VmcsFieldSpec } from '../../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';
import { in64BitMode } from './prologue.js';

const ALL_ONES = 0xffff_ffff_ffff_ffffn;

/** The register operand as the instruction sees it: 64 bits in 64-bit mode, else 32. */
export const operandValue = (m: Machine, value: bigint): bigint =>
  value & (in64BitMode(m.cpu) ? ALL_ONES : 0xffff_ffffn);

/**
 * In VMX non-root operation VMREAD/VMWRITE exit unless "VMCS shadowing" is 1, the encoding sets no
 * bit in 63:15, and its bit in the VMREAD/VMWRITE bitmap is 0.
 */
export const shadowingExits = (m: Machine, bitmap: 'VMREAD_BITMAP' | 'VMWRITE_BITMAP', encoding: bigint): boolean => {
  if (m.currentVmcs === null) return true;
  const vmcs = m.peek(m.currentVmcs);
  const proc = vmcs.get('CPU_BASED_VM_EXEC_CONTROL');
  if (((proc >> 31n) & 1n) === 0n) return true;
  if (((vmcs.get('SECONDARY_VM_EXEC_CONTROL') >> 14n) & 1n) === 0n) return true;
  if (encoding > 0x7fffn) return true;
  const byte = m.read8(vmcs.get(bitmap) + (encoding >> 3n));
  return ((byte >> Number(encoding & 7n)) & 1) === 1;
};

/**
 * The VMCS the instruction reads or writes: the current VMCS in root operation, the VMCS referenced by
 * the link pointer in non-root operation (the shadow VMCS). null: VMfailInvalid.
 */
export const targetVmcs = (m: Machine, forWrite: boolean): VmcsData | null => {
  if (m.currentVmcs === null) return null;
  if (m.vmx !== 'non-root') return forWrite ? m.region(m.currentVmcs) : m.peek(m.currentVmcs);
  const link = m.peek(m.currentVmcs).get('VMCS_LINK_POINTER');
  if (link === ALL_ONES) return null;
  return forWrite ? m.region(link) : m.peek(link);
};

export interface ResolvedField {
  readonly spec: VmcsFieldSpec & { readonly name: FieldName };
  readonly high: boolean;
}

/** The field an encoding names, when it is well formed, catalogued and exists on this processor. */
export const resolveField = (caps: Capabilities, encoding: bigint): ResolvedField | null => {
  const found = lookupEncoding(encoding);
  if (found.kind !== 'field') return null;
  const spec = VMCS_FIELDS[found.index];
  if (spec === undefined || !caps.fieldExists(spec)) return null;
  return { spec, high: found.high };
};
