/**
 * Segment descriptors as event delivery reads them (Vol. 3A §3.4.5, §5.8, §6.12.1.1): the target code
 * segment of a gate (EVENT.DELIVERY.CODESEG) and, in protected mode, the inner stack segment. Segment
 * registers in the state use the VMCS access-rights format (§24.4.1: type 3:0, S 4, DPL 6:5, P 7,
 * AVL 12, L 13, D/B 14, G 15, unusable 16).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { SegmentRegister, VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { decision } from '../result.js';
import { fault, readAt, SYSTEM, writeAt, type Got } from './attempt.js';
import { hex } from './info.js';

export interface Descriptor {
  readonly raw: bigint;
  readonly type: number;
  readonly s: boolean;
  readonly dpl: number;
  readonly present: boolean;
  readonly l: boolean;
  readonly db: boolean;
  readonly base: bigint;
  readonly limit: number;
  readonly accessRights: number;
}

export const decodeDescriptor = (raw: bigint): Descriptor => {
  const access = Number((raw >> 40n) & 0xffn);
  const flags = Number((raw >> 52n) & 0xfn);
  const rawLimit = Number((raw & 0xffffn) | (((raw >> 48n) & 0xfn) << 16n));
  const g = (flags & 8) !== 0;
  return {
    raw,
    type: access & 0xf,
    s: (access & 0x10) !== 0,
    dpl: (access >> 5) & 3,
    present: (access & 0x80) !== 0,
    l: (flags & 2) !== 0,
    db: (flags & 4) !== 0,
    base: ((raw >> 16n) & 0xff_ffffn) | (((raw >> 56n) & 0xffn) << 24n),
    limit: g ? ((rawLimit << 12) | 0xfff) >>> 0 : rawLimit,
    accessRights: access | (flags << 12),
  };
};

export const segmentFrom = (selector: number, d: Descriptor): SegmentRegister =>
  ({ selector, base: d.base, limit: d.limit, accessRights: d.accessRights });

/**
 * Reads the descriptor `selector` names from the GDT or LDT, setting its accessed bit (type bit 0)
 * as a segment load does. #GP(selector + EXT) when the selector is beyond the table's limit.
 */
export const readDescriptor = (caps: Capabilities, s: VtxState, selector: number, ext: number, decisions: readonly Decision[]): Got<Descriptor> => {
  const ldt = (selector & 4) !== 0;
  const table = ldt ? { base: s.cpu.segments.ldtr.base, limit: s.cpu.segments.ldtr.limit, usable: ((s.cpu.segments.ldtr.accessRights >>> 16) & 1) === 0 } : { ...s.cpu.gdtr, usable: true };
  const index = selector & 0xfff8;
  const code = (selector & 0xfffc) | ext;
  if (!table.usable || index + 7 > table.limit) {
    return fault(s, 13, code, [...decisions, decision('EVENT.DELIVERY.CODESEG', '6.12.1.1',
      `selector ${hex(selector)} is beyond the ${ldt ? 'LDT' : 'GDT'} limit ${hex(table.limit)}: #GP(${hex(code)})`)]);
  }
  const at = table.base + BigInt(index);
  const r = readAt(caps, s, at, 8, SYSTEM, decisions);
  if (!r.ok) return r;
  const d = decodeDescriptor(r.value);
  if (!d.s || (d.type & 1) !== 0) return { ok: true, value: d, state: r.state };
  const w = writeAt(caps, r.state, at + 5n, 1, BigInt((d.accessRights & 0xff) | 1), SYSTEM, decisions);
  if (!w.ok) return w;
  return { ok: true, value: decodeDescriptor(r.value | (1n << 40n)), state: w.state };
};

/**
 * The handler's code segment (EVENT.DELIVERY.CODESEG): a non-null selector of a present code segment
 * with DPL ≤ CPL, 64-bit in IA-32e mode. Faults carry selector + EXT (EVENT.DELIVERY.ERRORCODE).
 */
export const handlerCodeSegment = (
  caps: Capabilities, s: VtxState, selector: number, ext: number, longMode: boolean, decisions: readonly Decision[],
): Got<Descriptor> => {
  const code = (selector & 0xfffc) | ext;
  if ((selector & 0xfffc) === 0) return fault(s, 13, ext, [...decisions, decision('EVENT.DELIVERY.CODESEG', '6.12.1.1', `the gate's code-segment selector is null: #GP(${ext})`)]);
  const r = readDescriptor(caps, s, selector, ext, decisions);
  if (!r.ok) return r;
  const d = r.value;
  const gp = (why: string) => fault(r.state, 13, code, [...decisions, decision('EVENT.DELIVERY.CODESEG', longMode ? '6.14.1' : '6.12.1.1', `${why}: #GP(${hex(code)})`)]);
  if (!d.s || (d.type & 8) === 0) return gp(`selector ${hex(selector)} does not name a code segment`);
  if (d.dpl > r.state.cpu.cpl) return gp(`code segment DPL ${d.dpl} > CPL ${r.state.cpu.cpl}`);
  if (!d.present) {
    return fault(r.state, 11, code, [...decisions, decision('EVENT.DELIVERY.CODESEG', '6.12.1.1', `code segment ${hex(selector)} is not present: #NP(${hex(code)})`)]);
  }
  if (longMode && (!d.l || d.db)) return gp(`code segment ${hex(selector)} is not a 64-bit code segment (L = ${d.l ? 1 : 0}, D = ${d.db ? 1 : 0})`);
  return r;
};
