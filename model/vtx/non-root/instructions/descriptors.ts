/**
 * Segment and system descriptors in the guest's GDT/LDT (Vol. 3A §3.4.5, §3.5; 16-byte system
 * descriptors in IA-32e mode, §3.5.2), as the instructions that load segment registers, LDTR and TR,
 * and those that can start a task switch read them. Access rights come out in the VMCS format
 * (§24.4.1: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { SegmentRegister, VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { readSystem, writeAt } from './access.js';
import { fault, GP } from './outcome.js';

export interface Descriptor {
  /** Linear address of the descriptor in its table (for the busy-bit update of LTR). */
  readonly at: bigint;
  readonly lo: bigint;
  readonly type: number;
  readonly system: boolean;
  readonly dpl: number;
  readonly present: boolean;
  readonly base: bigint;
  readonly limit: number;
  readonly accessRights: number;
}

/** The descriptor and the state after reading it (accessed/dirty flags of the walk), or the step's end. */
export type DescriptorRead =
  | { readonly ok: true; readonly d: Descriptor; readonly state: VtxState }
  | { readonly ok: false; readonly result: NonRootResult };

export const UNUSABLE = 0x1_0000;
export const selectorError = (selector: number): number => selector & 0xfffc;

const parse = (at: bigint, lo: bigint, hi: bigint | null): Descriptor => {
  const access = Number((lo >> 40n) & 0xffn);
  const flags = Number((lo >> 52n) & 0xfn);
  const raw = Number((lo & 0xffffn) | (((lo >> 48n) & 0xfn) << 16n));
  const g = (flags & 8) !== 0;
  const base = ((lo >> 16n) & 0xff_ffffn) | (((lo >> 56n) & 0xffn) << 24n) | (hi === null ? 0n : (hi & 0xffff_ffffn) << 32n);
  return {
    at, lo,
    type: access & 0xf,
    system: (access & 0x10) === 0,
    dpl: (access >> 5) & 3,
    present: (access & 0x80) !== 0,
    base,
    limit: g ? ((raw << 12) | 0xfff) >>> 0 : raw,
    accessRights: access | (flags << 12),
  };
};

/**
 * Reads the descriptor a non-null selector names; `wide` reads the 16-byte form (system descriptors
 * in IA-32e mode). A selector beyond the table limit, or into an unusable LDT, is #GP(selector).
 */
export const readDescriptor = (
  caps: Capabilities, s: VtxState, selector: number, wide: boolean, decisions: readonly Decision[],
  faultExtra: Parameters<typeof fault>[5] = {},
): DescriptorRead => {
  const local = (selector & 4) !== 0;
  const table = local ? s.cpu.segments.ldtr : null;
  const outside = (): DescriptorRead => ({ ok: false, result: fault(caps, s, GP, selectorError(selector), decisions, faultExtra) });
  if (table !== null && (table.accessRights & UNUSABLE) !== 0) return outside();
  const base = table === null ? s.cpu.gdtr.base : table.base;
  const limit = table === null ? s.cpu.gdtr.limit : table.limit;
  const offset = selector & 0xfff8;
  if (offset + (wide ? 15 : 7) > limit) return outside();
  const at = base + BigInt(offset);
  const lo = readSystem(caps, s, at, 8, decisions);
  if (!lo.ok) return lo;
  if (!wide) return { ok: true, d: parse(at, lo.value, null), state: lo.state };
  const hi = readSystem(caps, lo.state, at + 8n, 8, decisions);
  if (!hi.ok) return hi;
  return { ok: true, d: parse(at, lo.value, hi.value), state: hi.state };
};

export const segmentFrom = (selector: number, d: Descriptor): SegmentRegister =>
  ({ selector, base: d.base, limit: d.limit, accessRights: d.accessRights });

export const unusableSegment = (selector: number): SegmentRegister => ({ selector, base: 0n, limit: 0, accessRights: UNUSABLE });

/** Marks a TSS descriptor busy (type bit 1) in memory, as LTR does (Vol. 3A §7.2.4). */
export const markBusy = (caps: Capabilities, s: VtxState, d: Descriptor, decisions: readonly Decision[]) =>
  writeAt(caps, s, d.at, 8, d.lo | (2n << 40n), decisions, { implicitSupervisor: true });

/** Code segment: S = 1 and type bit 3. */
export const isCode = (d: Descriptor): boolean => !d.system && (d.type & 8) !== 0;
/** Writable data segment: S = 1, type bit 3 = 0, bit 1 = 1. */
export const isWritableData = (d: Descriptor): boolean => !d.system && (d.type & 8) === 0 && (d.type & 2) !== 0;
export const isConforming = (d: Descriptor): boolean => isCode(d) && (d.type & 4) !== 0;
