/**
 * Delivery of an IVA-based interruption (SDM 2:§5.5): what the processor writes to the interruption
 * registers, the PSR it leaves, and where it goes. Faults, traps, external interrupts, the Virtual
 * External Interrupt and virtualization intercepts all come through here.
 */
import { FAULTS, INTERRUPTION_PSR_KEEP, type FaultName } from '../../spec/vti/machine/faults.js';
import type { VtiState } from '../../spec/vti/machine/state.js';
import { bit, mapGet, psrGet, psrMask, psrSet } from './bits.js';
import { decided, because, type Decision, type Trace } from './outcome.js';
import { selectBank } from './registers.js';

export interface InterruptionRequest {
  readonly vector: number;
  readonly isrCode: number;
  /** ISR bits above the code (x 32, w 33, r 34, na 35). */
  readonly isrBits?: bigint;
  /** IIP and slot to record (a trap records the next instruction); default the current one. */
  readonly iip?: bigint;
  readonly ri?: bigint;
  /** ISR.ei when it is not the recorded slot (a trap reports the trapping instruction's slot). */
  readonly ei?: bigint;
  /** The PSR to record in IPSR (a trap after a PSR change records the new one); default the current. */
  readonly ipsr?: bigint;
  readonly ifa?: bigint;
  readonly itir?: bigint;
  readonly iha?: bigint;
  readonly iim?: bigint;
  /** Where control goes instead of IVA + vector (an intercept's opt_handler). */
  readonly target?: bigint;
}

const CR = { dcr: 0, iva: 2, ipsr: 16, isr: 17, iip: 19, ifa: 20, itir: 21, iipa: 22, ifs: 23, iim: 24, iha: 25 } as const;

/**
 * The state after delivering `req`. Implements VTI.INTERRUPTION.DELIVERY: with PSR.ic = 1, IPSR,
 * IIP, IIPA and IFS.v = 0 (and IFA/IIM when given) are written; ISR always, with ni = 1 when PSR.ic
 * was 0 and ei = the slot; the new PSR keeps up, mfl, mfh, pk, dt, rt, mc, it, takes be and pp from
 * DCR, and clears the rest (so PSR.vm = 0, bank 0, cpl 0, ic = i = 0); IP = IVA + vector. The
 * register frame stays the interrupted one (SDM 2:§6.7) but the RSE stops loading into it: CFLE = 0,
 * so a handler running with PSR.ic = 0 takes no mandatory RSE load faults on that frame (2:§6.7-6.8)
 * until its rfi turns CFLE back on — the hidden value ITJ's "Access to Hidden State" needs the VMM to
 * recreate, and PAL_VPS_RESUME_HANDLER's GR26 bit 63 exists to set (SDM 2:492).
 */
export const deliver = (s: VtiState, req: InterruptionRequest): VtiState => {
  const ic = psrGet(s.psr, 'ic') === 1n;
  const ri = req.ri ?? psrGet(s.psr, 'ri');
  const cr = new Map(s.cr);
  const isr = BigInt(req.isrCode) | (req.isrBits ?? 0n) | ((req.ei ?? ri) << 41n) | (ic ? 0n : 1n << 39n);
  cr.set(CR.isr, isr);
  if (ic) {
    cr.set(CR.ipsr, psrSet(req.ipsr ?? s.psr, 'ri', ri));
    cr.set(CR.iip, req.iip ?? s.ip);
    cr.set(CR.iipa, s.lastIp);
    cr.set(CR.ifs, mapGet(s.cr, CR.ifs) & ~(1n << 63n));
    if (req.ifa !== undefined) cr.set(CR.ifa, req.ifa);
    if (req.itir !== undefined) cr.set(CR.itir, req.itir);
    if (req.iha !== undefined) cr.set(CR.iha, req.iha);
    if (req.iim !== undefined) cr.set(CR.iim, req.iim);
  }
  const dcr = mapGet(s.cr, CR.dcr);
  const psr = (s.psr & INTERRUPTION_PSR_KEEP) | (bit(dcr, 1) ? psrMask('be') : 0n) | (bit(dcr, 0) ? psrMask('pp') : 0n);
  const banked = selectBank({ ...s, cr }, 0n);
  return { ...banked, psr, rse: { ...banked.rse, cfle: false }, ip: req.target ?? mapGet(s.cr, CR.iva) + BigInt(req.vector) };
};

/** What a raise may add to the named fault: everything but the vector, and another ISR.code. */
export type InterruptionRequestExtra = Omit<InterruptionRequest, 'vector' | 'isrCode'> & { readonly isrCode?: number };

/** An interruption named in spec/vti/machine/faults.ts, as a decision. */
export const raise = (s: VtiState, name: FaultName, trace: readonly Trace[], extra: InterruptionRequestExtra = {}): Decision => {
  const f = FAULTS[name];
  const isrCode = extra.isrCode ?? f.isrCode;
  return decided(
    { kind: 'interruption', vector: f.vector, isrCode, ...(trace.length > 0 ? { rule: trace[trace.length - 1]?.rule ?? '' } : {}) },
    deliver(s, { ...extra, vector: f.vector, isrCode }),
    [...trace, because('VTI.INTERRUPTION.DELIVERY', `delivered to IVA + 0x${f.vector.toString(16)} (${name}), ISR.code 0x${isrCode.toString(16)}`)],
  );
};
