/**
 * One step of VMX non-root operation in the reference CPU (SDM ch. 25): an event arrives and the
 * boundary is evaluated, or the boundary is evaluated and then the next instruction runs.
 * After an instruction completed: TPR virtualization (EXIT.TPR.BELOW.THRESHOLD, §29.1.2, trap-like)
 * and the monitor trap flag (EXIT.MTF, §25.5.2: after an instruction that completed — one iteration of
 * a REP string instruction, HLT included — or after any event delivered through the IDT without a VM
 * exit: the instruction's fault or software interrupt, or an interrupt or NMI taken at the boundary).
 */
import type { GuestEvent, NonRootInput } from '../../../../spec/vtx/guest/events.js';
import { instructionLength } from '../../../../spec/vtx/guest/length.js';
import type { NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { atBoundary } from './boundary.js';
import { raiseFault } from './delivery.js';
import { exitWith } from './exits.js';
import { exitInformation, Guest, GuestFault, MASK64, RFLAGS, StepDone } from './guest.js';
import type { Exec } from './instructions/common.js';
import { executeInstruction } from './instructions/index.js';

/**
 * Latches an arriving event until it is taken (one external-interrupt vector, the highest; NMI, INIT);
 * a SIPI only in wait-for-SIPI, else it is discarded (EVENT.PENDING.LATCH, EVENT.ACTIVITY.HLT).
 */
const arrive = (g: Guest, e: GuestEvent): void => {
  const p = g.cpu.pending;
  switch (e.kind) {
    case 'external-interrupt': p.extint = p.extint === null ? e.vector & 0xff : Math.max(p.extint, e.vector & 0xff); return;
    case 'nmi': p.nmi = true; return;
    case 'init': p.init = true; return;
    case 'sipi': if (g.cpu.activity === 'wait-for-sipi') p.sipi = e.vector & 0xff; return;
    case 'preemption-timer-expiry':
      // The timer's count is the VMCS field (see README): expiry sets it to 0.
      if (g.on('pin.ACTIVATE_VMX_PREEMPTION_TIMER')) g.vmcs.set('VMX_PREEMPTION_TIMER_VALUE', 0n);
      return;
  }
};

/** Pending debug exceptions: BS (Table 24-4). */
const PENDING_BS = 1n << 14n;

const mtf = (g: Guest): NonRootObservation | null =>
  g.on('proc.MONITOR_TRAP_FLAG') ? exitWith(g, exitInformation(37)) : null;

const runInstruction = (g: Guest, input: Extract<NonRootInput, { kind: 'instruction' }>): NonRootObservation => {
  const cpu = g.cpu;
  const length = instructionLength(input.instruction);
  const x: Exec = { length, next: (cpu.rip + BigInt(length)) & MASK64, branch: null, repeat: false, setSti: false, setMovSs: false, tprCheck: false, halt: false };
  // Single-step (Vol. 3B §17.3.1.4, EVENT.DEBUG.SINGLESTEP): TF as the instruction begins decides.
  const singleStep = (cpu.rflags & RFLAGS.TF) !== 0n;
  try {
    try {
      executeInstruction(g, input.instruction, x);
    } catch (e) {
      if (e instanceof GuestFault) raiseFault(g, e);
      throw e;
    }
  } catch (e) {
    if (!(e instanceof StepDone)) throw e;
    if (e.observation.kind === 'delivered') return mtf(g) ?? e.observation;
    return e.observation;
  }
  // The instruction completed: a trap-like exit after it (TPR below threshold, MTF) saves the next RIP
  // (VMEXIT.SAVE.RIP.TRAP).
  cpu.rip = x.branch ?? (x.repeat ? cpu.rip : x.next);
  // RF is cleared once an instruction completes (Vol. 3A §17.3.1.1); IRET loads it from the stack.
  if (input.instruction.op !== 'IRET') cpu.rflags &= ~RFLAGS.RF;
  cpu.blockingBySti = x.setSti;
  cpu.blockingByMovSs = x.setMovSs;
  if (x.halt) cpu.activity = 'hlt';
  // The completed instruction leaves BS pending: a #DB trap at the next boundary (boundary.ts).
  if (singleStep) cpu.pendingDebug |= PENDING_BS;
  if (x.tprCheck && !g.on('proc2.VIRTUAL_INTERRUPT_DELIVERY')) {
    const vtpr = g.m.readBytes((g.f('VIRTUAL_APIC_PAGE_ADDR') & ~0xfffn) + 0x80n, 1);
    if (((vtpr >> 4n) & 0xfn) < (g.f('TPR_THRESHOLD') & 0xfn)) return exitWith(g, exitInformation(43));
  }
  return mtf(g) ?? { kind: 'retired' };
};

/**
 * Outside VMX non-root operation nothing runs and no event is latched (so nothing leaves the
 * VMX-abort shutdown state, VMEXIT.ABORT.SHUTDOWN). No instruction runs in HLT, shutdown or
 * wait-for-SIPI (EVENT.ACTIVITY.HLT, EVENT.ACTIVITY.SHUTDOWN, EVENT.ACTIVITY.WAITSIPI).
 */
export const nonRootStep = (m: Machine, caps: Capabilities, input: NonRootInput): NonRootObservation => {
  if (m.vmx !== 'non-root') return { kind: 'inactive' };
  const g = new Guest(m, caps);
  try {
    if (input.kind === 'event') arrive(g, input.event);
    atBoundary(g);
    if (input.kind === 'event' || g.cpu.activity !== 'active') return { kind: g.cpu.activity === 'active' && input.kind === 'event' ? 'pending' : 'inactive' };
    return runInstruction(g, input);
  } catch (e) {
    if (!(e instanceof StepDone)) throw e;
    // §25.5.2: an event delivered at the boundary (also one that ended HLT or shutdown) is followed by an MTF exit.
    if (e.observation.kind === 'delivered') return mtf(g) ?? e.observation;
    return e.observation;
  }
};
