/**
 * The instruction boundary (SDM §25.2, §26.6, Vol. 3A §6.9 Table 6-2): events the processor holds
 * pending, and the VMX event-like exits, in this priority (PRIORITY.EVENTS):
 * INIT (EXIT.INIT) → SIPI in wait-for-SIPI (EXIT.SIPI) → VMX-preemption timer (EXIT.PREEMPTION) →
 * NMI window (EXIT.NMIWINDOW) → NMI (EXIT.NMI, or delivery) → interrupt window (EXIT.INTWINDOW) →
 * external interrupt (EXIT.EXTINT, EXIT.EXTINT.ACK, or delivery; CHANGED.IF.EXTINT).
 * Activity states block and wake as §24.4.2 / §26.6.2 say; an exit taken in HLT saves activity HLT.
 * The VMX-preemption timer has expired when its VMCS field is 0 (it is the running count here).
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
  if (g.on('pin.ACTIVATE_VMX_PREEMPTION_TIMER') && g.f('VMX_PREEMPTION_TIMER_VALUE') === 0n && !waitSipi) exitNow(g, exitInformation(52));
  if (g.on('proc.NMI_WINDOW_EXITING') && !cpu.blockingByNmi && !cpu.blockingByMovSs && !waitSipi) exitNow(g, exitInformation(8));
  const virtualNmis = g.on('pin.VIRTUAL_NMIS');
  if (p.nmi && !waitSipi && !cpu.blockingByMovSs && (virtualNmis || !cpu.blockingByNmi)) {
    p.nmi = false;
    if (g.on('pin.NMI_EXITING')) {
      exitNow(g, exitInformation(0, { interruptionInfo: 0x8000_0202 }), { nmi: true });
    }
    // Delivery: NMI blocking and the active state begin before any exit during delivery (§27.1).
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
