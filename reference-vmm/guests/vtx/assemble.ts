/**
 * A tiny assembler for the abstract guest ISA: code at origins, labels, and near branches to labels.
 * RIP advances by spec/vtx/guest/length.ts, so addresses follow from the instructions' lengths.
 */
import type { Condition, GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import { instructionLength } from '../../../spec/vtx/guest/length.js';

export type AsmItem =
  | GuestInstruction
  | { readonly label: string }
  | { readonly org: bigint }
  | { readonly op: 'JMP' | 'CALL'; readonly to: string }
  | { readonly op: 'JCC'; readonly cond: Condition; readonly to: string };

const resolve = (item: AsmItem, labels: ReadonlyMap<string, bigint>): GuestInstruction | null => {
  if ('label' in item || 'org' in item) return null;
  if ('to' in item) {
    const target = labels.get(item.to);
    if (target === undefined) throw new Error(`assemble: unknown label ${item.to}`);
    return item.op === 'JCC' ? { op: 'JCC', cond: item.cond, target } : { op: item.op, target };
  }
  return item;
};

/** Placeholder of the right length for the first pass. */
const shape = (item: AsmItem): GuestInstruction | null =>
  'label' in item || 'org' in item ? null : 'to' in item ? (item.op === 'JCC' ? { op: 'JCC', cond: item.cond, target: 0n } : { op: item.op, target: 0n }) : item;

export const assemble = (items: readonly AsmItem[]): { code: Map<bigint, GuestInstruction>; labels: Map<string, bigint> } => {
  const labels = new Map<string, bigint>();
  let at = 0n;
  for (const item of items) {
    if ('org' in item) { at = item.org; continue; }
    if ('label' in item) { labels.set(item.label, at); continue; }
    at += BigInt(instructionLength(shape(item)!));
  }
  const code = new Map<bigint, GuestInstruction>();
  at = 0n;
  for (const item of items) {
    if ('org' in item) { at = item.org; continue; }
    const i = resolve(item, labels);
    if (i === null) continue;
    if (code.has(at)) throw new Error(`assemble: two instructions at 0x${at.toString(16)}`);
    code.set(at, i);
    at += BigInt(instructionLength(i));
  }
  return { code, labels };
};
