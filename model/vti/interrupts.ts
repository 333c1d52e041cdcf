/**
 * External interrupts (SDM 2:§5.8) and the Virtual External Interrupt (SDM 2:187): which pending
 * vector is unmasked, IVR acknowledge and EOI, the events that pend interrupts, and the two checks
 * made before each instruction.
 */
import type { VtiEvent } from '../../spec/vti/machine/events.js';
import { currentVp, type VtiState } from '../../spec/vti/machine/state.js';
import { VAC_BITS } from '../../spec/vti/vpd.js';
import { bit, bits, hex, mapGet, psrGet, u64 } from './bits.js';
import { raise } from './interruption.js';
import { because, decided, type Decision } from './outcome.js';

const CR = { itm: 1, tpr: 66, irr0: 68, itv: 72 } as const;
const NMI = 2;
const EXTINT = 0;

export const irr = (s: VtiState): bigint =>
  [0, 1, 2, 3].reduce((m, i) => m | (mapGet(s.cr, CR.irr0 + i) << BigInt(64 * i)), 0n);

const withIrr = (s: VtiState, v: bigint): VtiState => {
  const cr = new Map(s.cr);
  for (let i = 0; i < 4; i++) cr.set(CR.irr0 + i, u64(v >> BigInt(64 * i)));
  return { ...s, cr };
};

const has = (set: bigint, v: number): boolean => bit(set, v);

/** Vectors of `set` from highest to lowest priority: NMI, ExtINT, then 255 down to 16. */
const byPriority = (set: bigint): number[] => [
  ...(has(set, NMI) ? [NMI] : []),
  ...(has(set, EXTINT) ? [EXTINT] : []),
  ...Array.from({ length: 240 }, (_, i) => 255 - i).filter((v) => has(set, v)),
];

/**
 * The highest-priority pending vector if it is unmasked, else null (a masked one masks everything
 * below it): NMI unless an NMI is in service; ExtINT unless TPR.mmi or an NMI/ExtINT is in service;
 * others unless TPR.mmi, class <= TPR.mic, or an in-service vector at or above it (LK/XEN irq_masked).
 * Part of VTI.EXTINT.PEND and VTI.EXTINT.IVR.
 */
export const unmaskedPending = (s: VtiState): number | null => {
  const top = byPriority(irr(s))[0];
  if (top === undefined) return null;
  const tpr = mapGet(s.cr, CR.tpr);
  const mmi = bit(tpr, 16);
  const mic = Number(bits(tpr, 7, 4));
  const inService = byPriority(s.inService)[0];
  if (inService === NMI) return null;
  if (top === NMI) return top;
  if (inService === EXTINT || mmi) return null;
  if (top === EXTINT) return top;
  if (top >> 4 <= mic) return null;
  if (inService !== undefined && inService >= top) return null;
  return top;
};

/** Implements VTI.EXTINT.IVR: the acknowledged vector (15 when none) and the state after. */
export const acknowledge = (s: VtiState): { vector: number; state: VtiState } => {
  const v = unmaskedPending(s);
  if (v === null) return { vector: 15, state: s };
  const cleared = withIrr(s, irr(s) & ~(1n << BigInt(v)));
  return { vector: v, state: { ...cleared, inService: s.inService | (1n << BigInt(v)) } };
};

/** Implements VTI.EXTINT.EOI: the highest-priority in-service vector retired. */
export const endOfInterrupt = (s: VtiState): VtiState => {
  const v = byPriority(s.inService)[0];
  return v === undefined ? s : { ...s, inService: s.inService & ~(1n << BigInt(v)) };
};

/**
 * Before an instruction: an unmasked pending external interrupt with PSR.i = 1 is taken at 0x3000
 * instead (VTI.EXTINT.PEND). With PSR.vm = 1 it goes to the host IVT like every interruption.
 */
export const externalInterruptCheck = (s: VtiState): Decision | null => {
  if (psrGet(s.psr, 'i') !== 1n) return null;
  const v = unmaskedPending(s);
  return v === null ? null
    : raise(s, 'externalInterrupt', [because('VTI.EXTINT.PEND', `vector ${v} is pending, unmasked, and PSR.i = 1`)]);
};

const A_INT = VAC_BITS.find((b) => b.name === 'a_int')?.bit ?? 0;

/** ((vpsr.i = 0) << 5) | (vtpr.mmi << 4) | vtpr.mic: a vhpi above it is deliverable (LK/XEN vhpi_detection). */
export const virtualThreshold = (vpsr: bigint, vtpr: bigint): bigint =>
  ((psrGet(vpsr, 'i') === 0n ? 1n : 0n) << 5n) | ((bit(vtpr, 16) ? 1n : 0n) << 4n) | bits(vtpr, 7, 4);

