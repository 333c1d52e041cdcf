/**
 * Delivery through the IDT in protected mode, including from virtual-8086 mode (Vol. 3A §6.10–6.12,
 * §20.3): 8-byte gates (EVENT.DELIVERY.IDT32), task gates that make delivery a task switch and so a
 * VM exit (EVENT.DELIVERY.TASKGATE, EXIT.TASKSWITCH), the DPL and code-segment checks
 * (EVENT.DELIVERY.DPL, EVENT.DELIVERY.CODESEG), the inner stack SSn:ESPn from a 32-bit TSS
 * (EVENT.DELIVERY.STACK), and the frame of 16- or 32-bit items (EVENT.DELIVERY.FRAME).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { SegmentRegister, VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { decision } from '../result.js';
import { fault, readAt, SYSTEM, type Attempt, type Delivering, type FrameStyle, type Got } from './attempt.js';
import { handlerCodeSegment, readDescriptor, segmentFrom } from './descriptors.js';
import { exitInformation, hex } from './info.js';
import { handlerFlags, inV8086, pushAll, pushedFlags, returnAddress } from './frame.js';

const S = '6.12.1';
const NULL_SEGMENT: SegmentRegister = { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 };

/** SSn:ESPn of a 32-bit TSS (Vol. 3A §7.2.1) and the checks on the new stack segment (§6.12.1). */
const innerStack = (caps: Capabilities, s: VtxState, newCpl: number, ext: number, decisions: readonly Decision[]): Got<{ ss: SegmentRegister; esp: bigint }> => {
  const tr = s.cpu.segments.tr;
  const trCode = (tr.selector & 0xfffc) | ext;
  const at = 4 + 8 * newCpl;
  const ts = (code: number, why: string) => fault(s, 10, code, [...decisions, decision('EVENT.DELIVERY.STACK', S, `${why}: #TS(${hex(code)})`)]);
  if (at + 5 > tr.limit) return ts(trCode, `TSS limit ${hex(tr.limit)} does not hold SS${newCpl}:ESP${newCpl}`);
  const esp = readAt(caps, s, tr.base + BigInt(at), 4, SYSTEM, decisions);
  if (!esp.ok) return esp;
  const sel = readAt(caps, esp.state, tr.base + BigInt(at + 4), 2, SYSTEM, decisions);
  if (!sel.ok) return sel;
  const ssSel = Number(sel.value);
  if ((ssSel & 0xfffc) === 0) return ts(ext, `SS${newCpl} in the TSS is null`);
  const ssCode = (ssSel & 0xfffc) | ext;
  if ((ssSel & 3) !== newCpl) return ts(ssCode, `SS${newCpl} selector ${hex(ssSel)} has RPL ≠ ${newCpl}`);
  const d = readDescriptor(caps, sel.state, ssSel, ext, decisions);
  if (!d.ok) return d;
  const writableData = d.value.s && (d.value.type & 8) === 0 && (d.value.type & 2) !== 0;
  if (!writableData || d.value.dpl !== newCpl) return ts(ssCode, `SS${newCpl} ${hex(ssSel)} is not a writable data segment with DPL ${newCpl}`);
  if (!d.value.present) {
    return fault(d.state, 12, ssCode, [...decisions, decision('EVENT.DELIVERY.STACK', S, `stack segment ${hex(ssSel)} not present: #SS(${hex(ssCode)})`)]);
  }
  return { ok: true, value: { ss: segmentFrom(ssSel, d.value), esp: esp.value }, state: d.state };
};

