/**
 * Asynchronous events: external interrupts and the interval timer (VTI.EXTINT.PEND, VTI.TIMER), and
 * the Virtual External Interrupt the vac.a_int logic raises (VTI.VAC.a_int, VTI.VEI.DELIVER,
 * VTI.VEI.MASKED).
 */
import { EXTERNAL_INTERRUPT_OFFSET, VIRTUAL_EXTERNAL_INTERRUPT_OFFSET } from '../../../spec/vti/ivt.js';
import { AR } from '../../../spec/vti/machine/instructions.js';
import type { VtiEvent } from '../../../spec/vti/machine/events.js';
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import { VPD_OFFSETS } from '../../../spec/vti/machine/state.js';
import { vcrOffset } from '../../../spec/vti/vpd.js';
import { bitOf, fieldOf, PSR_BIT, u64, VAC } from './bits.js';
import { CR, deliver, ivtBase } from './interruption.js';
import { CR_ITM, CR_ITV, CR_TPR, highestUnmasked, setPending, tprMic, tprMmi, validVector } from './lsapic.js';
import type { Machine } from './machine.js';
import { word } from './vpd-words.js';

/**
 * An unmasked pending external interrupt is taken when PSR.i = 1 (SDM 2:§5.8): before the next
 * instruction, and at once when it arrives. Delivered to IVA + 0x3000 like any interrupt (IIP = the
 * next instruction); with PSR.vm = 1 it goes to the VMM, which owns the physical interrupts.
 */
export const takeExternalInterrupt = (m: Machine): VtiObservation | null => {
  if (!m.psrBit(PSR_BIT.i) || highestUnmasked(m) === null) return null;
  deliver(m, ivtBase(m.crValue(CR.iva)) + BigInt(EXTERNAL_INTERRUPT_OFFSET), 0, m.ri);
  return { kind: 'interruption', vector: EXTERNAL_INTERRUPT_OFFSET, isrCode: 0, rule: 'VTI.EXTINT.PEND' };
};

/**
 * VTI.VAC.a_int, VTI.VEI.DELIVER (SDM 2:187, LK/XEN vhpi_detection): with PSR.vm = 1 and the restored
 * VP's vac.a_int = 1, before a guest instruction, the latched pending virtual interrupt is delivered
 * when it exceeds ((vpsr.i = 0) << 5) | (vtpr.mmi << 4) | vtpr.mic: control goes to IVA + 0x3400 (the
 * VMM's IVT) as an interrupt, the guest instruction not executed. At or below the threshold, or with
 * vac.a_int = 0, nothing is raised (VTI.VEI.MASKED). The latch is left as it is: the VMM recomputes
 * vhpi and calls PAL_VPS_SET_PENDING_INTERRUPT.
 */
export const takeVirtualInterrupt = (m: Machine): VtiObservation | null => {
  const vp = m.vm ? m.currentVp() : null;
  const aInt = VAC('a_int');
  if (vp === null || aInt === null || !bitOf(word(vp.words, VPD_OFFSETS.vac), aInt)) return null;
  const vpsr = word(vp.words, VPD_OFFSETS.vpsr);
  const vtpr = word(vp.words, vcrOffset(CR_TPR));
  const threshold = (bitOf(vpsr, PSR_BIT.i) ? 0n : 32n) | (tprMmi(vtpr) ? 16n : 0n) | tprMic(vtpr);
  if (m.pendingVirtualInterrupt <= threshold) return null;
  deliver(m, ivtBase(m.crValue(CR.iva)) + BigInt(VIRTUAL_EXTERNAL_INTERRUPT_OFFSET), 0, m.ri);
  return { kind: 'virtual-external-interrupt', vector: VIRTUAL_EXTERNAL_INTERRUPT_OFFSET };
};

const absorbed: VtiObservation = { kind: 'event-absorbed' };

/** VTI.TIMER: the interval timer fires: ITV.vector is pended unless ITV.m = 1 (then the occurrence is discarded, SDM 2:125). */
const timer = (m: Machine): VtiObservation => {
  const itv = m.crValue(CR_ITV);
  if (bitOf(itv, 16)) return absorbed;
  const v = Number(fieldOf(itv, 7, 0));
  if (validVector(v)) setPending(m, v, true);
  return takeExternalInterrupt(m) ?? absorbed;
};

export const event = (m: Machine, e: VtiEvent): VtiObservation => {
  switch (e.kind) {
    case 'external-interrupt':
      if (validVector(e.vector)) setPending(m, e.vector, true);
      return takeExternalInterrupt(m) ?? absorbed;
    case 'timer':
      return timer(m);
    case 'clock': {
      const cycles = u64(e.cycles);
      const before = m.arValue(AR.itc);
      m.ar.set(AR.itc, u64(before + cycles));
      // ITC reaches ITM within these cycles: 0 < ITM - ITC_before <= cycles (modulo 2^64).
      const distance = u64(m.crValue(CR_ITM) - before);
      return distance !== 0n && distance <= cycles ? timer(m) : absorbed;
    }
  }
};