/**
 * Before a guest instruction (PSR.vm = 1) under a VP with vac.a_int = 1: when the latched pending
 * virtual interrupt exceeds the threshold of vpsr.i and vtpr, control goes to host IVA + 0x3400
 * instead. Implements VTI.VEI.DELIVER and VTI.VEI.MASKED (null when nothing is raised) and the
 * interrupt half of VTI.VAC.a_int.
 */
export const virtualInterruptCheck = (s: VtiState): Decision | null => {
  if (psrGet(s.psr, 'vm') !== 1n) return null;
  const cur = currentVp(s);
  if (cur === null || !bit(cur.vp.vpd.vac, A_INT) || s.pendingVirtualInterrupt === 0n) return null;
  const threshold = virtualThreshold(cur.vp.vpd.vpsr, cur.vp.vpd.vcr.get(CR.tpr) ?? 0n);
  if (s.pendingVirtualInterrupt <= threshold) return null;
  const d = raise(s, 'virtualExternalInterrupt', [
    because('VTI.VAC.a_int', 'vac.a_int = 1: the processor watches the pending virtual interrupt'),
    because('VTI.VEI.DELIVER', `vhpi ${s.pendingVirtualInterrupt} > threshold ${threshold} (vpsr.i, vtpr.mmi, vtpr.mic)`),
  ]);
  return { ...d, observation: { kind: 'virtual-external-interrupt', vector: 0x3400 } };
};

/** Why no virtual interrupt was raised, for explanations (VTI.VEI.MASKED). */
export const virtualInterruptMaskedReason = (s: VtiState): string | null => {
  if (psrGet(s.psr, 'vm') !== 1n) return null;
  const cur = currentVp(s);
  if (cur === null || s.pendingVirtualInterrupt === 0n) return null;
  if (!bit(cur.vp.vpd.vac, A_INT)) return 'vac.a_int = 0: the processor does not raise 0x3400';
  const threshold = virtualThreshold(cur.vp.vpd.vpsr, cur.vp.vpd.vcr.get(CR.tpr) ?? 0n);
  return `vhpi ${s.pendingVirtualInterrupt} <= threshold ${threshold}: masked by vpsr.i or vtpr`;
};

const pend = (s: VtiState, vector: number): VtiState => withIrr(s, irr(s) | (1n << BigInt(vector & 0xff)));

/** ExtINT (0), NMI (2) and 16-255; vectors 1 and 3-15 are reserved (SDM 2:§5.8.1). */
const validVector = (v: number): boolean => v === EXTINT || v === NMI || (v >= 16 && v <= 255);

const afterPending = (s: VtiState, why: string): Decision =>
  externalInterruptCheck(s) ?? decided({ kind: 'event-absorbed' }, s, [because('VTI.EXTINT.PEND', `${why}; not taken now (PSR.i = 0 or masked)`)]);

/**
 * `vector` arrives. A reserved vector is dropped; the sources do not say what hardware does with
 * one, so pending it (and taking it) is permitted too.
 */
const arrive = (s: VtiState, vector: number): Decision => {
  const v = Number.isInteger(vector) ? vector & 0xff : 1;
  const pended = afterPending(pend(s, v), `vector ${v} pended in IRR`);
  if (validVector(v)) return pended;
  const why = because('VTI.EXTINT.PEND', `vector ${v} is reserved: dropped (pending it is also permitted)`);
  const taken = externalInterruptCheck(s);
  const dropped = taken === null ? decided({ kind: 'event-absorbed' }, s, [why]) : { ...taken, trace: [why, ...taken.trace] };
  return { ...dropped, alternatives: [{ observation: pended.observation, state: pended.state }] };
};

const timerFires = (s: VtiState): Decision => {
  const itv = mapGet(s.cr, CR.itv);
  if (bit(itv, 16)) return decided({ kind: 'event-absorbed' }, s, [because('VTI.TIMER', 'ITV.m = 1: the timer interrupt is masked')]);
  const v = Number(bits(itv, 7, 0));
  const d = arrive(s, v);
  return { ...d, trace: [because('VTI.TIMER', `AR.ITC reached CR.ITM: vector ${v} (ITV) pends`), ...d.trace] };
};

/** An external event. Implements VTI.EXTINT.PEND and VTI.TIMER. */
export const event = (s: VtiState, e: VtiEvent): Decision => {
  switch (e.kind) {
    case 'external-interrupt':
      return arrive(s, e.vector);
    case 'timer':
      return timerFires(s);
    case 'clock': {
      const before = mapGet(s.ar, 44);
      const after = u64(before + e.cycles);
      const ar = new Map(s.ar);
      ar.set(44, after);
      const advanced = { ...s, ar };
      const itm = mapGet(s.cr, CR.itm);
      const crossed = e.cycles > 0n && (after >= before ? before < itm && itm <= after : itm > before || itm <= after);
      if (crossed) return timerFires(advanced);
      return decided({ kind: 'event-absorbed' }, advanced, [because('VTI.TIMER', `AR.ITC advanced to ${hex(after)} without reaching CR.ITM`)]);
    }
  }
};
