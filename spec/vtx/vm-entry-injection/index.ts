/**
 * Event injection by VM entry (SDM Vol. 3C §26.5, June 2016 edition) and the parts of §26.6 that
 * depend on it: what a successful VM entry does with the VM-entry interruption-information field
 * (§24.8.3) after the guest state is loaded. The event is delivered through the guest IDT as if it
 * had occurred right after the entry, with the differences these rules list.
 */
import { archRule, type ArchRuleSpec } from '../../x86/rule.js';

const C = '3C' as const;

export const INJECTION_RULES = {
  'INJECT.VALID': archRule({
    volume: C, section: '24.8.3; 26.5',
    statement: 'VM entry injects an event exactly when bit 31 of the VM-entry interruption-information field is 1; the entry leaves the field as it is and every VM exit clears the bit',
    precondition: 'a VM entry that passed every check', outcome: 'injection (the other INJECT rules) or none',
  }),
  'INJECT.DELIVERY': archRule({
    volume: C, section: '26.5.1',
    statement: 'An event of type 0, 2, 3, 4, 5 or 6 is delivered through the guest IDT (the IVT when CR0.PE = 0) with the field\'s vector, after all guest state and controls are in effect',
    precondition: 'INJECT.VALID and type ≠ 7', outcome: 'delivered as an event of that type (observation "delivered")',
  }),
  'INJECT.RIP': archRule({
    volume: C, section: '26.5.1.1',
    statement: 'The RIP pushed is the guest RIP for types 0, 2, 3 and the guest RIP plus the VM-entry instruction length for types 4, 5, 6; if delivery meets a nested exception that does not exit, the guest RIP whatever the type',
    precondition: 'an injected vectored event', outcome: 'the handler returns to that RIP',
  }),
  'INJECT.ERRORCODE': archRule({
    volume: C, section: '26.5.1.1; 26.5.1.3',
    statement: 'The VM-entry exception error code is pushed exactly when the deliver-error-code bit (11) is 1 (never into real-address mode)',
    precondition: 'an injected vectored event', outcome: 'error code pushed or not',
  }),
  'INJECT.DPL': archRule({
    volume: C, section: '26.5.1.1',
    statement: 'The gate-DPL ≥ CPL check is made only for software interrupts (type 4) and software exceptions (type 6)',
    precondition: 'an injected vectored event', outcome: '#GP(8·vector + 2) as a nested exception when it fails',
  }),
  'INJECT.EXT': archRule({
    volume: C, section: '26.5.1.1',
    statement: 'The first nested exception of the delivery has EXT = 1 in its error code for types 0, 2, 3, 5 and EXT = 0 for types 4, 6; later nested exceptions have EXT = 1',
    precondition: 'a nested exception during delivery of an injected event', outcome: 'the error code pushed or reported',
  }),
  'INJECT.SIDEEFFECTS': archRule({
    volume: C, section: '26.5.1.1',
    statement: 'Injection does not modify DR6, DR7 or IA32_DEBUGCTL even for vector 1, nor CR2 for vector 14; the RFLAGS pushed is the loaded value (RF not adjusted)',
    precondition: 'an injected vectored event', outcome: 'those registers keep the values VM entry loaded', confidence: 'S',
  }),
  'INJECT.NOEXIT': archRule({
    volume: C, section: '26.5.1.2',
    statement: 'An injected event never causes a VM exit directly: the exception bitmap, NMI exiting and external-interrupt exiting do not apply to it',
    precondition: 'an injected vectored event', outcome: 'delivered even when its bitmap bit or control would make it exit',
  }),
  'INJECT.NESTED': archRule({
    volume: C, section: '26.5.1.2; 27.2.3',
    statement: 'Delivery of the injected event may itself exit — a nested exception by the exception bitmap, a task gate, an EPT violation or misconfiguration, or a triple fault — and such an exit (not the triple fault) records the injected event as IDT-vectoring information',
    precondition: 'delivery of an injected event meets a nested exception or an EPT-induced exit', outcome: 'VM exit; guest RIP saved is the RIP VM entry loaded; instruction length = the VM-entry instruction length for types 4, 5, 6',
  }),
  'INJECT.NMI.BLOCKING': archRule({
    volume: C, section: '26.5.1.1; 26.6.1',
    statement: 'Injecting an NMI leaves virtual-NMI blocking in effect when "virtual NMIs" = 1, and blocking by NMI otherwise (as NMI delivery does)',
    precondition: 'an injected NMI (type 2)', outcome: 'blocking by NMI / virtual-NMI blocking set',
  }),
  'INJECT.INTERRUPTIBILITY': archRule({
    volume: C, section: '26.6.1',
    statement: 'After a vectoring VM entry there is no blocking by STI and no blocking by MOV SS, whatever the interruptibility-state field says',
    precondition: 'an injected vectored event', outcome: 'STI and MOV-SS blocking clear',
  }),
  'INJECT.PENDINGDEBUG': archRule({
    volume: C, section: '26.6.3',
    statement: 'After a vectoring VM entry there are no pending debug exceptions, except when a software interrupt or software exception (type 4 or 6) is injected with blocking by MOV SS in the interruptibility-state field',
    precondition: 'an injected vectored event', outcome: 'the pending debug exceptions VM entry loaded are dropped', confidence: 'S',
  }),
  'INJECT.ACTIVITY': archRule({
    volume: C, section: '26.6.2',
    statement: 'A vectoring VM entry leaves the processor active: the injected event wakes it from HLT (or shutdown for an NMI)',
    precondition: 'an injected vectored event', outcome: 'activity state active',
  }),
  'INJECT.MTF.PENDING': archRule({
    volume: C, section: '26.5.2; 25.5.2',
    statement: 'Type 7 (other event) with vector 0 delivers nothing: it makes an MTF VM exit pending on the boundary before the first guest instruction, even with the "monitor trap flag" control 0',
    precondition: 'INJECT.VALID, type 7, vector 0', outcome: 'VM exit, basic reason 37, at the guest RIP (INIT and SMIs take priority)',
  }),
  'INJECT.MTF.AFTER': archRule({
    volume: C, section: '25.5.2',
    statement: 'With "monitor trap flag" = 1, an MTF VM exit is pending on the boundary after the injected event has been delivered (or after a nested exception it caused)',
    precondition: '"monitor trap flag" = 1 and the injection delivered without a VM exit', outcome: 'VM exit, basic reason 37, at the handler\'s first instruction',
  }),
} as const satisfies Record<string, ArchRuleSpec>;

export type InjectionRuleId = keyof typeof INJECTION_RULES;