export const deliver32 = (caps: Capabilities, s: VtxState, ev: Delivering, ext: number, decisions: readonly Decision[], style: FrameStyle): Attempt => {
  const v = ev.vector;
  const idtCode = (v << 3) | 2 | ext;
  const because = (rule: string, why: string): readonly Decision[] => [...decisions, decision(rule, S, why)];
  if (8 * v + 7 > s.cpu.idtr.limit) return fault(s, 13, idtCode, because('EVENT.DELIVERY.IDT32', `gate ${v} ends beyond the IDT limit: #GP(${hex(idtCode)})`)).end;
  const gateAt = s.cpu.idtr.base + BigInt(8 * v);
  const g = readAt(caps, s, gateAt, 8, SYSTEM, decisions);
  if (!g.ok) return g.end;
  let st = g.state;
  const gate = g.value;
  const type = Number((gate >> 40n) & 0xfn);
  const dpl = Number((gate >> 45n) & 3n);
  if (![5, 6, 7, 0xe, 0xf].includes(type)) return fault(st, 13, idtCode, because('EVENT.DELIVERY.IDT32', `gate ${v} has type ${type}: #GP(${hex(idtCode)})`)).end;
  if ((ev.type === 'software-interrupt' || ev.type === 'software-exception') && dpl < st.cpu.cpl) {
    return fault(st, 13, idtCode, because('EVENT.DELIVERY.DPL', `gate ${v} DPL ${dpl} < CPL ${st.cpu.cpl}: #GP(${hex(idtCode)})`)).end;
  }
  if (((gate >> 47n) & 1n) === 0n) return fault(st, 11, idtCode, because('EVENT.DELIVERY.IDT32', `gate ${v} is not present: #NP(${hex(idtCode)})`)).end;
  const selector = Number((gate >> 16n) & 0xffffn);
  if (type === 5) {
    // The task switch itself is not modelled: in VMX non-root operation it always exits (§25.2).
    const qualification = BigInt(selector) | (3n << 30n);
    return {
      kind: 'exit', state: st, info: exitInformation(9, { qualification }),
      decisions: [...decisions, decision('EVENT.DELIVERY.TASKGATE', '6.12.2', `gate ${v} is a task gate for TSS ${hex(selector)}`),
        decision('EXIT.TASKSWITCH', '25.2', `task switch through the IDT: qualification ${hex(qualification)} (source 3)`)],
    };
  }
  const gate32 = type >= 0xe;
  const offset = gate32 ? (gate & 0xffffn) | (((gate >> 48n) & 0xffffn) << 16n) : gate & 0xffffn;
  const cs = handlerCodeSegment(caps, st, selector, ext, false, decisions);
  if (!cs.ok) return cs.end;
  st = cs.state;
  const cpl = st.cpu.cpl;
  const v86 = inV8086(st);
  const newCpl = (cs.value.type & 4) !== 0 ? cpl : cs.value.dpl;
  if (v86 && (newCpl !== 0 || !gate32)) {
    const code = (selector & 0xfffc) | ext;
    return fault(st, 13, code, because('EVENT.DELIVERY.CODESEG', `from virtual-8086 mode the handler must be a 32-bit gate to a ring-0 non-conforming segment: #GP(${hex(code)})`)).end;
  }
  const old = st.cpu.segments;
  let ss = old.ss;
  let esp = st.cpu.rsp;
  if (newCpl < cpl) {
    const inner = innerStack(caps, st, newCpl, ext, decisions);
    if (!inner.ok) return inner.end;
    st = inner.state;
    ss = inner.value.ss;
    esp = inner.value.esp;
  }
  const size = gate32 ? 4 : 2;
  const big = ((ss.accessRights >>> 14) & 1) === 1;
  const frame: bigint[] = [];
  if (v86) frame.push(...[old.gs, old.fs, old.ds, old.es].map((r) => BigInt(r.selector)));
  if (newCpl < cpl) frame.push(BigInt(old.ss.selector), st.cpu.rsp);
  frame.push(pushedFlags(st, ev), BigInt(old.cs.selector), returnAddress(st, ev));
  if (ev.errorCode !== null) frame.push(BigInt(ev.errorCode >>> 0));
  const wrap = big ? 0xffff_ffffn : 0xffffn;
  const top = esp & wrap;
  const pushed = pushAll(caps, st, (o) => (ss.base + (o & wrap)) & 0xffff_ffffn, top, size, frame, { user: newCpl === 3, implicit: false }, decisions, style);
  if (!pushed.ok) return pushed.end;
  st = pushed.state;
  const after = (top - BigInt(size * frame.length)) & wrap;
  const interruptGate = type === 0xe || type === 6;
  const dataSegments = v86 ? { ds: NULL_SEGMENT, es: NULL_SEGMENT, fs: NULL_SEGMENT, gs: NULL_SEGMENT } : {};
  return {
    kind: 'delivered',
    state: {
      ...st,
      cpu: {
        ...st.cpu,
        segments: { ...st.cpu.segments, ...dataSegments, ss, cs: segmentFrom((selector & 0xfffc) | newCpl, cs.value) },
        cpl: newCpl, csL: cs.value.l, rip: offset,
        rsp: big ? after : (esp & ~0xffffn) | after,
        rflags: handlerFlags(st.cpu.rflags, interruptGate),
      },
    },
    decisions: [...decisions,
      decision('EVENT.DELIVERY.FRAME', S, `vector ${v} through the ${gate32 ? 32 : 16}-bit ${interruptGate ? 'interrupt' : 'trap'} gate at ${hex(gateAt)} to ${hex(selector)}:${hex(offset)}, CPL ${cpl} → ${newCpl}${v86 ? ' (from virtual-8086 mode)' : ''}, ${frame.length} items pushed`),
      decision('EVENT.DELIVERY.FLAGS', '6.12.1.2', `TF, NT, RF, VM cleared${interruptGate ? ', IF cleared (interrupt gate)' : ''}`)],
  };
};
