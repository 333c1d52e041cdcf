/**
 * Reading the VM-execution controls of the current VMCS the way VMX non-root operation sees them:
 * secondary controls count only while "activate secondary controls" (primary bit 31) is 1 (§25.3
 * footnote 1: "VMX non-root operation functions as if these controls were all 0"), tertiary ones
 * only while primary bit 17 is 1. Also the words every Decision uses to name a control or field.
 */
import { CONTROLS, CONTROL_VECTORS, type ControlName } from '../../../../spec/vtx/controls.js';
import { NON_ROOT_RULES, type NonRootRuleId } from '../../../../spec/vtx/non-root/index.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { decision, vmcsField } from '../result.js';

const bitOf = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

/** The effective value of a control in non-root operation. */
export const controlOn = (s: VtxState, name: ControlName): boolean => {
  const c = CONTROLS[name];
  const proc = vmcsField(s, 'CPU_BASED_VM_EXEC_CONTROL');
  if (c.vector === 'proc2' && !bitOf(proc, 31)) return false;
  if (c.vector === 'proc3' && !bitOf(proc, 17)) return false;
  if (c.vector === 'exit2' && !bitOf(vmcsField(s, 'VM_EXIT_CONTROLS'), 31)) return false;
  return bitOf(vmcsField(s, CONTROL_VECTORS[c.vector].field as FieldName), c.bit);
};

/** `"HLT exiting" = 1`, for verdicts. */
export const said = (s: VtxState, name: ControlName): string => `"${CONTROLS[name].title}" = ${controlOn(s, name) ? 1 : 0}`;

export const field = (s: VtxState, name: FieldName): bigint => vmcsField(s, name);

export const hex = (v: bigint | number): string => `${v.toString(16).toUpperCase()}H`;

/** A decision citing a catalog rule, with the rule's section. */
export const cite = (rule: NonRootRuleId, verdict: string): Decision => decision(rule, NON_ROOT_RULES[rule].section, verdict);
