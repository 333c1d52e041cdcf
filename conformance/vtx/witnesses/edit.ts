/**
 * Small edits of a VtxState that witnesses compose: rewrite current-VMCS fields as functions of their
 * baseline values, set or clear bits, change CPU registers or memory. Each is a no-op where the state
 * has nothing to edit (e.g. no current VMCS), so near-boundary arbitraries can combine them freely.
 */
import { readField, writeField, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';

export type Edit = (s: VtxState) => VtxState;

/** Rewrite fields of the current VMCS with functions of their baseline values. */
export const patch = (edits: Partial<Record<FieldName, (old: bigint) => bigint>>): Edit => (s) => {
  const at = s.currentVmcs;
  const region = at === null ? undefined : s.vmcs.get(at);
  if (at === null || region === undefined) return s;
  let fields = region.fields;
  for (const [name, f] of Object.entries(edits) as [FieldName, (old: bigint) => bigint][]) {
    fields = writeField(fields, name, f(readField(fields, name)));
  }
  return { ...s, vmcs: new Map(s.vmcs).set(at, { ...region, fields }) };
};

export const setBits = (...bits: number[]) => (v: bigint): bigint => bits.reduce((acc, b) => acc | (1n << BigInt(b)), v);
export const clearBits = (...bits: number[]) => (v: bigint): bigint => bits.reduce((acc, b) => acc & ~(1n << BigInt(b)), v);
export const seq = (...edits: Edit[]): Edit => (s) => edits.reduce((acc, f) => f(acc), s);
export const withCpu = (cpu: Partial<VtxState['cpu']>): Edit => (s) => ({ ...s, cpu: { ...s.cpu, ...cpu } });
export const editCpu = (f: (cpu: VtxState['cpu']) => Partial<VtxState['cpu']>): Edit => (s) => ({ ...s, cpu: { ...s.cpu, ...f(s.cpu) } });
export const withMemory = (words: readonly (readonly [bigint, bigint])[]): Edit => (s) => {
  const memory = new Map(s.memory);
  for (const [address, value] of words) memory.set(address, value);
  return { ...s, memory };
};

