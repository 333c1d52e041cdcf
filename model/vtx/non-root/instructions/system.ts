/**
 * System instructions whose ordinary behaviour matters to a VMM but that have no exit of their own in
 * VMX non-root operation (Vol. 2; §25.3 for IRET in ./iret.ts): SYSENTER/SYSEXIT, CLI/STI (blocking by
 * STI for one instruction when STI sets IF, Table 24-3), PUSHF/POPF, PUSH CS (#UD in 64-bit mode),
 * MOV SS (blocking by MOV SS for one instruction), INT n / INT3 / INTO / UD2 (raised through
 * ../exceptions.ts, where the exception bitmap decides between delivery and a VM exit), x87 and SSE
 * use (#NM / #UD per CR0.EM, CR0.TS and CR4.OSFXSR — the paper's lazy-FPU recipe), and far CALL/JMP,
 * which can only start task switches here (./task-switch.ts, EXIT.TASKSWITCH).
 *
 * Virtual-mode extensions (CR4.VME/PVI) are not modelled: CLI/STI/PUSHF/POPF/INT n are IOPL-sensitive
 * as without them.
 */
import { match } from 'ts-pattern';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { instructionLength } from '../../../../spec/vtx/guest/length.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { isCanonical } from '../../../../spec/x86/msrs.js';
import type { Capabilities } from '../../capabilities.js';
import { raiseEvent } from '../exceptions.js';
import type { NonRootResult } from '../result.js';
import { movedRsp, peek, push, RSP } from './access.js';
import { isWritableData, readDescriptor, segmentFrom, selectorError, unusableSegment, UNUSABLE } from './descriptors.js';
import { executeIret } from './iret.js';
import { fault, gp, NM, retire, SS, ud } from './outcome.js';
import {
  in64BitMode, inIa32eMode, inRealMode, inV86Mode, iopl, operandBytes, reg, U32, withReg,
} from './operands.js';
import { executeFarTransfer, iretTaskSwitch } from './task-switch.js';

export type SystemInstruction = Extract<GuestInstruction, {
  op: 'SYSENTER' | 'SYSEXIT' | 'CLI' | 'STI' | 'PUSHF' | 'POPF' | 'IRET' | 'PUSH_CS' | 'MOV_TO_SS' | 'INT' | 'INT3' | 'INTO' | 'UD2'
    | 'JMP_FAR' | 'CALL_FAR' | 'FPU' | 'SSE';
}>;

const IF = 1n << 9n, OF = 1n << 11n, IOPL = 3n << 12n, RF = 1n << 16n, VM = 1n << 17n;
// CF PF AF ZF SF TF DF OF NT AC ID: what POPF loads at any privilege level (RF is cleared, VM/VIP/VIF kept).
const POPF_ALWAYS = 0x1n | 0x4n | 0x10n | 0x40n | 0x80n | 0x100n | 0x400n | 0x800n | 0x4000n | 0x4_0000n | 0x20_0000n;
const CR0_EM = 1n << 2n, CR0_TS = 1n << 3n, CR4_OSFXSR = 1n << 9n;
const RCX = 1, RDX = 2;
const FLAT = 0xffff_ffff;

/** CLI/STI/PUSHF/POPF/INT n: IOPL-sensitive in protected mode (CPL > IOPL) and in virtual-8086 mode (IOPL < 3). */
const iopLSensitiveFault = (s: VtxState, v86Only = false): boolean =>
  !inRealMode(s) && (inV86Mode(s) ? iopl(s) < 3 : !v86Only && s.cpu.cpl > iopl(s));

const sysenter = (caps: Capabilities, s: VtxState, i: SystemInstruction): NonRootResult => {
  const cs = Number((s.cpu.msrs.get(0x174) ?? 0n) & 0xffffn);
  if (inRealMode(s) || (cs & 0xfffc) === 0) return gp(caps, s, []);
  const ia32e = inIa32eMode(s);
  const eip = s.cpu.msrs.get(0x176) ?? 0n;
  const esp = s.cpu.msrs.get(0x175) ?? 0n;
  return retire(s, i, s, {
    rip: ia32e ? eip : eip & U32,
    ...withReg(s.cpu, RSP, ia32e ? esp : esp & U32),
    cpl: 0,
    csL: ia32e,
    rflags: s.cpu.rflags & ~(VM | IF | RF),
    segments: {
      ...s.cpu.segments,
      cs: { selector: cs & 0xfffc, base: 0n, limit: FLAT, accessRights: ia32e ? 0xa09b : 0xc09b },
      ss: { selector: (cs + 8) & 0xfffc, base: 0n, limit: FLAT, accessRights: 0xc093 },
    },
  }, []);
};

