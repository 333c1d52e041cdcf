/**
 * Witnesses for §25.2 (exceptions, interrupts, NMIs, INIT, SIPI, windows, triple fault, task
 * switch), §25.5 (preemption timer, monitor trap flag) and the EPT exits of §28.2.3:
 * spec/vtx/non-root/events.ts and ept.ts.
 */
import { GUEST_LAYOUT } from '../baseline.js';
import { control, cpu, ev, fields, gpr, ins, memory, protected32, rflags, run, IF, RBX } from './edit.js';
import type { ExitWitness } from './witness.js';

/** Beyond the baseline's 16 MiB identity map: a not-present guest PDE, so an access there is a #PF. */
const UNMAPPED = 0x4000_0000n;
const LOAD_UNMAPPED = ins({ op: 'LOAD', size: 8, dst: 0, mem: { base: RBX, disp: 0n } });
const SECOND_2MIB = 0x20_0000n;
const eptLeaf = (index: number, perms: bigint, memoryType = 6n): readonly [bigint, bigint] =>
  [GUEST_LAYOUT.eptPd + BigInt(8 * index), (BigInt(index) << 21n) | perms | (memoryType << 3n) | (1n << 7n)];
const EPT = [control('proc2.ENABLE_EPT'), fields({ EPT_POINTER: GUEST_LAYOUT.eptPml4 | (3n << 3n) | 6n })];
const EPT_AD = [control('proc2.ENABLE_EPT'), fields({ EPT_POINTER: GUEST_LAYOUT.eptPml4 | (1n << 6n) | (3n << 3n) | 6n })];
const NOP = ins({ op: 'NOP' });

