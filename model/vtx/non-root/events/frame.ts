/**
 * What every IDT delivery shares, whatever the mode: the return address and RFLAGS image it pushes
 * (EVENT.DELIVERY.FRAME), the RFLAGS it leaves (EVENT.DELIVERY.FLAGS), and pushing the frame one
 * item at a time.
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { AccessMode } from '../paging/types.js';
import { translateAccess } from '../paging/access.js';
import { writeOwned } from '../paging/physical.js';
import { ended, owned, pieces, writeAt, type Delivering, type FrameStyle, type Got } from './attempt.js';
import { isSoftware } from './info.js';

const TF = 1n << 8n, IF = 1n << 9n, NT = 1n << 14n, RF = 1n << 16n, VM = 1n << 17n, AC = 1n << 18n;

/** Fault-class exceptions (Vol. 3A Table 6-1) other than #DB: delivering them pushes RFLAGS with RF = 1 (§17.3.1.1). */
const FAULTS = new Set([0, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 19, 20]);

/** Faults push the faulting instruction's RIP (state.cpu.rip); software events the next one. */
export const returnAddress = (s: VtxState, ev: Delivering): bigint =>
  isSoftware(ev.type) ? BigInt.asUintN(64, s.cpu.rip + BigInt(ev.instructionLength ?? 0)) : s.cpu.rip;

export const pushedFlags = (s: VtxState, ev: Delivering): bigint =>
  !ev.injected && ev.type === 'hardware-exception' && FAULTS.has(ev.vector) ? s.cpu.rflags | RF : s.cpu.rflags;

/**
 * `s` with RFLAGS.RF as the event would push it: what a VM exit caused by the event (or during its
 * delivery) saves (§27.3.3).
 */
export const withPushedRf = (s: VtxState, ev: Delivering): VtxState => {
  const rflags = pushedFlags(s, ev);
  return rflags === s.cpu.rflags ? s : { ...s, cpu: { ...s.cpu, rflags } };
};

/** RFLAGS after delivery: TF, NT, RF, VM cleared; IF too through an interrupt gate. */
export const handlerFlags = (rflags: bigint, interruptGate: boolean): bigint =>
  rflags & ~(TF | NT | RF | VM | (interruptGate ? IF : 0n));

/** Real-address mode clears IF, TF and AC (Vol. 3A §20.1.4). */
export const realModeFlags = (rflags: bigint): bigint => rflags & ~(IF | TF | AC);

export const inV8086 = (s: VtxState): boolean => (s.cpu.rflags & VM) !== 0n;

/** Pushes `items` (first item at the highest address) below `top`; `top` and the item size are the caller's. */
export const pushAll = (
  caps: Capabilities, s: VtxState, address: (offset: bigint) => bigint, top: bigint, size: number,
  items: readonly bigint[], mode: AccessMode, decisions: readonly Decision[], style: FrameStyle,
): Got<null> => {
  const midFrame = (g: Got<null>, i: number): Got<null> => (g.ok || i === 0 ? g : { ok: false, end: { ...g.end, midFrame: true } as typeof g.end });
  if (style === 'partial') {
    for (const [i, item] of items.entries()) {
      const w = writeAt(caps, s, address(top - BigInt(size * (i + 1))), size, item, mode, decisions);
      if (!w.ok) return midFrame(w, i);
    }
    return { ok: true, value: null, state: s };
  }
  // Atomic: every slot is translated (its accessed/dirty flags set) before any item is written.
  const writes: [bigint, number, bigint][] = [];
  for (const [i, item] of items.entries()) {
    const linear = address(top - BigInt(size * (i + 1)));
    for (const [at, n] of pieces(linear, size)) {
      const t = translateAccess(caps, s, at, n, { kind: 'write', mode, nmiUnblocking: false, stack: true }, decisions);
      writeOwned(owned(s), t.updates ?? [], 0n, 0, 0n);
      if (!t.ok) return midFrame(ended(s, t), i);
      writes.push([t.pa, n, item >> (8n * (at - linear))]);
    }
  }
  for (const [pa, n, v] of writes) writeOwned(owned(s), [], pa, n, v);
  return { ok: true, value: null, state: s };
};
