/**
 * A guest kernel whose External Interrupt handler does what ITJ says every interruption handler does
 * ("Frequent Access to Privileged Resources"): it reads the interruption control registers — IPSR,
 * ISR, IIP, IFA, ITIR, IIPA, IFS, IIM, IHA — acknowledges the interrupt (IVR), counts it, signals
 * EOI, writes back IPSR, IIP and IFS as a kernel restoring the interrupted context does, and returns
 * with rfi. Its main loop computes with interrupts enabled while a device and the interval timer
 * interrupt it. Without the interruption-CR accelerations each of the twelve CR16-CR25 accesses per
 * interruption is an intercept; with them, none is (ITJ, "Virtualization Configuration").
 */
import type { GuestProgram, ScheduledEvent } from '../../vmm/vti/program.js';
import { assemble, link, type AsmItem } from './assemble.js';
import { countedLoop, CR, GUEST, increment, IVT, kernelState, setUp } from './kernel.js';

/** Where the handler counts interruptions, and the main loop its iterations. */
export const HANDLER_DATA = { interruptions: GUEST.data, iterations: GUEST.data + 8n } as const;

/** The interruption CRs the handler reads, in order (CR18 is reserved). */
export const HANDLER_READS = [CR.ipsr, CR.isr, CR.iip, CR.ifa, CR.itir, CR.iipa, CR.ifs, CR.iim, CR.iha] as const;
/** The ones it writes back before rfi. */
export const HANDLER_WRITES = [CR.ipsr, CR.iip, CR.ifs] as const;

const handler: AsmItem[] = [
  // Bank 0 (r16-r31) is the handler's, as interruption delivery selects it.
  ...HANDLER_READS.map((cr, k): AsmItem => ({ op: 'mov-from-cr', r1: 16 + k, cr })),
  { op: 'mov-from-cr', r1: 25, cr: CR.ivr },
  ...increment(HANDLER_DATA.interruptions, 26, 27, 28),
  { op: 'mov-to-cr', cr: CR.eoi, r2: 0 },
  { op: 'mov-to-cr', cr: CR.ipsr, r2: 16 },
  { op: 'mov-to-cr', cr: CR.iip, r2: 18 },
  { op: 'mov-to-cr', cr: CR.ifs, r2: 22 },
  { op: 'rfi' },
];

const main: AsmItem[] = [
  ...setUp(),
  ...countedLoop(60, increment(HANDLER_DATA.iterations, 6, 7, 8)),
];

/** A device interrupt every 37 instructions and the timer every 83, for the length of the run. */
const events = (until: number): ScheduledEvent[] => {
  const out: ScheduledEvent[] = [];
  for (let t = 20; t < until; t += 37) out.push({ after: t, event: { kind: 'external-interrupt', vector: GUEST.deviceVector } });
  for (let t = 50; t < until; t += 83) out.push({ after: t, event: { kind: 'timer' } });
  return out;
};

const code = link(assemble(GUEST.entry, main), assemble(GUEST.iva + IVT.externalInterrupt, handler)).code;

export const interruptionHandlerGuest: GuestProgram = {
  name: 'interruption-handler',
  description: 'a kernel whose interrupt handler reads the interruption control registers on every interruption and returns with rfi, under a stream of device and timer interrupts',
  code,
  initial: (profile) => kernelState(profile),
  events: events(600),
  maxInstructions: 5000,
};
