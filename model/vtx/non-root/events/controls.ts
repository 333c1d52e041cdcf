/**
 * Reading the VM-execution, VM-exit and VM-entry controls of the current VMCS in non-root operation.
 * Secondary (tertiary) processor-based controls act only while "activate secondary (tertiary)
 * controls" is 1 (§24.6.2), and likewise the secondary VM-exit controls (§24.7.1): a stale bit in an
 * inactive vector must not make an event exit.
 */
import { CONTROL_VECTORS, CONTROLS, type ControlName } from '../../../../spec/vtx/controls.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { vmcsField } from '../result.js';

const bitOf = (s: VtxState, field: FieldName, bit: number): boolean => ((vmcsField(s, field) >> BigInt(bit)) & 1n) === 1n;

const ACTIVATED_BY: Partial<Record<string, readonly [FieldName, number]>> = {
  proc2: [CONTROL_VECTORS.proc.field, 31],
  proc3: [CONTROL_VECTORS.proc.field, 17],
  exit2: [CONTROL_VECTORS.exit.field, 31],
};

/** The control's bit in its vector, and for secondary vectors whether the vector is active at all. */
export const control = (s: VtxState, name: ControlName): boolean => {
  const spec = CONTROLS[name];
  const gate = ACTIVATED_BY[spec.vector];
  if (gate !== undefined && !bitOf(s, gate[0], gate[1])) return false;
  return bitOf(s, CONTROL_VECTORS[spec.vector].field, spec.bit);
};

export const onOff = (v: boolean): string => (v ? '1' : '0');
