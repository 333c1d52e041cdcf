/**
 * One attempt at delivering an event through the guest IDT (Vol. 3A §6.12, §6.14, §20.1.4), in the
 * mode the guest is in. Before the gate is read, the event's own architectural effects happen — they
 * stay even if delivery then fails or exits (§27.1): CR2 for a #PF (EVENT.DELIVERY.CR2), DR6/DR7 for
 * a #DB (EVENT.DELIVERY.DR6), NMI blocking for an NMI (EVENT.DELIVERY.NMI), the end of STI/MOV-SS
 * blocking and of HLT or shutdown (EVENT.DELIVERY.WAKE). Events injected by VM entry skip the CR2 and
 * DR6/DR7 effects (INJECT.SIDEEFFECTS).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { ia32eMode } from '../paging/access.js';
import type { Attempt, Delivering, FrameStyle } from './attempt.js';
import { deliver32 } from './gate32.js';
import { deliver64 } from './gate64.js';
import { deliverReal } from './ivt.js';

const CR0_PE = 1n;
const DR7_GD = 1n << 13n;
/** DR6 bits a #DB reports: B0–B3, BD, BS (Vol. 3A §17.2.3). */
const DR6_CONDITIONS = 0x600fn;

export const realMode = (s: VtxState): boolean => (s.cpu.cr0 & CR0_PE) === 0n;

export const startDelivery = (s: VtxState, ev: Delivering): VtxState => {
  let cpu = { ...s.cpu, blockingBySti: false, blockingByMovSs: false, activity: 'active' as const };
  if (ev.type === 'nmi') cpu = { ...cpu, blockingByNmi: true };
  if (!ev.injected && ev.type === 'hardware-exception') {
    if (ev.vector === 14 && ev.pageFaultAddress !== undefined) cpu = { ...cpu, cr2: ev.pageFaultAddress };
    if (ev.vector === 1) cpu = { ...cpu, dr6: (cpu.dr6 & ~0xfn) | ((ev.dr6Bits ?? 0n) & DR6_CONDITIONS), dr7: cpu.dr7 & ~DR7_GD };
  }
  return { ...s, cpu };
};

/** `ext`: the EXT bit for error codes of exceptions this attempt raises (EVENT.DELIVERY.ERRORCODE). `s.memory` must be a copy the caller owns (./attempt.ts `ownMemory`). */
export const deliverOnce = (caps: Capabilities, s: VtxState, ev: Delivering, ext: number, decisions: readonly Decision[], style: FrameStyle = 'atomic'): Attempt => {
  const st = startDelivery(s, ev);
  if (realMode(st)) return deliverReal(caps, st, ev, decisions, style);
  if (ia32eMode(st)) return deliver64(caps, st, ev, ext, decisions, style);
  return deliver32(caps, st, ev, ext, decisions, style);
};
