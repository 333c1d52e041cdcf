/**
 * Delivery through the IDT in IA-32e mode (Vol. 3A §6.14): 16-byte interrupt and trap gates
 * (EVENT.DELIVERY.IDT64), the gate-DPL check of software events (EVENT.DELIVERY.DPL), the 64-bit
 * target code segment (EVENT.DELIVERY.CODESEG), the stack from TSS.RSPn or the IST, aligned to 16
 * bytes (EVENT.DELIVERY.STACK), and the five- or six-item frame SS, RSP, RFLAGS, CS, RIP, error code
 * (EVENT.DELIVERY.FRAME, EVENT.DELIVERY.FLAGS).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { isCanonical } from '../paging/access.js';
import { decision } from '../result.js';
import { fault, readAt, SYSTEM, type Attempt, type Delivering, type FrameStyle } from './attempt.js';
import { handlerCodeSegment, segmentFrom } from './descriptors.js';
import { handlerFlags, pushAll, pushedFlags, returnAddress } from './frame.js';
import { hex } from './info.js';

const S = '6.14.1';

export const deliver64 = (caps: Capabilities, s: VtxState, ev: Delivering, ext: number, decisions: readonly Decision[], style: FrameStyle): Attempt => {
  const v = ev.vector;
  const idtCode = (v << 3) | 2 | ext;
  const because = (rule: string, section: string, why: string): readonly Decision[] => [...decisions, decision(rule, section, why)];
  if (16 * v + 15 > s.cpu.idtr.limit) {
    return fault(s, 13, idtCode, because('EVENT.DELIVERY.IDT64', S, `gate ${v} ends beyond the IDT limit ${hex(s.cpu.idtr.limit)}: #GP(${hex(idtCode)})`)).end;
  }
  const gateAt = s.cpu.idtr.base + BigInt(16 * v);
  const lo = readAt(caps, s, gateAt, 8, SYSTEM, decisions);
  if (!lo.ok) return lo.end;
  const hi = readAt(caps, lo.state, gateAt + 8n, 8, SYSTEM, decisions);
  if (!hi.ok) return hi.end;
  let st = hi.state;
  const gate = lo.value;
  const type = Number((gate >> 40n) & 0xfn);
  const dpl = Number((gate >> 45n) & 3n);
  if (type !== 0xe && type !== 0xf) {
    return fault(st, 13, idtCode, because('EVENT.DELIVERY.IDT64', S, `gate ${v} has type ${type}, not a 64-bit interrupt (14) or trap (15) gate: #GP(${hex(idtCode)})`)).end;
  }
  if ((ev.type === 'software-interrupt' || ev.type === 'software-exception') && dpl < st.cpu.cpl) {
    return fault(st, 13, idtCode, because('EVENT.DELIVERY.DPL', '6.12.1.1', `gate ${v} DPL ${dpl} < CPL ${st.cpu.cpl} for a ${ev.type}: #GP(${hex(idtCode)})`)).end;
  }
  if (((gate >> 47n) & 1n) === 0n) {
    return fault(st, 11, idtCode, because('EVENT.DELIVERY.IDT64', S, `gate ${v} is not present: #NP(${hex(idtCode)})`)).end;
  }
  const selector = Number((gate >> 16n) & 0xffffn);
  const offset = (gate & 0xffffn) | (((gate >> 48n) & 0xffffn) << 16n) | ((hi.value & 0xffff_ffffn) << 32n);
  const ist = Number((gate >> 32n) & 7n);
  const cs = handlerCodeSegment(caps, st, selector, ext, true, decisions);
  if (!cs.ok) return cs.end;
  st = cs.state;
  const cpl = st.cpu.cpl;
  const newCpl = (cs.value.type & 4) !== 0 ? cpl : cs.value.dpl;
  let rsp = st.cpu.rsp;
  if (ist !== 0 || newCpl < cpl) {
    const offsetInTss = ist !== 0 ? 0x24 + 8 * (ist - 1) : 4 + 8 * newCpl;
    const tr = st.cpu.segments.tr;
    if (offsetInTss + 7 > tr.limit) {
      const code = (tr.selector & 0xfffc) | ext;
      return fault(st, 10, code, because('EVENT.DELIVERY.STACK', '6.14.5', `TSS limit ${hex(tr.limit)} does not hold ${ist !== 0 ? `IST${ist}` : `RSP${newCpl}`}: #TS(${hex(code)})`)).end;
    }
    const r = readAt(caps, st, tr.base + BigInt(offsetInTss), 8, SYSTEM, decisions);
    if (!r.ok) return r.end;
    st = r.state;
    rsp = r.value;
  }
  rsp &= ~0xfn;
  const frame = [BigInt(st.cpu.segments.ss.selector), st.cpu.rsp, pushedFlags(st, ev), BigInt(st.cpu.segments.cs.selector), returnAddress(st, ev)];
  if (ev.errorCode !== null) frame.push(BigInt(ev.errorCode >>> 0));
  const bottom = BigInt.asUintN(64, rsp - BigInt(8 * frame.length));
  if (!isCanonical(rsp - 8n, caps.linearAddressWidth) || !isCanonical(bottom, caps.linearAddressWidth)) {
    return fault(st, 12, ext, because('EVENT.DELIVERY.STACK', '6.14.2', `handler stack ${hex(rsp)} is not canonical: #SS(${ext})`)).end;
  }
  const pushed = pushAll(caps, st, (a) => BigInt.asUintN(64, a), rsp, 8, frame, { user: newCpl === 3, implicit: false }, decisions, style);
  if (!pushed.ok) return pushed.end;
  st = pushed.state;
  const ss = newCpl < cpl ? { selector: newCpl, base: 0n, limit: 0, accessRights: 0x1_0000 | (newCpl << 5) } : st.cpu.segments.ss;
  const interruptGate = type === 0xe;
  return {
    kind: 'delivered',
    state: {
      ...st,
      cpu: {
        ...st.cpu,
        segments: { ...st.cpu.segments, cs: segmentFrom((selector & 0xfffc) | newCpl, { ...cs.value, base: 0n }), ss },
        cpl: newCpl, csL: true, rsp: bottom, rip: offset,
        rflags: handlerFlags(st.cpu.rflags, interruptGate),
      },
    },
    decisions: [...decisions,
      decision('EVENT.DELIVERY.FRAME', '6.14.2', `vector ${v} through the 64-bit ${interruptGate ? 'interrupt' : 'trap'} gate at ${hex(gateAt)} to ${hex(selector)}:${hex(offset)}, CPL ${cpl} → ${newCpl}, ${frame.length} items pushed below ${hex(rsp)}`),
      decision('EVENT.DELIVERY.FLAGS', '6.12.1.2', `TF, NT, RF, VM cleared${interruptGate ? ', IF cleared (interrupt gate)' : ''}`)],
  };
};
