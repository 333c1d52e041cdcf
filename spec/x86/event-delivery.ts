/**
 * Delivering an exception or interrupt through the IDT, and what blocks events at an instruction
 * boundary (SDM Vol. 3A ch. 6, June 2016 edition; real-address mode §20.1.4; task gates §7.3). VMX
 * non-root operation uses these unchanged whenever an event does not cause a VM exit, so the model
 * of the guest's own handling of its events cites them.
 */
import { archRule, type ArchRuleSpec } from './rule.js';

const A = '3A' as const;

export const EVENT_DELIVERY_RULES = {
  'EVENT.DELIVERY.IDT64': archRule({
    volume: A, section: '6.14.1',
    statement: 'In IA-32e mode the IDT holds 16-byte gates at IDTR.base + 16·vector; only 64-bit interrupt (type 14) and trap (type 15) gates are allowed',
    precondition: 'IA32_EFER.LMA = 1 and the event is delivered through the IDT',
    outcome: '#GP(8·vector + 2 + EXT) when 16·vector + 15 exceeds the IDT limit or the gate type is another one (task gates included); #NP(8·vector + 2 + EXT) when the gate is not present',
  }),
  'EVENT.DELIVERY.IDT32': archRule({
    volume: A, section: '6.10; 6.11; 6.12.1',
    statement: 'In protected mode the IDT holds 8-byte gates at IDTR.base + 8·vector: task gates (type 5), 16-bit interrupt/trap gates (6, 7) and 32-bit interrupt/trap gates (14, 15)',
    precondition: 'CR0.PE = 1, IA32_EFER.LMA = 0',
    outcome: '#GP(8·vector + 2 + EXT) beyond the limit or for another type; #NP(8·vector + 2 + EXT) when not present',
  }),
  'EVENT.DELIVERY.IVT': archRule({
    volume: A, section: '20.1.4',
    statement: 'In real-address mode the interrupt vector table holds 4-byte far pointers (offset, segment) at IDTR.base + 4·vector; FLAGS, CS and IP are pushed (2 bytes each), never an error code, and IF, TF, AC are cleared',
    precondition: 'CR0.PE = 0 (in VMX non-root operation only with "unrestricted guest")',
    outcome: '#GP(0) when 4·vector + 3 exceeds the IDT limit',
  }),
  'EVENT.DELIVERY.DPL': archRule({
    volume: A, section: '6.12.1.1',
    statement: 'INT n, INT3 and INTO may use a gate only if its DPL ≥ CPL; hardware events, NMIs and INT1 skip the check',
    precondition: 'the event is a software interrupt or a software exception',
    outcome: '#GP(8·vector + 2) (EXT = 0)',
  }),
  'EVENT.DELIVERY.CODESEG': archRule({
    volume: A, section: '6.12.1.1; 6.14.1',
    statement: 'The gate\'s selector must name a present code segment with DPL ≤ CPL (a 64-bit code segment in IA-32e mode)',
    precondition: 'a gate other than a task gate was read',
    outcome: '#GP(selector + EXT) for a null selector, a selector beyond the descriptor table, a non-code or too-privileged descriptor; #NP(selector + EXT) when not present',
  }),
  'EVENT.DELIVERY.STACK': archRule({
    volume: A, section: '6.12.1; 6.14.2; 6.14.4; 6.14.5',
    statement: 'A handler at a more privileged level runs on the stack the TSS names for that level (IA-32e: RSPn, or the IST entry when the gate names one, with SS := null selector; protected mode: SSn:ESPn); in IA-32e mode the new RSP is aligned down to 16 bytes',
    precondition: 'the target code segment is non-conforming with DPL < CPL, or (IA-32e) the gate\'s IST field is not 0',
    outcome: '#TS(TSS selector + EXT) when the TSS is too short; #SS(EXT) for a non-canonical stack; stack pushes may #PF',
  }),
  'EVENT.DELIVERY.FRAME': archRule({
    volume: A, section: '6.12.1; 6.14.2',
    statement: 'The handler\'s stack receives SS and RSP (always in IA-32e mode, on a privilege change in protected mode), then RFLAGS, CS, RIP and the error code if the exception has one; faults push the faulting instruction\'s RIP, software interrupts and exceptions the next one',
    precondition: 'the gate and code segment checks passed',
    outcome: 'CS:RIP := the gate\'s selector:offset, CPL := the code segment\'s DPL',
  }),
  'EVENT.DELIVERY.FLAGS': archRule({
    volume: A, section: '6.12.1.2',
    statement: 'Delivery clears RFLAGS.TF, NT, RF and VM after pushing RFLAGS; an interrupt gate also clears IF, a trap gate leaves it',
    precondition: 'delivery through an interrupt or trap gate',
    outcome: 'RFLAGS updated',
  }),
  'EVENT.DELIVERY.ERRORCODE': archRule({
    volume: A, section: '6.13',
    statement: 'The error code of a fault on a segment or gate is the selector index with bit 0 EXT (the fault occurred while delivering an event external to the program), bit 1 IDT (the index names an IDT gate) and bit 2 TI',
    precondition: '#TS, #NP, #SS, #GP raised by event delivery',
    outcome: 'error code pushed (or reported in a VM exit)',
  }),
  'EVENT.DELIVERY.CR2': archRule({
    volume: A, section: '4.7; 6.15',
    statement: 'Delivering a #PF loads CR2 with the faulting linear address before the handler is called',
    precondition: 'a page fault is delivered through the IDT (not injected by VM entry, not exiting by the exception bitmap)',
    outcome: 'CR2 := linear address',
  }),
  'EVENT.DELIVERY.DR6': archRule({
    volume: A, section: '17.2.3; 17.2.4',
    statement: 'Delivering a #DB records its conditions (B0–B3, BD, BS) in DR6 and clears DR7.GD',
    precondition: 'a debug exception is delivered through the IDT (not injected by VM entry, not exiting)',
    outcome: 'DR6 and DR7 updated', confidence: 'S',
  }),
  'EVENT.DELIVERY.NMI': archRule({
    volume: A, section: '6.7.1',
    statement: 'Delivering an NMI blocks further NMIs until the next IRET',
    precondition: 'an NMI is delivered through the IDT',
    outcome: 'blocking by NMI (with "virtual NMIs" = 1 in VMX non-root operation: virtual-NMI blocking for an injected NMI)',
  }),
  'EVENT.DELIVERY.WAKE': archRule({
    volume: A, section: '6.8.3; 6.9; Vol. 3C 24.4.2',
    statement: 'Delivery of an event through the IDT puts the processor in the active state and ends blocking by STI and by MOV SS',
    precondition: 'an event is delivered',
    outcome: 'activity active, no STI/MOV-SS blocking',
  }),
  'EVENT.DELIVERY.DOUBLEFAULT': archRule({
    volume: A, section: '6.15 (Interrupt 8, Table 6-5)',
    statement: 'A contributory exception (#DE, #TS, #NP, #SS, #GP) while delivering a contributory exception, or a page fault or contributory exception while delivering a page fault, becomes a double fault (#DF, error code 0)',
    precondition: 'a second exception is detected while delivering the first',
    outcome: '#DF delivered instead of the second exception',
  }),
  'EVENT.DELIVERY.SERIAL': archRule({
    volume: A, section: '6.15 (Interrupt 8, Table 6-5)',
    statement: 'Every other combination (a benign first event, or a page fault while delivering a contributory exception) is handled serially: the second exception is delivered, the first is not',
    precondition: 'a second exception is detected while delivering the first and EVENT.DELIVERY.DOUBLEFAULT does not apply',
    outcome: 'the second exception is delivered; its error code has EXT = 1 unless the first event was a software interrupt or software exception',
  }),
  'EVENT.DELIVERY.TRIPLEFAULT': archRule({
    volume: A, section: '6.15 (Interrupt 8)',
    statement: 'An exception while delivering a double fault shuts the processor down (triple fault)',
    precondition: 'a second exception is detected while delivering #DF',
    outcome: 'shutdown; in VMX non-root operation a triple-fault VM exit (EXIT.TRIPLEFAULT)',
  }),
  'EVENT.DELIVERY.TASKGATE': archRule({
    volume: A, section: '6.12.2; 7.3',
    statement: 'Outside IA-32e mode a task gate in the IDT makes delivery a task switch (which always exits in VMX non-root operation, EXIT.TASKSWITCH, qualification source 3)',
    precondition: 'the IDT gate of the vector is a present task gate',
    outcome: 'task switch to the TSS the gate names',
  }),
  'EVENT.VECTORING': archRule({
    volume: '3C', section: '27.2.3',
    statement: 'A VM exit that interrupts the delivery of an event through the IDT (a nested exception exiting by the bitmap, a task gate, an EPT violation or misconfiguration) records that event in the IDT-vectoring information and error code; not when the event itself exits, when it became a #DF that exits, or on a triple fault',
    precondition: 'a VM exit during event delivery (including delivery of an event injected by VM entry)',
    outcome: 'IDT-vectoring information valid: vector, type, error-code-valid bit; the VM-exit instruction length is the software event\'s',
  }),
  // --- what holds an event off at an instruction boundary (§6.8, §6.9; Vol. 3C §24.4.2) ---
  'EVENT.BLOCK.IF': archRule({
    volume: A, section: '6.8.1',
    statement: 'RFLAGS.IF = 0 holds off maskable (external) interrupts',
    precondition: 'not changed by VMX unless "external-interrupt exiting" = 1 (CHANGED.IF.EXTINT)',
    outcome: 'the interrupt stays pending',
  }),
  'EVENT.BLOCK.STI': archRule({
    volume: A, section: '6.8.3; Vol. 3C 24.4.2 (Table 24-3)',
    statement: 'After an STI that set IF, maskable interrupts are held off on the next instruction boundary; a processor may also hold off NMIs there',
    precondition: 'blocking by STI is in effect',
    outcome: 'the interrupt stays pending for one instruction', confidence: 'S',
  }),
  'EVENT.BLOCK.MOVSS': archRule({
    volume: A, section: '6.8.3; Vol. 3C 24.4.2 (Table 24-3)',
    statement: 'After MOV SS or POP SS, interrupts (maskable and NMI) and debug traps are held off on the next instruction boundary',
    precondition: 'blocking by MOV SS is in effect',
    outcome: 'the events stay pending for one instruction',
  }),
  'EVENT.BLOCK.NMI': archRule({
    volume: A, section: '6.7.1; Vol. 3C 24.4.2; 25.3',
    statement: 'While blocking by NMI is in effect, NMIs are held off; with "virtual NMIs" = 1 the bit is virtual-NMI blocking and holds off only NMI-window exits and virtual NMIs',
    precondition: 'blocking by NMI set (by NMI delivery or the interruptibility-state field)',
    outcome: 'the NMI stays pending',
  }),
  'EVENT.DEBUG.TRAP': archRule({
    volume: '3C', section: '24.4.2 (Table 24-4); 26.6.3; Vol. 3A 6.9',
    statement: 'Pending debug exceptions (BS or B0–B3) are delivered as a #DB trap at the next instruction boundary, in the active or the HLT state (a debug exception resumes a halted processor, Vol. 2 HLT), below INIT and MTF, above NMIs, interrupts and window exits; MOV-SS blocking holds them off',
    precondition: 'the pending-debug-exceptions state has BS or a breakpoint condition',
    outcome: '#DB (exits if exception-bitmap bit 1 = 1, qualification = the conditions)', confidence: 'S',
  }),
  'EVENT.DEBUG.SINGLESTEP': archRule({
    volume: '3B', section: '17.3.1.4',
    statement: 'An instruction that completes having begun with RFLAGS.TF = 1 makes a single-step debug exception pending (BS, bit 14): a #DB trap after it (EVENT.DEBUG.TRAP). TF at the start decides, so POPF or IRET that sets TF traps only after the next instruction and one that clears it traps after itself; an instruction that faults, VM-exits before completing or ends in a software interrupt or exception (INT n, INT3, INTO taken: delivery clears TF) does not',
    precondition: 'RFLAGS.TF = 1 when the instruction begins and the instruction completes',
    outcome: 'pending debug exceptions |= BS', confidence: 'S',
  }),
  'EVENT.PENDING.LATCH': archRule({
    volume: '3C', section: '25.2; 26.6.2',
    statement: 'An arriving external interrupt, NMI, INIT or SIPI is latched by the processor until it is taken; a SIPI arriving outside the wait-for-SIPI state is discarded',
    precondition: 'an event arrives at the logical processor',
    outcome: 'the event is pending at the next instruction boundary',
  }),
  'EVENT.ACTIVITY.HLT': archRule({
    volume: '3C', section: '24.4.2; 25.2; 26.6.2',
    statement: 'In the HLT state no instruction runs; INIT, the VMX-preemption timer, NMIs, NMI-window and interrupt-window exits, unmasked external interrupts and pending MTF exits end it; SIPIs are discarded',
    precondition: 'activity state HLT',
    outcome: 'an event-like exit saves activity state HLT; a delivery makes the processor active',
  }),
  'EVENT.ACTIVITY.SHUTDOWN': archRule({
    volume: '3C', section: '24.4.2; 25.2; 26.6.2',
    statement: 'In the shutdown state external interrupts (even with external-interrupt exiting) and SIPIs are blocked; INIT, NMIs, NMI-window exits and the VMX-preemption timer end it; no MTF exit occurs',
    precondition: 'activity state shutdown',
    outcome: 'an event-like exit saves activity state shutdown', confidence: 'S',
  }),
  'EVENT.ACTIVITY.WAITSIPI': archRule({
    volume: '3C', section: '24.4.2; 25.2; 25.5.1; 26.6.2',
    statement: 'In the wait-for-SIPI state external interrupts, NMIs, INIT, the VMX-preemption timer, window and MTF exits are all blocked; only a SIPI is taken (EXIT.SIPI)',
    precondition: 'activity state wait-for-SIPI',
    outcome: 'nothing but a SIPI leaves the state',
  }),
} as const satisfies Record<string, ArchRuleSpec>;

export type EventDeliveryRuleId = keyof typeof EVENT_DELIVERY_RULES;
