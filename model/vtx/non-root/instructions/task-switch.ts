/**
 * Task switches in VMX non-root operation (§25.2, rule EXIT.TASKSWITCH): every attempt exits, before
 * any of its effects (no TSS written, no descriptor busy bit changed, TR unchanged, §27.1). The checks
 * of the far CALL/JMP or IRET that precede the task switch proper still come first (Vol. 3A §7.3):
 * the selector must name an available TSS (CALL/JMP) or a present task gate whose TSS is available,
 * with DPL ≥ CPL and RPL; IRET with NT = 1 names a busy TSS through the current TSS's previous-task
 * link. IA-32e mode has no task switching: such CALL/JMP/IRET are #GP instead.
 *
 * The exit is fault-like (saved RIP: the CALL/JMP/IRET); its qualification (Table 27-2) holds the new
 * TSS selector in bits 15:0 and the source in 31:30 (0 CALL, 1 IRET, 2 JMP, 3 task gate in the IDT),
 * and the instruction length is recorded (§27.2.4).
 *
 * A far CALL/JMP whose selector names a code or data segment is outside this abstract ISA (the
 * instruction carries no offset): it raises #GP(selector).
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { readSystem } from './access.js';
import { cite, hex } from './controls.js';
import { readDescriptor, selectorError } from './descriptors.js';
import { fault, gp, GP, instructionExit, NP, TS } from './outcome.js';
import { inIa32eMode, inRealMode, inV86Mode } from './operands.js';

export type TaskSwitchSource = 'CALL' | 'IRET' | 'JMP';
const SOURCE_CODE: Readonly<Record<TaskSwitchSource, bigint>> = { CALL: 0n, IRET: 1n, JMP: 2n };

const TASK_GATE = 5;
const isAvailableTss = (type: number): boolean => type === 1 || type === 9;
const isBusyTss = (type: number): boolean => type === 3 || type === 11;

/**
 * RFLAGS.RF is saved as it would appear in the old task's TSS image (§27.3.3): 0, since the old task
 * resumes after the CALL/JMP/IRET that switched away from it.
 */
const exitTo = (caps: Capabilities, s: VtxState, i: GuestInstruction, tss: number, source: TaskSwitchSource, ds: readonly Decision[]): NonRootResult =>
  instructionExit(caps, { ...s, cpu: { ...s.cpu, rflags: s.cpu.rflags & ~(1n << 16n) } }, i, 9, { qualification: BigInt(tss & 0xffff) | (SOURCE_CODE[source] << 30n) }, [
    ...ds, cite('EXIT.TASKSWITCH', `${source} to TSS selector ${hex(tss)}: every task switch exits before it has any effect`),
  ]);

const noTaskSwitch = (why: string) => cite('EXIT.TASKSWITCH', `no task switch: ${why}`);

/** Far CALL/JMP with a selector operand (Vol. 3A §7.3: to a TSS descriptor or a task gate). */
export const executeFarTransfer = (caps: Capabilities, before: VtxState, i: Extract<GuestInstruction, { op: 'JMP_FAR' | 'CALL_FAR' }>): NonRootResult => {
  const source = i.op === 'CALL_FAR' ? 'CALL' : 'JMP';
  const selector = i.selector & 0xffff;
  if (inRealMode(before) || inV86Mode(before)) return gp(caps, before, [noTaskSwitch('real-address and virtual-8086 mode have no task switches; a far transfer to a segment is outside the abstract ISA')], selectorError(selector));
  if ((selector & 0xfffc) === 0) return gp(caps, before, [noTaskSwitch('null selector')]);
  const read = readDescriptor(caps, before, selector, false, []);
  if (!read.ok) return read.result;
  const { d, state: s } = read;
  const taskish = d.system && (d.type === TASK_GATE || isAvailableTss(d.type) || isBusyTss(d.type));
  if (!taskish) return gp(caps, s, [noTaskSwitch(`selector ${hex(selector)} names neither a TSS nor a task gate (outside the abstract ISA)`)], selectorError(selector));
  if (inIa32eMode(s)) return gp(caps, s, [noTaskSwitch('IA-32e mode does not support task switching')], selectorError(selector));
  if (d.dpl < s.cpu.cpl || d.dpl < (selector & 3)) return gp(caps, s, [noTaskSwitch(`descriptor DPL ${d.dpl} < CPL ${s.cpu.cpl} or RPL ${selector & 3}`)], selectorError(selector));
  if (!d.present) return fault(caps, s, NP, selectorError(selector), [noTaskSwitch('descriptor not present')]);
  if (d.type !== TASK_GATE) {
    if (isBusyTss(d.type)) return gp(caps, s, [noTaskSwitch('the TSS is busy')], selectorError(selector));
    return exitTo(caps, s, i, selector, source, []);
  }
  const tss = Number((d.lo >> 16n) & 0xffffn);
  if ((tss & 4) !== 0) return gp(caps, s, [noTaskSwitch('the task gate names a TSS in the LDT')], selectorError(tss));
  const target = readDescriptor(caps, s, tss, false, []);
  if (!target.ok) return target.result;
  const t = target.state;
  if (!target.d.system || !isAvailableTss(target.d.type)) return gp(caps, t, [noTaskSwitch('the task gate names no available TSS')], selectorError(tss));
  if (!target.d.present) return fault(caps, t, NP, selectorError(tss), [noTaskSwitch('the TSS is not present')]);
  return exitTo(caps, t, i, tss, source, []);
};

/**
 * IRET with RFLAGS.NT = 1 outside IA-32e mode: a task switch back to the previous-task link of the
 * current TSS. Its faults report whether the IRET removed (virtual-)NMI blocking (§27.2.2 bit 12).
 */
export const iretTaskSwitch = (caps: Capabilities, s: VtxState, i: GuestInstruction, ds: readonly Decision[], unblocked: boolean): NonRootResult => {
  const raise = (at: VtxState, vector: number, code: number, why: string) =>
    fault(caps, at, vector, code, [...ds, noTaskSwitch(why)], { nmiUnblockingDueToIret: unblocked });
  if (inIa32eMode(s)) return raise(s, GP, 0, 'IRET with NT = 1 in IA-32e mode is #GP(0)');
  const link = readSystem(caps, s, s.cpu.segments.tr.base, 2, ds);
  if (!link.ok) return link.result;
  const selector = Number(link.value);
  if ((selector & 4) !== 0 || (selector & 0xfffc) === 0) return raise(link.state, TS, selectorError(selector), 'the previous-task link is not a GDT selector');
  const read = readDescriptor(caps, link.state, selector, false, ds, { nmiUnblockingDueToIret: unblocked });
  if (!read.ok) return read.result;
  const t = read.state;
  if (!read.d.system || !isBusyTss(read.d.type)) return raise(t, TS, selectorError(selector), 'the previous-task link names no busy TSS');
  if (!read.d.present) return raise(t, NP, selectorError(selector), 'the TSS is not present');
  return exitTo(caps, t, i, selector, 'IRET', ds);
};