const sysexit = (caps: Capabilities, s: VtxState, i: SystemInstruction): NonRootResult => {
  const cs = Number((s.cpu.msrs.get(0x174) ?? 0n) & 0xffffn);
  if (inRealMode(s) || (cs & 0xfffc) === 0 || s.cpu.cpl !== 0) return gp(caps, s, []);
  const long = in64BitMode(s);
  const rip = long ? reg(s, RDX) : reg(s, RDX) & U32;
  if (long && !isCanonical(rip, caps.linearAddressWidth)) return gp(caps, s, []);
  return retire(s, i, s, {
    rip,
    ...withReg(s.cpu, RSP, long ? reg(s, RCX) : reg(s, RCX) & U32),
    cpl: 3,
    csL: long,
    segments: {
      ...s.cpu.segments,
      cs: { selector: ((cs + (long ? 32 : 16)) & 0xfffc) | 3, base: 0n, limit: FLAT, accessRights: long ? 0xa0fb : 0xc0fb },
      ss: { selector: ((cs + (long ? 40 : 24)) & 0xfffc) | 3, base: 0n, limit: FLAT, accessRights: 0xc0f3 },
    },
  }, []);
};

const popf = (caps: Capabilities, s: VtxState, i: SystemInstruction): NonRootResult => {
  if (iopLSensitiveFault(s, true)) return gp(caps, s, []);
  const top = peek(caps, s, 0, []);
  if (!top.ok) return top.result;
  const after = top.state;
  let changeable = POPF_ALWAYS;
  if (s.cpu.cpl <= iopl(s) || inRealMode(s)) changeable |= IF;
  if (s.cpu.cpl === 0 || inRealMode(s)) changeable |= IOPL;
  const w = operandBytes(s);
  const loaded = (s.cpu.rflags & ~changeable & ~RF) | (top.value & changeable) | 2n;
  return retire(s, i, after, { rflags: loaded, ...withReg(s.cpu, RSP, movedRsp(s, BigInt(w))) }, []);
};

/** MOV SS, r16 (Vol. 2 "MOV"): loads SS and blocks events until the next instruction completes. */
const movToSs = (caps: Capabilities, s: VtxState, i: Extract<SystemInstruction, { op: 'MOV_TO_SS' }>): NonRootResult => {
  const selector = Number(reg(s, i.src) & 0xffffn);
  const done = (ss: VtxState['cpu']['segments']['ss'], after: VtxState = s): NonRootResult => {
    const r = retire(s, i, after, { segments: { ...s.cpu.segments, ss }, blockingByMovSs: true }, []);
    // Only the first of consecutive SS loads is guaranteed to block (Vol. 3A §6.8.3): the next may not.
    return s.cpu.blockingByMovSs ? { ...r, alternatives: [{ ...r, state: { ...r.state, cpu: { ...r.state.cpu, blockingByMovSs: false } } }] } : r;
  };
  if (inRealMode(s) || inV86Mode(s)) return done({ ...s.cpu.segments.ss, selector, base: BigInt(selector) << 4n });
  if ((selector & 0xfffc) === 0) {
    if (in64BitMode(s) && s.cpu.cpl < 3 && (selector & 3) === s.cpu.cpl) return done({ ...unusableSegment(selector), accessRights: UNUSABLE | (s.cpu.cpl << 5) });
    return gp(caps, s, []);
  }
  // The pseudocode ORs the RPL check with the descriptor checks: whether RPL ≠ CPL is found before the
  // descriptor read (and a fault of that read) is not fixed, so both orders are permitted.
  const rplBad = (selector & 3) !== s.cpu.cpl;
  const read = readDescriptor(caps, s, selector, false, []);
  if (!read.ok) return rplBad ? { ...gp(caps, s, [], selectorError(selector)), alternatives: [read.result] } : read.result;
  if (rplBad || !isWritableData(read.d) || read.d.dpl !== s.cpu.cpl) return gp(caps, read.state, [], selectorError(selector));
  if (!read.d.present) return fault(caps, read.state, SS, selectorError(selector), []);
  return done(segmentFrom(selector, read.d), read.state);
};

