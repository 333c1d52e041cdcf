/**
 * The instruction boundary (SDM §25.2, §26.6, Vol. 3A §6.9 Table 6-2): events the processor holds
 * pending, and the VMX event-like exits, in this priority (PRIORITY.EVENTS):
 * INIT (EXIT.INIT) → SIPI in wait-for-SIPI (EXIT.SIPI) → VMX-preemption timer (EXIT.PREEMPTION) →
 * NMI window (EXIT.NMIWINDOW) → NMI (EXIT.NMI, or delivery) → interrupt window (EXIT.INTWINDOW) →
 * external interrupt (EXIT.EXTINT, EXIT.EXTINT.ACK, or delivery; CHANGED.IF.EXTINT).
 * Activity states block and wake as §24.4.2 / §26.6.2 say; an exit taken in HLT saves activity HLT.
 * The VMX-preemption timer has expired when its VMCS field is 0 (it is the running count here).
 * These exits happen before the next instruction: the saved RIP is that instruction's
 * (VMEXIT.SAVE.RIP.FAULT).
 * Blocking: RFLAGS.IF holds off external interrupts (not their exit) (EVENT.BLOCK.IF); STI blocking
 * holds off external interrupts and interrupt-window exits, not NMIs here (EVENT.BLOCK.STI); MOV-SS
 * blocking holds off those and NMIs too (EVENT.BLOCK.MOVSS); blocking by NMI holds off NMIs, and with
 * "virtual NMIs" = 1 (virtual-NMI blocking) only NMI-window exits (EVENT.BLOCK.NMI).
 * Activity: HLT ends by INIT, the timer, NMI and NMI-window, interrupt-window and unmasked external
 * interrupts (EVENT.ACTIVITY.HLT); shutdown by INIT, NMI, NMI window and the timer, external interrupts
 * blocked even with their exiting control (EVENT.ACTIVITY.SHUTDOWN); wait-for-SIPI only by a SIPI
 * (EVENT.ACTIVITY.WAITSIPI).
 * Pending debug exceptions (§26.6.3, Table 24-4) are a #DB trap when BS or the enabled-breakpoint bit
 * (14, 12) is set: below INIT (TPR-threshold and MTF exits came at the end of the previous step), above
 * the timer, NMIs, interrupts and window exits; held off by MOV-SS blocking; taken in the active state
 * (EVENT.DEBUG.TRAP). The #DB exits by exception-bitmap bit 1 (qualification: the conditions) or is
 * delivered.
 */
import { raiseEvent } from './delivery.js';
import { exitNow } from './exits.js';
import { exitInformation, RFLAGS, type Guest } from './guest.js';

/** Takes the highest-priority unblocked event (always ends the step by throwing), or returns. */
export const atBoundary = (g: Guest): void => {
  const cpu = g.cpu;
  const p = cpu.pending;
  const act = cpu.activity;
  const waitSipi = act === 'wait-for-sipi';
  if (p.init && !waitSipi) {
    p.init = false;
    exitNow(g, exitInformation(3));
  }
  if (p.sipi !== null && waitSipi) {
    const vector = p.sipi;
    p.sipi = null;
    exitNow(g, exitInformation(4, { qualification: BigInt(vector & 0xff) }));
  }
  // A debug exception also resumes a halted processor (Vol. 2 HLT; EVENT.DEBUG.TRAP).
  if ((cpu.pendingDebug & 0x5000n) !== 0n && (act === 'active' || act === 'hlt') && !cpu.blockingByMovSs) {
    const debug = cpu.pendingDebug & 0x400fn;
    cpu.pendingDebug = 0n;
    raiseEvent(g, { vector: 1, type: 'hardware-exception', errorCode: null, debug });
  }
  if (g.on('pin.ACTIVATE_VMX_PREEMPTION_TIMER') && g.f('VMX_PREEMPTION_TIMER_VALUE') === 0n && !waitSipi) exitNow(g, exitInformation(52));
  if (g.on('proc.NMI_WINDOW_EXITING') && !cpu.blockingByNmi && !cpu.blockingByMovSs && !waitSipi) exitNow(g, exitInformation(8));
  const virtualNmis = g.on('pin.VIRTUAL_NMIS');
  if (p.nmi && !waitSipi && !cpu.blockingByMovSs && (virtualNmis || !cpu.blockingByNmi)) {
    p.nmi = false;
    if (g.on('pin.NMI_EXITING')) {
      exitNow(g, exitInformation(0, { interruptionInfo: 0x8000_0202 }), { nmi: true });
    }
    // Delivery: NMI blocking and the active state begin before any exit during delivery (§27.1;
    // EVENT.DELIVERY.NMI, EVENT.DELIVERY.WAKE).
    cpu.blockingByNmi = true;
    cpu.activity = 'active';
    cpu.blockingBySti = false;
    raiseEvent(g, { vector: 2, type: 'nmi', errorCode: null });
  }
  const ifSet = (cpu.rflags & RFLAGS.IF) !== 0n;
  const shadowed = cpu.blockingBySti || cpu.blockingByMovSs;
  if (g.on('proc.INTERRUPT_WINDOW_EXITING') && ifSet && !shadowed && (act === 'active' || act === 'hlt')) exitNow(g, exitInformation(7));
  if (p.extint !== null && !shadowed && (act === 'active' || act === 'hlt')) {
    const vector = p.extint;
    if (g.on('pin.EXTERNAL_INTERRUPT_EXITING')) {
      const ack = g.on('exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT');
      if (ack) p.extint = null;
      exitNow(g, exitInformation(1, { interruptionInfo: ack ? (0x8000_0000 | vector) >>> 0 : 0 }));
    }
    if (ifSet) {
      p.extint = null;
      cpu.activity = 'active';
      raiseEvent(g, { vector, type: 'external-interrupt', errorCode: null });
    }
  }
};
