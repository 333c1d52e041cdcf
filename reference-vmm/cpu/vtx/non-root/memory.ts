/**
 * Guest memory accesses: effective and linear addresses (in 64-bit mode the ES/CS/SS/DS bases are
 * ignored, Vol. 1 §3.3.7.1; outside it addresses are 32 bits), the canonical check (#GP(0), #SS(0)
 * for stack accesses), the abstraction's alignment rule (a naturally misaligned operand is #GP(0)),
 * then guest paging (./paging.ts) and EPT (./ept.ts) for each page the access touches — all pages are
 * translated before any byte is written, so a faulting access writes nothing.
 */
import type { MemOperand } from '../../../../spec/vtx/guest/instructions.js';
import { eptTranslate } from './ept.js';
import { GuestFault, MASK64, type Guest } from './guest.js';
import { translateLinear } from './paging.js';

export type SegmentKey = 'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs';

export interface AccessOptions {
  /** Segment of the access (for the base and for #SS vs #GP). */
  readonly segment?: SegmentKey;
  /** Required alignment in bytes (default: the access size; 1 for none). */
  readonly align?: number;
  /** Implicit supervisor access (descriptor tables, TSS, event-delivery stack). */
  readonly supervisor?: boolean;
}

/** Linear address of `base + disp` in `segment`. */
export const linearOf = (g: Guest, segment: SegmentKey, offset: bigint): bigint => {
  const useBase = !g.mode64 || segment === 'fs' || segment === 'gs';
  const linear = (useBase ? g.cpu.segments[segment].base : 0n) + offset;
  return g.mode64 ? linear & MASK64 : linear & 0xffff_ffffn;
};

export const operandAddress = (g: Guest, mem: MemOperand): bigint => linearOf(g, mem.segment ?? 'ds', g.reg(mem.base) + mem.disp);

/**
 * In IA-32e mode a linear address must be canonical: #GP(0), #SS(0) for a stack access
 * (PAGING.CANONICAL); an operand misaligned for its size is #GP(0) (PAGING.ALIGNMENT, the abstraction's
 * rule; the processor's own accesses pass align 1).
 */
const checkAddress = (g: Guest, linear: bigint, size: number, o: AccessOptions): void => {
  if (g.longMode && !g.caps.canonical(linear)) throw new GuestFault(o.segment === 'ss' ? 12 : 13, 0);
  const align = BigInt(o.align ?? size);
  if (align > 1n && linear % align !== 0n) throw new GuestFault(13, 0);
};

/**
 * Host-physical address of every byte of the access (pages translated in order): guest paging gives the
 * guest-physical address of the page, which EPT translates as the final access (EPT.GUEST.PAGING).
 */
const translate = (g: Guest, linear: bigint, size: number, write: boolean, o: AccessOptions): bigint[] => {
  checkAddress(g, linear, size, o);
  const ept = g.on('proc2.ENABLE_EPT');
  const pages = new Map<bigint, bigint>();
  const out: bigint[] = [];
  for (let i = 0; i < size; i++) {
    const lin = (linear + BigInt(i)) & (g.longMode ? MASK64 : 0xffff_ffffn);
    const page = lin >> 12n;
    let base = pages.get(page);
    if (base === undefined) {
      const gpa = translateLinear(g, lin, { write, supervisor: o.supervisor === true });
      base = (ept ? eptTranslate(g, gpa, { write, linear: lin, final: true }) : gpa) - (lin & 0xfffn);
      pages.set(page, base);
    }
    out.push(base + (lin & 0xfffn));
  }
  return out;
};

export const readLinear = (g: Guest, linear: bigint, size: number, o: AccessOptions = {}): bigint => {
  const at = translate(g, linear, size, false, o);
  let v = 0n;
  for (let i = at.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(g.m.read8(at[i]!));
  return v;
};

/** Translates a write without performing it (event delivery probes its whole frame first). */
export const probeWrite = (g: Guest, linear: bigint, size: number, o: AccessOptions = {}): bigint[] =>
  translate(g, linear, size, true, o);

export const storeBytes = (g: Guest, at: readonly bigint[], value: bigint): void => {
  at.forEach((a, i) => g.m.writeBytes(a, 1, (value >> BigInt(8 * i)) & 0xffn));
};

export const writeLinear = (g: Guest, linear: bigint, size: number, value: bigint, o: AccessOptions = {}): void => {
  storeBytes(g, translate(g, linear, size, true, o), value);
};
