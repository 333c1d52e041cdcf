/**
 * SDM §25.1.1 "Relative Priority of Faults and VM Exits", and the order among the events that exit
 * at an instruction boundary (§25.2, §25.5.1, §6.9). A model that picks the wrong winner produces
 * the right exit for the wrong instruction, so the ordering is catalogued as rules of its own.
 */
import { ev, ins, priorityRule, type NonRootRuleSpec } from './rule.js';

const S = '25.1.1';

export const PRIORITY_RULES = {
  'PRIORITY.UD': priorityRule({
    section: S, trigger: ins('any instruction that can exit'), controlledBy: [],
    statement: 'An invalid-opcode exception comes before a VM exit the instruction would cause',
    precondition: 'the instruction is #UD in the current mode or configuration (e.g. GETSEC with CR4.SMXE = 0)',
    outcome: '#UD delivered (or exits by the exception bitmap), no instruction-specific VM exit',
  }),
  'PRIORITY.CPL': priorityRule({
    section: S, trigger: ins('any instruction that can exit'), controlledBy: [],
    statement: 'Faults based on privilege level come before the VM exit (RDMSR at CPL 3 is #GP, not an exit)',
    precondition: 'the instruction faults on CPL (or IOPL) in the current state; MOV DR excepted (PRIORITY.MOVDR)',
    outcome: 'the fault, no instruction-specific VM exit',
  }),
  'PRIORITY.IO.TSS': priorityRule({
    section: S, trigger: ins('IN', 'INS', 'OUT', 'OUTS'), controlledBy: [],
    statement: 'A #GP from the TSS I/O-permission bitmap check comes before an I/O exit',
    precondition: 'CPL > IOPL (or virtual-8086 mode) and the TSS I/O-permission bitmap denies the access',
    outcome: '#GP, no I/O VM exit',
  }),
  'PRIORITY.MOVDR': priorityRule({
    section: '25.1.1; 25.1.3', trigger: ins('MOV to DR', 'MOV from DR'), controlledBy: ['proc.MOV_DR_EXITING'],
    statement: 'MOV-DR exiting beats the CPL > 0 #GP and the #UD for DR4/DR5 with CR4.DE = 1',
    precondition: '"MOV-DR exiting" = 1',
    outcome: 'VM exit, basic reason 29', exitReason: 29, kind: 'fault-like',
  }),
  'PRIORITY.OPERAND': priorityRule({
    section: S, trigger: ins('LMSW', 'any instruction whose exit depends on the value of a memory operand'), controlledBy: [],
    statement: 'Faults while fetching an operand come before an exit that depends on the operand value (e.g. LMSW with a memory operand)',
    precondition: 'the exit condition reads the operand and fetching it faults',
    outcome: 'the operand fault, no VM exit',
  }),
  'PRIORITY.INSOUTS': priorityRule({
    section: S, trigger: ins('INS', 'OUTS'), controlledBy: ['proc.UNCONDITIONAL_IO_EXITING', 'proc.USE_IO_BITMAPS'],
    statement: 'An INS/OUTS exit beats the #GP for an unusable segment, the #GP for a segment-limit violation, and #AC',
    precondition: 'the INS/OUTS exits by unconditional I/O exiting or the I/O bitmaps',
    outcome: 'VM exit, basic reason 30', exitReason: 30, kind: 'fault-like',
  }),
  'PRIORITY.FAULTLIKE': priorityRule({
    section: S, trigger: ins('any instruction that can exit'), controlledBy: [],
    statement: 'Every other fault-like VM exit comes before any other exception (RDMSR of a non-existent MSR at CPL 0 exits)',
    precondition: 'the instruction exits and none of the exceptions above applies',
    outcome: 'the VM exit, no exception',
  }),
  'PRIORITY.EVENTS': priorityRule({
    section: '25.2; 25.5.1; 6.9', trigger: ev('events pending at an instruction boundary'), controlledBy: [],
    statement: 'At a boundary: debug traps, then the VMX-preemption timer, then NMI-window exits, then NMIs, then interrupt-window exits, then external interrupts',
    precondition: 'more than one is pending and none is blocked',
    outcome: 'the highest-priority one is handled; the others stay pending', confidence: 'S',
  }),
  'PRIORITY.MTF': priorityRule({
    section: '25.5.2', trigger: ev('MTF exit pending'), controlledBy: ['proc.MONITOR_TRAP_FLAG'],
    statement: 'A pending MTF exit yields to SMIs, INIT signals and higher-priority events, and beats debug-trap exceptions and everything below them (timer, NMI window, NMI, interrupt window, interrupts)',
    precondition: 'an MTF VM exit is pending at the boundary',
    outcome: 'VM exit, basic reason 37', exitReason: 37, kind: 'trap-like', confidence: 'S',
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
