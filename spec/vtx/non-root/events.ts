/**
 * SDM §25.2 "Other Causes of VM Exits", plus the two VMX features that are pure exit sources,
 * the VMX-preemption timer (§25.5.1) and the monitor trap flag (§25.5.2). Events exit at an
 * instruction boundary instead of being delivered through the guest IDT ('event'); exceptions exit
 * instead of being delivered ('fault-like': the guest sees nothing of the exception).
 */
import { ev, exitRule, type NonRootRuleSpec } from './rule.js';

const S = '25.2';

export const EVENTS_RULES = {
  'EXIT.EXCEPTION.BITMAP': exitRule({
    section: S, trigger: ev('exception (vector 0-31 other than #PF)'), controlledBy: ['EXCEPTION_BITMAP'], exitReason: 0,
    // INT3, INTO, BOUND and UD2 raise exceptions and so are filtered; INT n is a software interrupt and is not.
    statement: 'An exception other than #PF exits iff the exception-bitmap bit of its vector is 1',
    precondition: 'the exception would be delivered through the guest IDT (includes INT3, INTO, BOUND, UD2; not INT n)',
  }),
  'EXIT.EXCEPTION.PF': exitRule({
    section: S, trigger: ev('#PF (vector 14)'), controlledBy: ['EXCEPTION_BITMAP', 'PAGE_FAULT_ERROR_CODE_MASK', 'PAGE_FAULT_ERROR_CODE_MATCH'], exitReason: 0,
    // The mask/match pair lets a VMM take only the page faults its shadow paging cares about.
    statement: 'A #PF with error code PFEC exits iff bit 14 of the exception bitmap is 1 when PFEC AND mask = match, and iff it is 0 otherwise',
    precondition: 'a page fault would be delivered through the guest IDT',
  }),
  'EXIT.NMI': exitRule({
    section: S, trigger: ev('NMI'), controlledBy: ['pin.NMI_EXITING'], exitReason: 0, kind: 'event',
    statement: 'An NMI exits iff "NMI exiting" = 1 (reported as exit reason 0 with interruption type NMI)',
    precondition: 'the NMI is not blocked (by NMI or MOV SS; never delivered in the wait-for-SIPI state)',
  }),
  'EXIT.EXTINT': exitRule({
    section: S, trigger: ev('external interrupt'), controlledBy: ['pin.EXTERNAL_INTERRUPT_EXITING'], exitReason: 1, kind: 'event',
    statement: 'An external interrupt exits iff "external-interrupt exiting" = 1, whatever RFLAGS.IF is',
    precondition: 'the interrupt is not held off for another reason (shutdown and wait-for-SIPI states block it)',
    confidence: 'S',
  }),
  'EXIT.EXTINT.ACK': exitRule({
    section: '25.2; 27.2.2', trigger: ev('external interrupt'), controlledBy: ['pin.EXTERNAL_INTERRUPT_EXITING', 'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT'], exitReason: 1, kind: 'event',
    // Acknowledging in hardware saves the VMM an interrupt-controller round trip to learn the vector.
    statement: 'With "acknowledge interrupt on exit" = 1 the processor acknowledges the interrupt and reports its vector in the VM-exit interruption information; with 0 it stays pending in the controller',
    precondition: 'the external interrupt exits (EXIT.EXTINT)',
    outcome: 'VM exit, basic reason 1; interruption information valid with the vector only when acknowledged',
  }),
  'EXIT.INTWINDOW': exitRule({
    section: S, trigger: ev('interrupt window'), controlledBy: ['proc.INTERRUPT_WINDOW_EXITING'], exitReason: 7, kind: 'event',
    statement: 'With "interrupt-window exiting" = 1, a VM exit happens before the first instruction at which RFLAGS.IF = 1 and there is no blocking by STI or MOV SS',
    precondition: 'checked before every instruction, including the first after VM entry; wakes the HLT and MWAIT activity states',
  }),
  'EXIT.NMIWINDOW': exitRule({
    section: S, trigger: ev('NMI window'), controlledBy: ['proc.NMI_WINDOW_EXITING', 'pin.VIRTUAL_NMIS'], exitReason: 8, kind: 'event',
    statement: 'With "NMI-window exiting" = 1, a VM exit happens before the first instruction with no virtual-NMI blocking and no MOV-SS blocking',
    // The SDM lets a processor also hold the exit off while blocking by STI is in effect.
    precondition: '"virtual NMIs" = 1 (VM entry requires it); may also wait for STI blocking to end; wakes HLT, MWAIT and shutdown',
    confidence: 'S',
  }),
  'EXIT.INIT': exitRule({
    section: S, trigger: ev('INIT signal'), controlledBy: [], exitReason: 3, kind: 'event',
    // The VMM decides what a guest INIT means; the processor does no INIT processing itself.
    statement: 'An INIT signal always exits; the processor does not reset itself',
    precondition: 'not in the wait-for-SIPI activity state (INIT is blocked there)',
  }),
  'EXIT.SIPI': exitRule({
    section: S, trigger: ev('start-up IPI'), controlledBy: ['GUEST_ACTIVITY_STATE'], exitReason: 4, kind: 'event',
    statement: 'A SIPI exits when the guest is in the wait-for-SIPI activity state; in any other state it is discarded',
    precondition: 'activity state = wait-for-SIPI (3)',
  }),
  'EXIT.TRIPLEFAULT': exitRule({
    section: S, trigger: ev('triple fault'), controlledBy: [], exitReason: 2, kind: 'event',
    statement: 'A triple fault always exits instead of putting the processor in shutdown',
    precondition: 'an exception arises while invoking the #DF handler and does not itself exit by the exception bitmap (also during event injection, or when injecting #DF)',
  }),
  'EXIT.TASKSWITCH': exitRule({
    section: S, trigger: ev('task switch (CALL, JMP, IRET with NT = 1, or a task gate in the IDT)'), controlledBy: [], exitReason: 9,
    statement: 'Every attempted task switch exits, before any of its effects',
    precondition: 'no prior fault of the CALL/JMP/IRET that would come before the task switch',
  }),
  'EXIT.MTF': exitRule({
    section: '25.5.2', trigger: ev('instruction completed'), controlledBy: ['proc.MONITOR_TRAP_FLAG'], exitReason: 37, kind: 'trap-like',
    statement: 'With "monitor trap flag" = 1, a VM exit is pending after the next instruction completes (also after delivery of an injected event, or on VM entry in some cases §25.5.2 lists)',
    precondition: 'the instruction or event completed without a VM exit of its own',
    confidence: 'S',
  }),
  'EXIT.PREEMPTION': exitRule({
    section: '25.5.1', trigger: ev('VMX-preemption timer reaches 0'), controlledBy: ['pin.ACTIVATE_VMX_PREEMPTION_TIMER', 'VMX_PREEMPTION_TIMER_VALUE'], exitReason: 52, kind: 'event',
    statement: 'With "activate VMX-preemption timer" = 1, a VM exit happens when the timer (counting down at the TSC rate divided by 2^IA32_VMX_MISC[4:0]) reaches 0',
    precondition: 'not in the wait-for-SIPI state; wakes HLT, MWAIT and shutdown (priority: PRIORITY.EVENTS)',
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