const softwareEvent = (caps: Capabilities, s: VtxState, i: SystemInstruction, vector: number, type: 'software-interrupt' | 'software-exception'): NonRootResult =>
  raiseEvent(caps, s, { vector, type, errorCode: null, instructionLength: instructionLength(i) }, []);

export const executeSystem = (caps: Capabilities, s: VtxState, i: SystemInstruction): NonRootResult =>
  match(i)
    .with({ op: 'SYSENTER' }, () => sysenter(caps, s, i))
    .with({ op: 'SYSEXIT' }, () => sysexit(caps, s, i))
    .with({ op: 'CLI' }, () => (iopLSensitiveFault(s) ? gp(caps, s, []) : retire(s, i, s, { rflags: s.cpu.rflags & ~IF & ~RF }, [])))
    .with({ op: 'STI' }, () => {
      if (iopLSensitiveFault(s)) return gp(caps, s, []);
      // STI blocks events for one instruction only when it changes IF from 0 to 1 (Table 24-3).
      return retire(s, i, s, { rflags: (s.cpu.rflags | IF) & ~RF, blockingBySti: (s.cpu.rflags & IF) === 0n }, []);
    })
    .with({ op: 'PUSHF' }, () => {
      if (iopLSensitiveFault(s, true)) return gp(caps, s, []);
      const pushed = push(caps, s, s.cpu.rflags & ~(VM | RF), []);
      return pushed.ok ? retire(s, i, pushed.value, {}, []) : pushed.result;
    })
    .with({ op: 'POPF' }, () => popf(caps, s, i))
    .with({ op: 'IRET' }, (v) => executeIret(caps, s, v, (after: VtxState, ds: readonly Decision[], unblocked: boolean) => iretTaskSwitch(caps, after, i, ds, unblocked)))
    .with({ op: 'PUSH_CS' }, () => {
      if (in64BitMode(s)) return ud(caps, s, []);
      const pushed = push(caps, s, BigInt(s.cpu.segments.cs.selector), []);
      return pushed.ok ? retire(s, i, pushed.value, {}, []) : pushed.result;
    })
    .with({ op: 'MOV_TO_SS' }, (v) => movToSs(caps, s, v))
    .with({ op: 'INT' }, (v) => (iopLSensitiveFault(s, true) ? gp(caps, s, []) : softwareEvent(caps, s, i, v.vector & 0xff, 'software-interrupt')))
    .with({ op: 'INT3' }, () => softwareEvent(caps, s, i, 3, 'software-exception'))
    .with({ op: 'INTO' }, () => {
      if (in64BitMode(s)) return ud(caps, s, []);
      return (s.cpu.rflags & OF) !== 0n ? softwareEvent(caps, s, i, 4, 'software-exception') : retire(s, i, s, {}, []);
    })
    .with({ op: 'UD2' }, () => ud(caps, s, []))
    .with({ op: 'JMP_FAR' }, { op: 'CALL_FAR' }, (v) => executeFarTransfer(caps, s, v))
    .with({ op: 'FPU' }, () => ((s.cpu.cr0 & (CR0_EM | CR0_TS)) !== 0n ? fault(caps, s, NM, null, []) : retire(s, i, s, {}, [])))
    .with({ op: 'SSE' }, () => {
      if ((s.cpu.cr0 & CR0_EM) !== 0n || (s.cpu.cr4 & CR4_OSFXSR) === 0n) return ud(caps, s, []);
      return (s.cpu.cr0 & CR0_TS) !== 0n ? fault(caps, s, NM, null, []) : retire(s, i, s, {}, []);
    })
    .exhaustive();
