/**
 * IRET in VMX non-root operation (§25.3, rules CHANGED.IRET.NMI and CHANGED.IRET.VNMI): with
 * "NMI exiting" = 0 it unblocks NMIs as usual; with "NMI exiting" = 1 it leaves NMI blocking alone,
 * and with "virtual NMIs" = 1 it removes virtual-NMI blocking (state.cpu.blockingByNmi stands for
 * virtual-NMI blocking then). The unblocking happens even if IRET then faults, so it is applied before
 * anything else. With RFLAGS.NT = 1 IRET is a task switch (./task-switch.ts, EXIT.TASKSWITCH).
 *
 * The return itself (Vol. 2 "IRET"): in 64-bit mode IRETQ pops RIP, CS, RFLAGS, RSP and SS; in 32-bit
 * protected mode EIP, CS, EFLAGS and, on a return to an outer privilege level, ESP and SS; in
 * real-address and virtual-8086 mode (IOPL 3) IP, CS, FLAGS. The CS and SS descriptors are checked
 * (#GP/#NP/#SS with the selector); RFLAGS bits change as the old CPL and IOPL allow; on a return to an
 * outer level, data segments more privileged than the new CPL become null. A return to virtual-8086
 * mode is not modelled (RFLAGS.VM is not loaded).
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { SegmentRegister, SegmentRegisters, VtxState } from '../../../../spec/vtx/state.js';
import { isCanonical } from '../../../../spec/x86/msrs.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { movedRsp, peekMany, RSP } from './access.js';
import type { AccessOptions } from '../memory.js';
import { cite, controlOn } from './controls.js';
import { isCode, isConforming, isWritableData, readDescriptor, segmentFrom, selectorError, unusableSegment, UNUSABLE } from './descriptors.js';
import { fault, GP, NP, retire, SS } from './outcome.js';
import { inIa32eMode, inRealMode, inV86Mode, iopl, operandBytes, U32, withReg } from './operands.js';

type Iret = Extract<GuestInstruction, { op: 'IRET' }>;

const NT = 1n << 14n;
const IF = 1n << 9n;
const IOPL = 3n << 12n;
// CF PF AF ZF SF TF DF OF NT RF AC ID: what IRET loads at any privilege level.
const ALWAYS = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x1_0000 | 0x4_0000 | 0x20_0000;
const VIF_VIP = (1n << 19n) | (1n << 20n);

/** §25.3 IRET: the NMI-blocking effect, applied first. */
const unblockNmis = (s: VtxState): { readonly state: VtxState; readonly decisions: readonly Decision[]; readonly unblocked: boolean } => {
  const nmiExiting = controlOn(s, 'pin.NMI_EXITING');
  const virtualNmis = controlOn(s, 'pin.VIRTUAL_NMIS');
  if (!nmiExiting) {
    return {
      state: { ...s, cpu: { ...s.cpu, blockingByNmi: false } },
      unblocked: s.cpu.blockingByNmi,
      decisions: [cite('CHANGED.IRET.NMI', `"NMI exiting" = 0: IRET unblocks NMIs as usual (blocking was ${s.cpu.blockingByNmi ? 1 : 0})`)],
    };
  }
  if (!virtualNmis) {
    return {
      state: s,
      unblocked: false,
      decisions: [
        cite('CHANGED.IRET.NMI', `"NMI exiting" = 1: IRET does not change NMI blocking (stays ${s.cpu.blockingByNmi ? 1 : 0})`),
        cite('CHANGED.IRET.VNMI', '"virtual NMIs" = 0: there is no virtual-NMI blocking to remove'),
      ],
    };
  }
  return {
    state: { ...s, cpu: { ...s.cpu, blockingByNmi: false } },
    unblocked: s.cpu.blockingByNmi,
    decisions: [
      cite('CHANGED.IRET.NMI', '"NMI exiting" = 1: IRET does not affect the blocking of (real) NMIs'),
      cite('CHANGED.IRET.VNMI', `"virtual NMIs" = 1: IRET removes virtual-NMI blocking (was ${s.cpu.blockingByNmi ? 1 : 0})`),
    ],
  };
};

/** What IRET's faults carry: the decisions so far, the access options, and whether IRET removed (virtual-)NMI blocking (bit 12 of the exit interruption information, §27.2.2). */
interface IretContext {
  readonly caps: Capabilities;
  readonly ds: readonly Decision[];
  readonly opts: AccessOptions;
  readonly unblocked: boolean;
}

const raise = (c: IretContext, s: VtxState, vector: number, errorCode: number): NonRootResult =>
  fault(c.caps, s, vector, errorCode, c.ds, { nmiUnblockingDueToIret: c.unblocked });

/** Real-address mode (and virtual-8086 mode with IOPL 3): 16-bit IP, CS, FLAGS. */
const realModeIret = (c: IretContext, before: VtxState, i: Iret): NonRootResult => {
  const pops = peekMany(c.caps, before, 0, 3, c.ds, c.opts);
  if (!pops.ok) return pops.result;
  const s = pops.state;
  const [ip, cs, flags] = pops.value.map((v) => v & 0xffffn) as [bigint, bigint, bigint];
  const changeable = inV86Mode(s) ? 0x7fd5n & ~IOPL : 0x7fd5n;
  const rflags = (s.cpu.rflags & ~changeable) | (flags & changeable) | 2n;
  const segments = { ...s.cpu.segments, cs: { ...s.cpu.segments.cs, selector: Number(cs), base: cs << 4n } };
  return retire(before, i, s, { rip: ip, rflags, segments, ...withReg(s.cpu, RSP, movedRsp(s, 6n)) }, c.ds);
};

