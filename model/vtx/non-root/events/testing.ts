/**
 * Test support for the non-root event and memory tests: switching VM-execution controls on in the
 * current VMCS (secondary controls also need "activate secondary controls"). Uses spec/ only.
 */
import { CONTROL_VECTORS, CONTROLS, type ControlName } from '../../../../spec/vtx/controls.js';
import { readField, writeFields, type VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';

export const withControls = (s: VtxState, names: readonly ControlName[]): VtxState => {
  const region = s.vmcs.get(s.currentVmcs!)!;
  const values: Partial<Record<FieldName, bigint>> = {};
  const get = (f: FieldName): bigint => values[f] ?? readField(region.fields, f);
  for (const name of names) {
    const { vector, bit } = CONTROLS[name];
    const field = CONTROL_VECTORS[vector].field as FieldName;
    values[field] = get(field) | (1n << BigInt(bit));
    if (vector === 'proc2') values.CPU_BASED_VM_EXEC_CONTROL = get('CPU_BASED_VM_EXEC_CONTROL') | (1n << 31n);
  }
  return { ...s, vmcs: new Map(s.vmcs).set(s.currentVmcs!, { ...region, fields: writeFields(region.fields, values) }) };
};
