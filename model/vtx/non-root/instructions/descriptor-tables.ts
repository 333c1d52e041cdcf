/**
 * Descriptor-table instructions in VMX non-root operation (§25.1.3; rules EXIT.DTABLE.GDTR_IDTR for
 * LGDT/LIDT/SGDT/SIDT, basic reason 46, and EXIT.DTABLE.LDTR_TR for LLDT/LTR/SLDT/STR, reason 47):
 * with "descriptor-table exiting" = 1 they exit, after the #UD (LLDT/LTR/SLDT/STR in real and
 * virtual-8086 mode) and the CPL faults (LGDT/LIDT/LLDT/LTR at CPL > 0; the stores at CPL > 0 with
 * CR4.UMIP = 1). Exit information: the displacement qualification (0 for a register operand) and the
 * instruction information of Tables 27-10 / 27-11 (instruction identity in bits 29:28).
 *
 * Without an exit they do their usual work (Vol. 2): the pseudo-descriptor (2-byte limit, then an
 * 8-byte base in 64-bit mode or a 4-byte one elsewhere) is read byte by byte and stored as one store
 * of its bytes, since its base is not naturally aligned; LLDT/LTR load from the GDT (16-byte descriptors in IA-32e mode) and
 * LTR marks the TSS busy.
 */
import { match } from 'ts-pattern';
import type { GuestInstruction, MemOperand } from '../../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { isCanonical } from '../../../../spec/x86/msrs.js';
import type { Capabilities } from '../../capabilities.js';
import type { Access } from '../memory.js';
import type { NonRootResult } from '../result.js';
import { operandLinear, readAt, storeBytes } from './access.js';
import { cite, controlOn, said } from './controls.js';
import { markBusy, readDescriptor, segmentFrom, selectorError, unusableSegment } from './descriptors.js';
import { fault, gp, instructionExit, NP, retire, retireWith, ud } from './outcome.js';
import {
  displacementAlternatives, displacementQualification, in64BitMode, inIa32eMode, inRealMode, inV86Mode, memoryOperandInfo, reg, reg2Info, registerOperandInfo,
} from './operands.js';

export type DescriptorTableInstruction = Extract<GuestInstruction, { op: 'LGDT' | 'LIDT' | 'SGDT' | 'SIDT' | 'LLDT' | 'LTR' | 'SLDT' | 'STR' }>;

const CR4_UMIP = 1n << 11n;
const IDENTITY = { SGDT: 0, SIDT: 1, LGDT: 2, LIDT: 3, SLDT: 0, STR: 1, LLDT: 2, LTR: 3 } as const;

const readBytes = (caps: Capabilities, s: VtxState, at: bigint, n: number, ds: readonly Decision[]): Access<bigint> => {
  let value = 0n;
  let state = s;
  for (let k = 0; k < n; k++) {
    const b = readAt(caps, state, at + BigInt(k), 1, ds);
    if (!b.ok) return b;
    value |= b.value << BigInt(8 * k);
    state = b.state;
  }
  return { ok: true, value, state };
};

const tableExit = (caps: Capabilities, s: VtxState, i: DescriptorTableInstruction, ds: readonly Decision[]): NonRootResult => {
  if (i.op === 'LGDT' || i.op === 'LIDT' || i.op === 'SGDT' || i.op === 'SIDT') {
    // Bit 11 (operand size) is undefined in 64-bit mode; elsewhere the abstract ISA uses 32-bit operands.
    const operandSize = in64BitMode(s) ? 0 : 1 << 11;
    return instructionExit(caps, s, i, 46, {
      qualification: displacementQualification(s, i.mem), otherQualifications: displacementAlternatives(s, i.mem),
      instructionInfo: (memoryOperandInfo(s, i.mem) | operandSize | reg2Info(IDENTITY[i.op])) >>> 0,
    }, ds);
  }
  const reg1 = match(i)
    .with({ op: 'LLDT' }, { op: 'LTR' }, (v) => v.src)
    .with({ op: 'SLDT' }, { op: 'STR' }, (v) => v.dst)
    .otherwise(() => 0);
  return instructionExit(caps, s, i, 47, { qualification: 0n, instructionInfo: (registerOperandInfo(reg1) | reg2Info(IDENTITY[i.op])) >>> 0 }, ds);
};

const loadTable = (caps: Capabilities, s: VtxState, i: DescriptorTableInstruction, mem: MemOperand, which: 'gdtr' | 'idtr', ds: readonly Decision[]): NonRootResult => {
  const at = operandLinear(s, mem);
  const limit = readBytes(caps, s, at, 2, ds);
  if (!limit.ok) return limit.result;
  const base = readBytes(caps, limit.state, at + 2n, in64BitMode(s) ? 8 : 4, ds);
  if (!base.ok) return base.result;
  if (in64BitMode(s) && !isCanonical(base.value, caps.linearAddressWidth)) return gp(caps, base.state, ds);
  return retire(s, i, base.state, { [which]: { base: base.value, limit: Number(limit.value) } }, ds);
};

