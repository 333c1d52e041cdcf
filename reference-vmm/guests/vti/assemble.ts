/**
 * A small assembler for guest programs of the abstract VT-i instruction set: one instruction per
 * slot, three slots per 16-byte bundle (spec/vti/machine/instructions.ts), labels for branch targets.
 * A label starts a new bundle (branches land on slot 0), padding the bundle before it with nops so
 * that execution falls through; `org` moves to an address, e.g. an IVT entry.
 */
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { slotAddress } from '../../vmm/vti/program.js';

type Label = string;

/** An instruction whose branch target may name a label. */
export type AsmInstruction =
  | Exclude<VtiInstruction, { readonly op: 'br-call' | 'br-cond' }>
  | { readonly op: 'br-call'; readonly b1: number; readonly target: bigint | Label }
  | { readonly op: 'br-cond'; readonly qp: number; readonly target: bigint | Label };

export type AsmItem = AsmInstruction | { readonly label: Label } | { readonly org: bigint };

export interface Assembled {
  readonly code: ReadonlyMap<bigint, VtiInstruction>;
  readonly labels: ReadonlyMap<Label, bigint>;
}

const NOP: VtiInstruction = { op: 'nop' };

export const assemble = (origin: bigint, items: readonly AsmItem[]): Assembled => {
  const labels = new Map<Label, bigint>();
  const placed: { readonly at: bigint; readonly i: AsmInstruction }[] = [];
  let bundle = origin & ~0xfn;
  let slot = 0;
  const emit = (i: AsmInstruction): void => {
    placed.push({ at: slotAddress(bundle, slot), i });
    if (++slot === 3) {
      slot = 0;
      bundle += 16n;
    }
  };
  for (const item of items) {
    if ('label' in item) {
      while (slot !== 0) emit(NOP);
      if (labels.has(item.label)) throw new Error(`label ${item.label} defined twice`);
      labels.set(item.label, bundle);
    } else if ('org' in item) {
      bundle = item.org & ~0xfn;
      slot = 0;
    } else {
      emit(item);
    }
  }
  const resolve = (t: bigint | Label): bigint => {
    if (typeof t === 'bigint') return t;
    const a = labels.get(t);
    if (a === undefined) throw new Error(`undefined label ${t}`);
    return a;
  };
  const code = new Map<bigint, VtiInstruction>();
  for (const { at, i } of placed) {
    if (code.has(at)) throw new Error(`two instructions at 0x${at.toString(16)}`);
    code.set(at, i.op === 'br-call' || i.op === 'br-cond' ? { ...i, target: resolve(i.target) } : i);
  }
  return { code, labels };
};

/** Both maps of several assembled pieces in one (pieces must not overlap). */
export const link = (...parts: readonly Assembled[]): Assembled => {
  const code = new Map<bigint, VtiInstruction>();
  const labels = new Map<Label, bigint>();
  for (const p of parts) {
    for (const [a, i] of p.code) {
      if (code.has(a)) throw new Error(`two instructions at 0x${a.toString(16)}`);
      code.set(a, i);
    }
    for (const [l, a] of p.labels) labels.set(l, a);
  }
  return { code, labels };
};
