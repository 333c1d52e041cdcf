/**
 * The processor's external-interrupt controller (SDM 2:§5.8): IRR0-3 (CR68-71) hold pending vectors,
 * `inService` the acknowledged ones, TPR (CR66) masks by class. Priority: NMI (vector 2) above ExtINT
 * (vector 0) above vectors 255 down to 16; vectors 1 and 3-15 are ignored (SDM 2:125, ITV vector).
 */
import { bitOf, fieldOf } from './bits.js';
import type { Machine } from './machine.js';

export const CR_TPR = 66;
export const CR_IVR = 65;
export const CR_EOI = 67;
export const CR_IRR0 = 68;
export const CR_ITM = 1;
export const CR_ITV = 72;
export const SPURIOUS = 15n;
const NMI = 2;
const EXTINT = 0;

export const validVector = (v: number): boolean => v === EXTINT || v === NMI || (v >= 16 && v <= 255);

const irrWord = (v: number): number => CR_IRR0 + (v >> 6);

export const pending = (m: Machine, v: number): boolean => bitOf(m.crValue(irrWord(v)), v & 63);

export const setPending = (m: Machine, v: number, on: boolean): void => {
  const w = m.crValue(irrWord(v));
  m.setCr(irrWord(v), on ? w | (1n << BigInt(v & 63)) : w & ~(1n << BigInt(v & 63)));
};

/** Vectors in priority order, highest first. */
const PRIORITY: readonly number[] = [NMI, EXTINT, ...Array.from({ length: 240 }, (_, i) => 255 - i)];

const highestIn = (has: (v: number) => boolean): number | null => PRIORITY.find(has) ?? null;

export const tprMic = (tpr: bigint): bigint => fieldOf(tpr, 7, 4);
export const tprMmi = (tpr: bigint): boolean => bitOf(tpr, 16);

/**
 * VTI.EXTINT.PEND, SDM 2:§5.8.1 "Interrupt Unmasked Condition" (as LK irq_masked / XEN _xirq_masked read it): an
 * in-service NMI masks everything; NMI is otherwise never masked; an in-service ExtINT masks ExtINT
 * and every maskable vector; ExtINT is masked by TPR.mmi; a maskable vector needs mmi = 0, a class
 * above TPR.mic and a number above the highest in-service vector.
 */
const masked = (m: Machine, v: number): boolean => {
  const inService = (x: number): boolean => bitOf(m.inService, x);
  if (inService(NMI)) return true;
  if (v === NMI) return false;
  if (inService(EXTINT)) return true;
  const tpr = m.crValue(CR_TPR);
  if (v === EXTINT) return tprMmi(tpr);
  if (tprMmi(tpr) || BigInt(v >> 4) <= tprMic(tpr)) return true;
  const top = highestIn((x) => x >= 16 && inService(x));
  return top !== null && v <= top;
};

/** The highest-priority pending vector if it is unmasked, else null (lower ones are masked too). */
export const highestUnmasked = (m: Machine): number | null => {
  const top = highestIn((v) => pending(m, v));
  return top === null || masked(m, top) ? null : top;
};

/**
 * VTI.EXTINT.IVR, SDM 2:123 IVR read: acknowledge the highest unmasked pending vector, or 15 (spurious). As in the
 * mov cr pseudo-code (check_interrupt_request(), then GR[r1] = CR[IVR]), CR.IVR holds the result.
 */
export const acknowledge = (m: Machine): bigint => {
  const v = highestUnmasked(m);
  if (v !== null) {
    setPending(m, v, false);
    m.inService |= 1n << BigInt(v);
  }
  const ivr = v === null ? SPURIOUS : BigInt(v);
  m.setCr(CR_IVR, ivr);
  return ivr;
};

/** VTI.EXTINT.EOI, SDM 2:§5.8.3 EOI write: retire the highest-priority in-service vector. */
export const endOfInterrupt = (m: Machine): void => {
  const v = highestIn((x) => bitOf(m.inService, x));
  if (v !== null) m.inService &= ~(1n << BigInt(v));
};
