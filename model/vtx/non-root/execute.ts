/**
 * Executes one guest instruction in VMX non-root operation (SDM Vol. 3C ch. 25, June 2016 edition):
 * the faults that come before VM exits (§25.1.1, PRIORITY.*), the instruction's exit conditions
 * (§25.1.2 unconditional, §25.1.3 by control; the task switches of §25.2), the changed behaviour
 * without exits (§25.3, CHANGED.*), and otherwise the instruction's ordinary effect with RIP advanced
 * by its length. One file per group of ./instructions mirrors the SDM's grouping; this file only
 * dispatches (exhaustively over the abstract ISA, spec/vtx/guest/instructions.ts).
 */
import { match, P } from 'ts-pattern';
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { executeControlRegister } from './instructions/control-registers.js';
import { executeDebugRegister } from './instructions/debug-registers.js';
import { executeDescriptorTable } from './instructions/descriptor-tables.js';
import { executeControlled } from './instructions/instruction-controls.js';
import { executeIo } from './instructions/io.js';
import { executeMsr } from './instructions/msr.js';
import { executeOrdinary } from './instructions/ordinary.js';
import { executeSystem } from './instructions/system.js';
import { executeUnconditional } from './instructions/unconditional.js';
import { executeShadowed } from './instructions/vmcs-shadowing.js';
import type { NonRootResult } from './result.js';

export const executeInstruction = (caps: Capabilities, state: VtxState, instruction: GuestInstruction): NonRootResult =>
  match(instruction)
    .with(
      { op: P.union('CPUID', 'GETSEC', 'INVD', 'XSETBV', 'VMCALL', 'VMLAUNCH', 'VMRESUME', 'VMXOFF', 'VMCLEAR', 'VMPTRLD', 'VMPTRST', 'VMXON', 'INVEPT', 'INVVPID') },
      (i) => executeUnconditional(caps, state, i),
    )
    .with({ op: P.union('VMREAD', 'VMWRITE') }, (i) => executeShadowed(caps, state, i))
    .with(
      { op: P.union('HLT', 'INVLPG', 'INVPCID', 'MWAIT', 'MONITOR', 'PAUSE', 'RDPMC', 'RDTSC', 'RDTSCP', 'RDRAND', 'RDSEED', 'WBINVD', 'RSM', 'ENCLS', 'XSAVES', 'XRSTORS') },
      (i) => executeControlled(caps, state, i),
    )
    .with({ op: P.union('MOV_TO_CR', 'MOV_FROM_CR', 'CLTS', 'LMSW', 'SMSW') }, (i) => executeControlRegister(caps, state, i))
    .with({ op: P.union('MOV_TO_DR', 'MOV_FROM_DR') }, (i) => executeDebugRegister(caps, state, i))
    .with({ op: P.union('IN', 'OUT', 'INS', 'OUTS') }, (i) => executeIo(caps, state, i))
    .with({ op: P.union('RDMSR', 'WRMSR') }, (i) => executeMsr(caps, state, i))
    .with({ op: P.union('LGDT', 'LIDT', 'SGDT', 'SIDT', 'LLDT', 'LTR', 'SLDT', 'STR') }, (i) => executeDescriptorTable(caps, state, i))
    .with(
      { op: P.union('SYSENTER', 'SYSEXIT', 'CLI', 'STI', 'PUSHF', 'POPF', 'IRET', 'PUSH_CS', 'MOV_TO_SS', 'INT', 'INT3', 'INTO', 'UD2', 'JMP_FAR', 'CALL_FAR', 'FPU', 'SSE') },
      (i) => executeSystem(caps, state, i),
    )
    .with({ op: P.union('NOP', 'MOV_RI', 'MOV_RR', 'ALU', 'LOAD', 'STORE', 'PUSH', 'POP', 'JMP', 'JCC', 'CALL', 'RET') }, (i) => executeOrdinary(caps, state, i))
    .exhaustive();
