/**
 * A guest kernel that masks and unmasks interrupts often (ITJ, "Interrupt Virtualization"): each
 * iteration runs a critical section between rsm psr.i and ssm psr.i, then raises TPR to mask every
 * priority class, works, reads TPR back and lowers it again. Device interrupts arrive throughout; the
 * guest must see each one only once it has unmasked it, right after the ssm or the TPR write that
 * unmasks it. Its handler acknowledges, counts, signals EOI and returns.
 */
import { PSR } from '../../../spec/vti/machine/initial.js';
import type { GuestProgram, ScheduledEvent } from '../../vmm/vti/program.js';
import { assemble, link, type AsmItem } from './assemble.js';
import { countedLoop, CR, GUEST, increment, IVT, kernelState, setUp } from './kernel.js';

export const MASKING_DATA = { interruptions: GUEST.data, critical: GUEST.data + 8n, vectors: GUEST.data + 16n } as const;

/** TPR with mic = 15: every maskable class masked. */
export const TPR_ALL_MASKED = 0xf0n;

const handler: AsmItem[] = [
  { op: 'mov-from-cr', r1: 16, cr: CR.ivr },
  { op: 'mov-imm', r1: 17, imm: MASKING_DATA.vectors },
  { op: 'st8', r3: 17, r2: 16 },
  ...increment(MASKING_DATA.interruptions, 18, 19, 20),
  { op: 'mov-to-cr', cr: CR.eoi, r2: 0 },
  { op: 'rfi' },
];

const body: AsmItem[] = [
  { op: 'rsm', imm24: Number(PSR.i) },
  ...increment(MASKING_DATA.critical, 6, 7, 8),
  { op: 'ssm', imm24: Number(PSR.i) },
  { op: 'mov-imm', r1: 10, imm: TPR_ALL_MASKED },
  { op: 'mov-to-cr', cr: CR.tpr, r2: 10 },
  { op: 'add', r1: 12, r2: 12, r3: 4 },
  { op: 'add', r1: 12, r2: 12, r3: 4 },
  { op: 'mov-from-cr', r1: 11, cr: CR.tpr },
  { op: 'mov-to-cr', cr: CR.tpr, r2: 0 },
];

const main: AsmItem[] = [...setUp(), ...countedLoop(40, body)];

/** Device interrupts at a period that lands them inside masked sections and TPR-raised stretches. */
const events = (until: number): ScheduledEvent[] => {
  const out: ScheduledEvent[] = [];
  for (let t = 12; t < until; t += 23) out.push({ after: t, event: { kind: 'external-interrupt', vector: GUEST.deviceVector + (t % 3) * 0x10 } });
  for (let t = 31; t < until; t += 97) out.push({ after: t, event: { kind: 'timer' } });
  return out;
};

const code = link(assemble(GUEST.entry, main), assemble(GUEST.iva + IVT.externalInterrupt, handler)).code;

export const interruptMaskingGuest: GuestProgram = {
  name: 'interrupt-masking',
  description: 'a kernel that masks and unmasks interrupts with rsm/ssm psr.i and raises and lowers its TPR, under device and timer interrupts',
  code,
  initial: (profile) => kernelState(profile),
  events: events(700),
  maxInstructions: 4000,
};
