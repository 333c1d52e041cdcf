/**
 * VM-entry event injection (SDM §26.5, June 2016): after all guest state is loaded, the event of the
 * VM-entry interruption-information field is delivered through the guest IDT as if it had occurred
 * right after the entry: software events (types 4, 5, 6) push RIP + VM-entry instruction length;
 * the exception bitmap does not apply to the injected event itself (§26.5.1.1) but does to
 * exceptions during its delivery, which may also end in #DF, a triple fault, an EPT exit or a
 * task-switch exit, with IDT-vectoring information (§26.5.1.2). The entry leaves the
 * interruption-information field as it is: the VM exit that ends the guest clears its valid bit.
 * Then the exits that §25.5.2 and §26.6.7 make happen right after the entry: a pending MTF exit
 * (type 7, or "monitor trap flag" with a vectored injection), and the TPR-threshold exit when
 * "use TPR shadow" and "virtualize APIC accesses" are 1 without virtual-interrupt delivery.
 * Returns what happened after the entry (null: nothing), the machine already changed.
 */
import type { EventType, NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine } from '../machine.js';
import { raiseEvent } from '../non-root/delivery.js';
import { exitWith } from '../non-root/exits.js';
import { exitInformation, Guest, StepDone } from '../non-root/guest.js';
import type { EntryContext } from './context.js';

const TYPES: readonly (EventType | null)[] = [
  'external-interrupt', null, 'nmi', 'hardware-exception', 'software-interrupt', 'privileged-software-exception', 'software-exception', null,
];

/**
 * §26.5.1: the event of type 0, 2-6 goes through the guest IDT (the IVT when CR0.PE = 0) with the
 * field's vector once all guest state is in effect (INJECT.DELIVERY), marked injected: the exception
 * bitmap and the NMI/external-interrupt exiting controls do not apply to it (INJECT.NOEXIT, in
 * raiseEvent), the RF pushed is not adjusted and CR2, DR6, DR7 and IA32_DEBUGCTL are not written
 * (INJECT.SIDEEFFECTS, in delivery.ts). Software events carry the VM-entry instruction length, pushed
 * as RIP + length (INJECT.RIP); the error code is pushed exactly when bit 11 is 1, never into real-address
 * mode (INJECT.ERRORCODE). An NMI sets blocking by NMI — virtual-NMI blocking with "virtual NMIs" = 1,
 * the same flag here (INJECT.NMI.BLOCKING). A nested exception may exit, with the injected event as
 * IDT-vectoring information and its instruction length (INJECT.NESTED, in raiseEvent and exits.ts).
 */
const deliverInjected = (g: Guest, c: EntryContext, type: EventType): NonRootObservation => {
  const errorCode = ((c.injection >> 11n) & 1n) === 1n ? Number(c.f('VM_ENTRY_EXCEPTION_ERROR_CODE') & 0xffff_ffffn) : null;
  if (type === 'nmi') g.cpu.blockingByNmi = true;
  try {
    const software = type === 'software-interrupt' || type === 'privileged-software-exception' || type === 'software-exception';
    return raiseEvent(g, {
      vector: c.injectionVector, type, errorCode, injected: true,
      ...(software ? { length: Number(c.f('VM_ENTRY_INSTRUCTION_LEN')) } : {}),
    });
  } catch (e) {
    if (e instanceof StepDone) return e.observation;
    throw e;
  }
};

export const injectEvent = (m: Machine, caps: Capabilities, c: EntryContext): NonRootObservation | null => {
  const g = new Guest(m, caps);
  let pendingMtf = false;
  let delivered: NonRootObservation | null = null;
  // An event is injected exactly when bit 31 of the field is 1; the field is left as it is (INJECT.VALID).
  if (c.injecting) {
    const type = TYPES[c.injectionType] ?? null;
    if (type === null) {
      // §26.5.2: type 7 (vector 0, checked at entry) delivers nothing and makes an MTF exit pending, even
      // with "monitor trap flag" = 0 (INJECT.MTF.PENDING).
      pendingMtf = c.injectionType === 7;
    } else {
      delivered = deliverInjected(g, c, type);
      if (delivered.kind !== 'delivered') return delivered;
      // §25.5.2: with "monitor trap flag" = 1, an MTF exit is pending after the delivery (INJECT.MTF.AFTER).
      pendingMtf = g.on('proc.MONITOR_TRAP_FLAG');
    }
  }
  // §26.6.7: TPR threshold above VTPR[7:4] (takes priority over the pending MTF exit).
  if (g.on('proc.USE_TPR_SHADOW') && g.on('proc2.VIRTUALIZE_APIC_ACCESSES') && !g.on('proc2.VIRTUAL_INTERRUPT_DELIVERY')
    && g.cpu.activity !== 'wait-for-sipi' && g.cpu.activity !== 'shutdown') {
    const vtpr = m.readBytes((g.f('VIRTUAL_APIC_PAGE_ADDR') & ~0xfffn) + 0x80n, 1);
    if ((g.f('TPR_THRESHOLD') & 0xfn) > ((vtpr >> 4n) & 0xfn)) return exitWith(g, exitInformation(43));
  }
  // A pending INIT takes priority over the MTF exit (it exits at the next boundary; the MTF exit is lost).
  if (pendingMtf && !g.cpu.pending.init && g.cpu.activity !== 'wait-for-sipi' && g.cpu.activity !== 'shutdown') {
    return exitWith(g, exitInformation(37));
  }
  return delivered;
};