/** Data segments more privileged than the new CPL become null on a return to an outer level (Vol. 2 IRET "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
const nullInaccessible = (segments: SegmentRegisters, cpl: number): SegmentRegisters => {
  const check = (r: SegmentRegister): SegmentRegister => {
    if ((r.accessRights & UNUSABLE) !== 0) return r;
    const dpl = (r.accessRights >> 5) & 3;
    const conformingCode = (r.accessRights & 0x1c) === 0x1c;
    return dpl < cpl && !conformingCode ? unusableSegment(0) : r;
  };
  return { ...segments, es: check(segments.es), ds: check(segments.ds), fs: check(segments.fs), gs: check(segments.gs) };
};

const protectedIret = (c0: IretContext, before: VtxState, i: Iret): NonRootResult => {
  const { caps, ds, opts } = c0;
  const w = operandBytes(before);
  const ia32e = inIa32eMode(before);
  const top = peekMany(caps, before, 0, 3, ds, opts);
  if (!top.ok) return top.result;
  let s = top.state;
  const [rip, csWord, flags] = top.value as [bigint, bigint, bigint];
  const cs = Number(csWord & 0xffffn);
  const rpl = cs & 3;
  // Vol. 2 IRET: null check, limit check and descriptor read, then type, RPL and DPL checks.
  if ((cs & 0xfffc) === 0) return raise(c0, s, GP, 0);
  const code = readDescriptor(caps, s, cs, false, ds, { nmiUnblockingDueToIret: c0.unblocked });
  if (!code.ok) return code.result;
  s = code.state;
  const c = code.d;
  if (!isCode(c) || rpl < s.cpu.cpl || (isConforming(c) ? c.dpl > rpl : c.dpl !== rpl)) return raise(c0, s, GP, selectorError(cs));
  if (!c.present) return raise(c0, s, NP, selectorError(cs));
  const longCode = ia32e && ((c.accessRights >> 13) & 1) === 1;
  if (longCode && ((c.accessRights >> 14) & 1) === 1) return raise(c0, s, GP, selectorError(cs));
  if (longCode ? !isCanonical(rip, caps.linearAddressWidth) : (rip & U32) > BigInt(c.limit)) return raise(c0, s, GP, 0);
  const popsStack = w === 8 || rpl > s.cpu.cpl;
  let ss = s.cpu.segments.ss;
  let rsp = movedRsp(s, BigInt(3 * w));
  if (popsStack) {
    const more = peekMany(caps, s, 3, 2, ds, opts);
    if (!more.ok) return more.result;
    s = more.state;
    const [newRsp, ssWord] = more.value as [bigint, bigint];
    const ssSel = Number(ssWord & 0xffffn);
    if ((ssSel & 0xfffc) === 0) {
      if (!(longCode && rpl < 3)) return raise(c0, s, GP, 0);
      ss = { ...unusableSegment(ssSel), accessRights: UNUSABLE | (rpl << 5) };
    } else {
      if ((ssSel & 3) !== rpl) return raise(c0, s, GP, selectorError(ssSel));
      const stack = readDescriptor(caps, s, ssSel, false, ds, { nmiUnblockingDueToIret: c0.unblocked });
      if (!stack.ok) return stack.result;
      s = stack.state;
      if (!isWritableData(stack.d) || stack.d.dpl !== rpl) return raise(c0, s, GP, selectorError(ssSel));
      if (!stack.d.present) return raise(c0, s, SS, selectorError(ssSel));
      ss = segmentFrom(ssSel, stack.d);
    }
    rsp = w === 8 ? newRsp : newRsp & U32;
  }
  const cpl = s.cpu.cpl;
  let changeable = BigInt(ALWAYS);
  if (cpl <= iopl(s)) changeable |= IF;
  if (cpl === 0) changeable |= IOPL | VIF_VIP;
  const rflags = (s.cpu.rflags & ~changeable) | (flags & changeable) | 2n;
  const segments = { ...s.cpu.segments, cs: segmentFrom(cs, c), ss };
  return retire(before, i, s, {
    rip: longCode ? rip : rip & U32,
    rflags,
    cpl: rpl,
    csL: longCode,
    segments: rpl > cpl ? nullInaccessible(segments, rpl) : segments,
    ...withReg(s.cpu, RSP, rsp),
  }, ds);
};

export const executeIret = (caps: Capabilities, before: VtxState, i: Iret, taskSwitch: (s: VtxState, ds: readonly Decision[], nmiUnblockingDueToIret: boolean) => NonRootResult): NonRootResult => {
  const { state: s, decisions: ds, unblocked } = unblockNmis(before);
  // An EPT violation on IRET's own accesses reports the unblocking in its qualification (bit 12).
  const c: IretContext = { caps, ds, opts: { nmiUnblockingByIret: unblocked }, unblocked };
  if (inRealMode(s)) return realModeIret(c, s, i);
  if (inV86Mode(s)) return iopl(s) === 3 ? realModeIret(c, s, i) : raise(c, s, GP, 0);
  if ((s.cpu.rflags & NT) !== 0n) return taskSwitch(s, ds, unblocked);
  return protectedIret(c, s, i);
};
