/**
 * Delivery in real-address mode through the interrupt vector table (Vol. 3A §20.1.4,
 * EVENT.DELIVERY.IVT): a 4-byte far pointer per vector at IDTR.base, FLAGS, CS and IP pushed on the
 * 16-bit stack, never an error code. A VMX guest is in this mode only with "unrestricted guest" (and
 * so, with paging off, its linear addresses are guest-physical addresses translated by EPT).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { decision } from '../result.js';
import { fault, readAt, SYSTEM, type Attempt, type Delivering, type FrameStyle } from './attempt.js';
import { pushAll, pushedFlags, realModeFlags, returnAddress } from './frame.js';
import { hex } from './info.js';

const S = '20.1.4';

export const deliverReal = (caps: Capabilities, s: VtxState, ev: Delivering, decisions: readonly Decision[], style: FrameStyle): Attempt => {
  const v = ev.vector;
  if (4 * v + 3 > s.cpu.idtr.limit) {
    return fault(s, 13, null, [...decisions, decision('EVENT.DELIVERY.IVT', S, `vector ${v} is beyond the IVT limit ${hex(s.cpu.idtr.limit)}: #GP`)]).end;
  }
  const at = s.cpu.idtr.base + BigInt(4 * v);
  const e = readAt(caps, s, at, 4, SYSTEM, decisions);
  if (!e.ok) return e.end;
  const offset = e.value & 0xffffn;
  const segment = Number((e.value >> 16n) & 0xffffn);
  const ss = e.state.cpu.segments.ss;
  const sp = e.state.cpu.rsp & 0xffffn;
  const frame = [pushedFlags(e.state, ev) & 0xffffn, BigInt(e.state.cpu.segments.cs.selector), returnAddress(e.state, ev) & 0xffffn];
  const pushed = pushAll(caps, e.state, (o) => (ss.base + (o & 0xffffn)) & 0xffff_ffffn, sp, 2, frame, { user: false, implicit: false }, decisions, style);
  if (!pushed.ok) return pushed.end;
  const st = pushed.state;
  return {
    kind: 'delivered',
    state: {
      ...st,
      cpu: {
        ...st.cpu,
        segments: { ...st.cpu.segments, cs: { ...st.cpu.segments.cs, selector: segment, base: BigInt(segment) << 4n } },
        rip: offset,
        rsp: (st.cpu.rsp & ~0xffffn) | ((sp - 6n) & 0xffffn),
        rflags: realModeFlags(st.cpu.rflags),
      },
    },
    decisions: [...decisions, decision('EVENT.DELIVERY.IVT', S, `vector ${v} through the IVT entry at ${hex(at)} to ${hex(segment)}:${hex(offset)}; IF, TF, AC cleared`)],
  };
};