const storeTable = (caps: Capabilities, s: VtxState, i: DescriptorTableInstruction, mem: MemOperand, which: 'gdtr' | 'idtr', ds: readonly Decision[]): NonRootResult => {
  const at = operandLinear(s, mem);
  const table = s.cpu[which];
  const bytes = in64BitMode(s) ? 10 : 6;
  const stored = storeBytes(caps, s, at, bytes, BigInt(table.limit) | (table.base << 16n), ds);
  return stored.ok ? retire(s, i, stored.state, {}, ds) : stored.result;
};

const lldt = (caps: Capabilities, s: VtxState, i: DescriptorTableInstruction, selector: number, ds: readonly Decision[]): NonRootResult => {
  if ((selector & 0xfffc) === 0) return retire(s, i, s, { segments: { ...s.cpu.segments, ldtr: unusableSegment(selector) } }, ds);
  if ((selector & 4) !== 0) return gp(caps, s, ds, selectorError(selector));
  const read = readDescriptor(caps, s, selector, inIa32eMode(s), ds);
  if (!read.ok) return read.result;
  const { d, state } = read;
  if (!d.system || d.type !== 2) return gp(caps, state, ds, selectorError(selector));
  if (!d.present) return fault(caps, state, NP, selectorError(selector), ds);
  return retire(s, i, state, { segments: { ...s.cpu.segments, ldtr: segmentFrom(selector, d) } }, ds);
};

const ltr = (caps: Capabilities, s: VtxState, i: DescriptorTableInstruction, selector: number, ds: readonly Decision[]): NonRootResult => {
  if ((selector & 0xfffc) === 0 || (selector & 4) !== 0) return gp(caps, s, ds, selectorError(selector));
  const read = readDescriptor(caps, s, selector, inIa32eMode(s), ds);
  if (!read.ok) return read.result;
  const { d, state } = read;
  if (!d.system || d.type !== 9) return gp(caps, state, ds, selectorError(selector));
  if (!d.present) return fault(caps, state, NP, selectorError(selector), ds);
  const busy = markBusy(caps, state, d, ds);
  if (!busy.ok) return busy.result;
  return retire(s, i, busy.state, { segments: { ...s.cpu.segments, tr: { ...segmentFrom(selector, d), accessRights: d.accessRights | 2 } } }, ds);
};

export const executeDescriptorTable = (caps: Capabilities, s: VtxState, i: DescriptorTableInstruction): NonRootResult => {
  const gdtrIdtr = i.op === 'LGDT' || i.op === 'LIDT' || i.op === 'SGDT' || i.op === 'SIDT';
  const rule = gdtrIdtr ? 'EXIT.DTABLE.GDTR_IDTR' : 'EXIT.DTABLE.LDTR_TR';
  if (!gdtrIdtr && (inRealMode(s) || inV86Mode(s))) {
    return ud(caps, s, [cite('PRIORITY.UD', `${i.op} is #UD in real-address and virtual-8086 mode, before the exit`), cite(rule, '#UD first: no exit')]);
  }
  const load = i.op === 'LGDT' || i.op === 'LIDT' || i.op === 'LLDT' || i.op === 'LTR';
  if (s.cpu.cpl > 0 && (load || (s.cpu.cr4 & CR4_UMIP) !== 0n)) {
    return gp(caps, s, [
      cite('PRIORITY.CPL', `${i.op} at CPL ${s.cpu.cpl}${load ? '' : ' with CR4.UMIP = 1'} is #GP(0), before the exit`),
      cite(rule, `CPL ${s.cpu.cpl}: no exit`),
    ]);
  }
  const exits = controlOn(s, 'proc2.DESCRIPTOR_TABLE_EXITING');
  const ds = [cite(rule, `${said(s, 'proc2.DESCRIPTOR_TABLE_EXITING')}${exits ? `: ${i.op} exits` : ''}`)];
  if (exits) return tableExit(caps, s, i, ds);
  return match(i)
    .with({ op: 'LGDT' }, (v) => loadTable(caps, s, i, v.mem, 'gdtr', ds))
    .with({ op: 'LIDT' }, (v) => loadTable(caps, s, i, v.mem, 'idtr', ds))
    .with({ op: 'SGDT' }, (v) => storeTable(caps, s, i, v.mem, 'gdtr', ds))
    .with({ op: 'SIDT' }, (v) => storeTable(caps, s, i, v.mem, 'idtr', ds))
    .with({ op: 'LLDT' }, (v) => lldt(caps, s, i, Number(reg(s, v.src) & 0xffffn), ds))
    .with({ op: 'LTR' }, (v) => ltr(caps, s, i, Number(reg(s, v.src) & 0xffffn), ds))
    .with({ op: 'SLDT' }, (v) => retireWith(s, i, s, new Map([[v.dst, BigInt(s.cpu.segments.ldtr.selector)]]), 4, {}, ds))
    .with({ op: 'STR' }, (v) => retireWith(s, i, s, new Map([[v.dst, BigInt(s.cpu.segments.tr.selector)]]), 4, {}, ds))
    .exhaustive();
};