export const EVENT_WITNESSES = {
  'EXIT.EXCEPTION.BITMAP': {
    exits: run([fields({ EXCEPTION_BITMAP: 1n << 6n })], ins({ op: 'UD2' })),
    noExit: run([fields({ EXCEPTION_BITMAP: ~(1n << 6n) & 0xffff_ffffn })], ins({ op: 'UD2' })),
  },
  'EXIT.EXCEPTION.PF': {
    // Error code 0 (not present, read, supervisor): 0 AND mask 0 = match 0, so bit 14 decides.
    exits: run([fields({ EXCEPTION_BITMAP: 1n << 14n }), gpr({ [RBX]: UNMAPPED })], LOAD_UNMAPPED),
    // Bit 14 = 1 but mask/match not met (match FFFFFFFFH): the opposite of bit 14, no exit.
    noExit: run([fields({ EXCEPTION_BITMAP: 1n << 14n, PAGE_FAULT_ERROR_CODE_MATCH: 0xffff_ffffn }), gpr({ [RBX]: UNMAPPED })], LOAD_UNMAPPED),
  },
  'EXIT.NMI': {
    exits: run([control('pin.NMI_EXITING')], ev({ kind: 'nmi' })),
    noExit: run([control('pin.NMI_EXITING', false)], ev({ kind: 'nmi' })),
  },
  'EXIT.EXTINT': {
    exits: run([control('pin.EXTERNAL_INTERRUPT_EXITING'), rflags(IF)], ev({ kind: 'external-interrupt', vector: 0x30 })),
    noExit: run([control('pin.EXTERNAL_INTERRUPT_EXITING', false), rflags(IF)], ev({ kind: 'external-interrupt', vector: 0x30 })),
  },
  'EXIT.EXTINT.ACK': {
    exits: run([control('pin.EXTERNAL_INTERRUPT_EXITING'), control('exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT'), rflags(IF)],
      ev({ kind: 'external-interrupt', vector: 0x30 })),
    noExit: run([control('pin.EXTERNAL_INTERRUPT_EXITING', false), control('exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT'), rflags(IF)],
      ev({ kind: 'external-interrupt', vector: 0x30 })),
  },
  'EXIT.INTWINDOW': {
    exits: run([control('proc.INTERRUPT_WINDOW_EXITING'), rflags(IF)], NOP),
    // IF = 1 but blocking by STI: the window is not open at this boundary.
    noExit: run([control('proc.INTERRUPT_WINDOW_EXITING'), rflags(IF), cpu({ blockingBySti: true })], NOP),
  },
  'EXIT.NMIWINDOW': {
    exits: run([control('pin.NMI_EXITING'), control('pin.VIRTUAL_NMIS'), control('proc.NMI_WINDOW_EXITING')], NOP),
    noExit: run([control('pin.NMI_EXITING'), control('pin.VIRTUAL_NMIS'), control('proc.NMI_WINDOW_EXITING'), cpu({ blockingByNmi: true })], NOP),
  },
  'EXIT.INIT': {
    exits: run([], ev({ kind: 'init' })),
    noExit: run([cpu({ activity: 'wait-for-sipi' })], ev({ kind: 'init' })), // INIT is blocked in wait-for-SIPI
  },
  'EXIT.SIPI': {
    exits: run([cpu({ activity: 'wait-for-sipi' })], ev({ kind: 'sipi', vector: 0x10 })),
    noExit: run([], ev({ kind: 'sipi', vector: 0x10 })), // outside wait-for-SIPI a SIPI is discarded
  },
  'EXIT.TRIPLEFAULT': {
    // An IDT too short for any gate: #UD → #GP (IDT limit) → #DF → #GP: a triple fault.
    exits: run([cpu({ idtr: { base: GUEST_LAYOUT.idt, limit: 0 } })], ins({ op: 'UD2' })),
    noExit: run([], ins({ op: 'UD2' })),
  },
  'EXIT.TASKSWITCH': {
    exits: run([protected32], ins({ op: 'JMP_FAR', selector: 0x38 })), // an available TSS
    noExit: run([], ins({ op: 'JMP_FAR', selector: 0x08 })), // a code segment: an ordinary far jump
  },
  'EXIT.MTF': {
    exits: run([control('proc.MONITOR_TRAP_FLAG')], NOP),
    noExit: run([control('proc.MONITOR_TRAP_FLAG', false)], NOP),
  },
  'EXIT.PREEMPTION': {
    exits: run([control('pin.ACTIVATE_VMX_PREEMPTION_TIMER'), fields({ VMX_PREEMPTION_TIMER_VALUE: 100n })], ev({ kind: 'preemption-timer-expiry' })),
    noExit: run([control('pin.ACTIVATE_VMX_PREEMPTION_TIMER', false)], ev({ kind: 'preemption-timer-expiry' })),
  },
  'EXIT.EPT.MISCONFIG': {
    exits: run([...EPT, memory(eptLeaf(1, 2n)), gpr({ [RBX]: SECOND_2MIB })], LOAD_UNMAPPED), // write without read
    noExit: run([...EPT, gpr({ [RBX]: SECOND_2MIB })], LOAD_UNMAPPED),
  },
  'EXIT.EPT.VIOLATION': {
    exits: run([...EPT, memory(eptLeaf(1, 1n)), gpr({ [RBX]: SECOND_2MIB })], ins({ op: 'STORE', size: 8, src: 0, mem: { base: RBX, disp: 0n } })),
    noExit: run([...EPT, memory(eptLeaf(1, 1n)), gpr({ [RBX]: SECOND_2MIB })], LOAD_UNMAPPED),
  },
  'EXIT.EPT.VIOLATION.AD': {
    // The guest page tables live in the first 2 MiB, mapped read/execute only: with EPT A/D flags every
    // guest paging-structure access is a write, so a plain load exits.
    exits: run([...EPT_AD, memory(eptLeaf(0, 5n)), gpr({ [RBX]: SECOND_2MIB })], LOAD_UNMAPPED),
    noExit: run([...EPT, memory(eptLeaf(0, 5n)), gpr({ [RBX]: SECOND_2MIB })], LOAD_UNMAPPED),
  },
} as const satisfies Record<string, ExitWitness>;
