/**
 * The three ways a guest instruction ends in the model: it completes (RIP advances by its length,
 * §25.1 "fault-like" exits excepted), it raises an exception (delivered or exiting through
 * ../exceptions.ts), or it causes a fault-like VM exit with the exit information of §27.2 (exit
 * qualification, instruction length per §27.2.4 / spec/vtx/exit-information/instruction-length.ts,
 * instruction information where a layout exists).
 */
import { instructionLength } from '../../../../spec/vtx/guest/length.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { INSTRUCTION_LENGTH_BY_REASON } from '../../../../spec/vtx/exit-information/instruction-length.js';
import type { Decision, ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import type { CpuRegisters, VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { vmExit } from '../../vm-exit/index.js';
import { raiseEvent, type RaisedEvent } from '../exceptions.js';
import type { NonRootResult } from '../result.js';
import { cite } from './controls.js';
import { decision } from '../result.js';
import type { Gpr } from '../../../../spec/vtx/guest/instructions.js';
import { in64BitMode, mergeReg, nextRip, reg, withRegs, withSized } from './operands.js';

const RFLAGS_RF = 1n << 16n;
const RFLAGS_TF = 1n << 8n;
/** Pending debug exceptions: BS, the single-step condition (Table 24-4). */
const PENDING_BS = 1n << 14n;

/**
 * The instruction completed: RIP := next RIP, RFLAGS.RF := 0 (Vol. 3B §17.3.1.1: cleared when an
 * instruction completes), blocking by STI and by MOV SS that was in effect ends (Table 24-3: it lasts
 * one instruction). `after` carries the instruction's memory and VMCS effects; `changes` overrides
 * registers (branches set `rip`, IRET/POPF set `rflags`, STI/MOV SS set their blocking). An
 * instruction that began with RFLAGS.TF = 1 leaves a single-step trap pending (EVENT.DEBUG.SINGLESTEP).
 */
export const retire = (
  before: VtxState, i: GuestInstruction, after: VtxState, changes: Partial<CpuRegisters>, decisions: readonly Decision[],
): NonRootResult => {
  const singleStep = (before.cpu.rflags & RFLAGS_TF) !== 0n;
  const cpu: CpuRegisters = {
    ...after.cpu,
    rip: nextRip(before, instructionLength(i)),
    rflags: after.cpu.rflags & ~RFLAGS_RF,
    blockingBySti: false,
    blockingByMovSs: false,
    ...changes,
  };
  return {
    observation: { kind: 'retired' },
    state: { ...after, cpu: singleStep ? { ...cpu, pendingDebug: cpu.pendingDebug | PENDING_BS } : cpu },
    decisions: singleStep
      ? [...decisions, decision('EVENT.DEBUG.SINGLESTEP', '17.3.1.4', 'RFLAGS.TF was 1 when the instruction began: a single-step #DB trap is pending (BS)')]
      : decisions,
  };
};

/**
 * `retire` with data results written to registers. Outside 64-bit mode bits 63:32 of a register are
 * undefined after a 32-bit write (Vol. 1 §3.4.1.1): the canonical result zero-extends, and keeping
 * the old upper bits is permitted as an alternative. `changes` must not set the written registers.
 */
export const retireWith = (
  before: VtxState, i: GuestInstruction, after: VtxState, values: ReadonlyMap<Gpr, bigint>, bytes: number,
  changes: Partial<CpuRegisters>, decisions: readonly Decision[],
): NonRootResult => {
  const canonical = retire(before, i, after, { ...withSized(before, values, bytes), ...changes }, decisions);
  if (bytes !== 4 || in64BitMode(before)) return canonical;
  const keptValues = new Map([...values].map(([n, v]) => [n, mergeReg(reg(before, n), v, 4, false)] as const));
  if ([...values].every(([n, v]) => mergeReg(reg(before, n), v, 4) === keptValues.get(n))) return canonical;
  return { ...canonical, alternatives: [retire(before, i, after, { ...withRegs(before.cpu, keptValues), ...changes }, decisions)] };
};

/** A hardware exception raised by the instruction at state.cpu.rip (fault semantics: nothing retired). */
export const fault = (
  caps: Capabilities, s: VtxState, vector: number, errorCode: number | null, decisions: readonly Decision[],
  extra: Pick<RaisedEvent, 'nmiUnblockingDueToIret'> = {},
): NonRootResult =>
  raiseEvent(caps, s, { vector, type: 'hardware-exception', errorCode, ...extra }, decisions);

export const UD = 6, NM = 7, TS = 10, NP = 11, SS = 12, GP = 13;

export const ud = (caps: Capabilities, s: VtxState, decisions: readonly Decision[]): NonRootResult => fault(caps, s, UD, null, decisions);
export const gp = (caps: Capabilities, s: VtxState, decisions: readonly Decision[], errorCode = 0): NonRootResult =>
  fault(caps, s, GP, errorCode, decisions);

export interface InstructionExitDetails {
  readonly qualification?: bigint;
  /** Other qualifications the SDM permits (undefined bits): each gives an alternative result. */
  readonly otherQualifications?: readonly bigint[];
  readonly guestLinearAddress?: bigint | null;
  readonly instructionInfo?: number | null;
}

/**
 * The VM-exit instruction length of an instruction-caused exit: written for the reasons §27.2.4 lists
 * as always recording it, and for task switches started by CALL, JMP or IRET; undefined otherwise.
 */
const exitInstructionLength = (reason: number, i: GuestInstruction): number | null =>
  INSTRUCTION_LENGTH_BY_REASON.get(reason)?.when === 'always' || reason === 9 ? instructionLength(i) : null;

/**
 * A fault-like VM exit caused by instruction `i` (§25.1: the instruction has not executed; the saved
 * RIP is its own). Interruption and IDT-vectoring information are not valid; the guest-physical
 * address is undefined; fields not given are 0 (qualification) or undefined.
 */
export const instructionExit = (
  caps: Capabilities, s: VtxState, i: GuestInstruction, reason: number, details: InstructionExitDetails, decisions: readonly Decision[],
): NonRootResult => {
  const info: ExitInformation = {
    reason,
    qualification: details.qualification ?? 0n,
    guestLinearAddress: details.guestLinearAddress ?? null,
    guestPhysicalAddress: null,
    interruptionInfo: 0,
    interruptionErrorCode: null,
    idtVectoringInfo: 0,
    idtVectoringErrorCode: null,
    instructionLength: exitInstructionLength(reason, i),
    instructionInfo: details.instructionInfo ?? null,
  };
  const priority = cite('PRIORITY.FAULTLIKE', `fault-like VM exit (basic reason ${reason}) before the instruction executes: exceptions that depend on its execution (operand values, reserved bits, MSR existence) do not happen`);
  const ds = [...decisions, priority];
  const result = vmExit(caps, s, info, ds);
  const others = (details.otherQualifications ?? []).map((qualification) => vmExit(caps, s, { ...info, qualification }, ds));
  return others.length === 0 ? result : { ...result, alternatives: [...(result.alternatives ?? []), ...others] };
};
