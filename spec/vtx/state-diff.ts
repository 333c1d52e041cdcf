/**
 * Where two VT-x states differ, as readable paths ("cpu.rip: 0x1000 vs 0x1002", "vmcs[0x2000].GUEST_RIP: …",
 * "memory[0x9000]: …"). The refinement properties compare the model's next state with the reference
 * CPU's this way, so a failure names the register, field or word that disagrees.
 */
import { readField, type VtxState } from './state.js';
import { VMCS_FIELDS, type FieldName } from './vmcs/fields.js';

const show = (v: unknown): string =>
  typeof v === 'bigint' ? `0x${v.toString(16)}`
    : v instanceof Map ? `{${[...v].map(([k, x]) => `${show(k)}: ${show(x)}`).join(', ')}}`
      : Array.isArray(v) ? `[${v.map(show).join(', ')}]`
        : typeof v === 'object' && v !== null ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x))
          : String(v);

const diffValue = (path: string, a: unknown, b: unknown, out: string[]): void => {
  if (a === b) return;
  if (a instanceof Map && b instanceof Map) {
    for (const k of new Set([...a.keys(), ...b.keys()])) diffValue(`${path}[${show(k)}]`, a.get(k), b.get(k), out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) diffValue(`${path}[${i}]`, a[i], b[i], out);
    return;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = a as Record<string, unknown>;
    const kb = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ka), ...Object.keys(kb)])) diffValue(path === '' ? k : `${path}.${k}`, ka[k], kb[k], out);
    return;
  }
  out.push(`${path}: ${show(a)} vs ${show(b)}`);
};

/** Absent memory words read as 0, so a word written with 0 equals an absent one. */
const memoryDiff = (a: ReadonlyMap<bigint, bigint>, b: ReadonlyMap<bigint, bigint>, out: string[]): void => {
  if (a === b) return;
  for (const [k, x] of a) {
    const y = b.get(k) ?? 0n;
    if (x !== y) out.push(`memory[${show(k)}]: ${show(x)} vs ${show(y)}`);
  }
  for (const [k, y] of b) if (!a.has(k) && y !== 0n) out.push(`memory[${show(k)}]: 0x0 vs ${show(y)}`);
};

/** The compact images hold plain numbers: comparing them first avoids 185 bigint reads per equal VMCS. */
const sameImage = (x: readonly number[], y: readonly number[]): boolean => {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

export const stateDiff = (a: VtxState, b: VtxState): string[] => {
  const out: string[] = [];
  diffValue('vmx', a.vmx, b.vmx, out);
  diffValue('vmxonPointer', a.vmxonPointer, b.vmxonPointer, out);
  diffValue('currentVmcs', a.currentVmcs, b.currentVmcs, out);
  diffValue('dualMonitorActive', a.dualMonitorActive, b.dualMonitorActive, out);
  diffValue('cpu', a.cpu, b.cpu, out);
  for (const at of new Set([...a.vmcs.keys(), ...b.vmcs.keys()])) {
    const x = a.vmcs.get(at);
    const y = b.vmcs.get(at);
    const where = `vmcs[${show(at)}]`;
    if (x === undefined || y === undefined) { out.push(`${where}: ${x === undefined ? 'absent' : 'present'} vs ${y === undefined ? 'absent' : 'present'}`); continue; }
    if (x.launchState !== y.launchState) out.push(`${where}.launchState: ${x.launchState} vs ${y.launchState}`);
    if (x.fields === y.fields || sameImage(x.fields, y.fields)) continue;
    for (const f of VMCS_FIELDS) {
      const n = f.name as FieldName;
      const u = readField(x.fields, n);
      const v = readField(y.fields, n);
      if (u !== v) out.push(`${where}.${n}: ${show(u)} vs ${show(v)}`);
    }
  }
  memoryDiff(a.memory, b.memory, out);
  return out;
};

export const statesEqual = (a: VtxState, b: VtxState): boolean => stateDiff(a, b).length === 0;
