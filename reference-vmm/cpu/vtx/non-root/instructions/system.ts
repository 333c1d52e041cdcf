/**
 * System instructions without exits of their own whose behaviour a VMM relies on: SYSENTER/SYSEXIT
 * (Vol. 2B), CLI/STI (blocking by STI, Table 24-3), PUSHF/POPF, IRET (with NMI unblocking as
 * VMX changes it: CHANGED.IRET.NMI, CHANGED.IRET.VNMI), PUSH CS, MOV SS (blocking by MOV SS),
 * INT n/INT3/INTO (software interrupts and exceptions), UD2, far JMP/CALL to a TSS or task gate
 * (EXIT.TASKSWITCH), x87 and SSE use (#NM/#UD from CR0.EM/TS and CR4.OSFXSR).
 * Stack operations are 8 bytes in 64-bit mode and 4 bytes otherwise (32-bit stacks). IRET is IRETQ in
 * 64-bit mode and IRETD in protected mode (NT = 1 there: a task return, which exits).
 */
import type { GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import { accessRightsOf, baseOf, limitOf, raiseEvent, readDescriptor } from '../delivery.js';
import { bitOf, CR0, GuestFault, MASK64, RFLAGS, type Guest } from '../guest.js';
import { linearOf, readLinear, writeLinear } from '../memory.js';
import { gp0, instructionExit, ud, type Exec } from './common.js';

/** RFLAGS bits POPF/IRET may write at CPL 0 (VM, VIF, VIP excepted; RF cleared). */
const POPF_WRITABLE = 0x3f_7fd5n & ~(RFLAGS.VM | RFLAGS.RF | (3n << 19n));

/** Stack operand size: 8 bytes in 64-bit mode, else 4 (the 32-bit guests use a 32-bit stack). */
export const stackBytes = (g: Guest): 4 | 8 => (g.mode64 ? 8 : 4);
const stackMask = (g: Guest): bigint => (g.mode64 ? MASK64 : 0xffff_ffffn);

export const push = (g: Guest, value: bigint): void => {
  const n = stackBytes(g);
  const rsp = (g.cpu.rsp - BigInt(n)) & stackMask(g);
  writeLinear(g, linearOf(g, 'ss', rsp), n, value & (n === 8 ? MASK64 : 0xffff_ffffn), { segment: 'ss' });
  g.cpu.rsp = rsp;
};

/** The value `k` slots above the top of the stack. */
export const peek = (g: Guest, k = 0): bigint => {
  const n = stackBytes(g);
  return readLinear(g, linearOf(g, 'ss', (g.cpu.rsp + BigInt(n * k)) & stackMask(g)), n, { segment: 'ss' });
};

export const pop = (g: Guest): bigint => {
  const value = peek(g);
  g.cpu.rsp = (g.cpu.rsp + BigInt(stackBytes(g))) & stackMask(g);
  return value;
};

/** RFLAGS after POPF/IRET loads `v`: IOPL only at CPL 0, IF only when CPL <= IOPL; IRET also loads RF. */
const loadFlags = (g: Guest, v: bigint, iret = false): void => {
  const cpu = g.cpu;
  let writable = POPF_WRITABLE | (iret ? RFLAGS.RF : 0n);
  if (cpu.cpl > 0) writable &= ~RFLAGS.IOPL;
  if (cpu.cpl > g.iopl) writable &= ~RFLAGS.IF;
  cpu.rflags = (cpu.rflags & ~writable & ~RFLAGS.RF) | (v & writable) | 2n;
};

const iret = (g: Guest, x: Exec): void => {
  const cpu = g.cpu;
  if (!g.protectedMode || g.v86) throw ud(); // real-mode and virtual-8086 IRET are not modelled
  // NMI unblocking happens even if IRET then faults (§25.3, §27.2.2 bit 12).
  const unblocks = cpu.blockingByNmi && (!g.on('pin.NMI_EXITING') || g.on('pin.VIRTUAL_NMIS'));
  if (unblocks) {
    cpu.blockingByNmi = false;
    g.iretUnblockedNmi = true;
  }
  if ((cpu.rflags & RFLAGS.NT) !== 0n) {
    if (g.longMode) throw gp0();
    // Task return to the back link of the current TSS: a task switch, which exits (source 1 = IRET).
    const link = readLinear(g, cpu.segments.tr.base & 0xffff_ffffn, 2, { align: 1, supervisor: true });
    instructionExit(g, x, 9, { qualification: link | (1n << 30n) });
  }
  const rip = peek(g, 0);
  const cs = Number(peek(g, 1) & 0xffffn);
  const flags = peek(g, 2);
  const rpl = cs & 3;
  // 64-bit mode always pops SS:RSP; protected mode only on a return to an outer level.
  const popsStack = g.mode64 || rpl > cpu.cpl;
  const rsp = popsStack ? peek(g, 3) : (cpu.rsp + BigInt(3 * stackBytes(g))) & 0xffff_ffffn;
  const ss = popsStack ? Number(peek(g, 4) & 0xffffn) : cpu.segments.ss.selector;
  if ((cs & 0xfffc) === 0) throw gp0();
  if (rpl < cpu.cpl) throw new GuestFault(13, cs & 0xfffc);
  const d = readDescriptor(g, cs, 0);
  const ar = accessRightsOf(d);
  if (!bitOf(d, 44) || !bitOf(d, 43)) throw new GuestFault(13, cs & 0xfffc);
  const dpl = (ar >> 5) & 3;
  if (bitOf(d, 42) ? dpl > rpl : dpl !== rpl) throw new GuestFault(13, cs & 0xfffc);
  if (!bitOf(d, 47)) throw new GuestFault(11, cs & 0xfffc);
  const long = g.longMode && bitOf(d, 53);
  if (long && !g.caps.canonical(rip)) throw gp0();
  let ssSegment = { selector: ss, base: 0n, limit: 0, accessRights: 0x1_0000 | (rpl << 5) };
  if (!popsStack) {
    ssSegment = cpu.segments.ss;
  } else if ((ss & 0xfffc) === 0) {
    if (rpl === 3 || !long) throw gp0();
  } else {
    const sd = readDescriptor(g, ss, 0);
    const sar = accessRightsOf(sd);
    if ((ss & 3) !== rpl || ((sar >> 5) & 3) !== rpl || !bitOf(sd, 44) || bitOf(sd, 43) || !bitOf(sd, 41)) throw new GuestFault(13, ss & 0xfffc);
    if (!bitOf(sd, 47)) throw new GuestFault(12, ss & 0xfffc);
    ssSegment = { selector: ss, base: g.longMode ? 0n : baseOf(sd), limit: limitOf(sd), accessRights: sar };
  }
  loadFlags(g, flags, true);
  if (rpl > cpu.cpl) {
    // Return to an outer level: data segments (and non-conforming code) more privileged than the new CPL become null.
    for (const k of ['es', 'ds', 'fs', 'gs'] as const) {
      const seg = cpu.segments[k];
      const dpl = (seg.accessRights >> 5) & 3;
      const conformingCode = (seg.accessRights & 0xc) === 0xc;
      if ((seg.accessRights & 0x1_0000) === 0 && dpl < rpl && !conformingCode) cpu.segments[k] = { selector: 0, base: seg.base, limit: 0, accessRights: 0x1_0000 };
    }
  }
  cpu.segments.cs = { selector: cs, base: g.longMode ? 0n : baseOf(d), limit: limitOf(d), accessRights: ar };
  cpu.segments.ss = ssSegment;
  cpu.cpl = rpl;
  cpu.csL = long;
  cpu.rsp = long ? rsp : rsp & 0xffff_ffffn;
  cpu.rip = long ? rip : rip & 0xffff_ffffn;
};

const sysenter = (g: Guest): void => {
  const cpu = g.cpu;
  const cs = Number((cpu.msrs.get(0x174) ?? 0n) & 0xffffn);
  if (!g.protectedMode || (cs & 0xfffc) === 0) throw gp0();
  const l = g.longMode;
  cpu.rflags &= ~(RFLAGS.VM | RFLAGS.IF | RFLAGS.RF);
  cpu.segments.cs = { selector: cs & 0xfffc, base: 0n, limit: 0xffff_ffff, accessRights: l ? 0xa09b : 0xc09b };
  cpu.segments.ss = { selector: (cs & 0xfffc) + 8, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 };
  cpu.cpl = 0;
  cpu.csL = l;
  cpu.rsp = l ? (cpu.msrs.get(0x175) ?? 0n) : (cpu.msrs.get(0x175) ?? 0n) & 0xffff_ffffn;
  cpu.rip = l ? (cpu.msrs.get(0x176) ?? 0n) : (cpu.msrs.get(0x176) ?? 0n) & 0xffff_ffffn;
};

const sysexit = (g: Guest): void => {
  const cpu = g.cpu;
  const cs = Number((cpu.msrs.get(0x174) ?? 0n) & 0xffffn);
  if (!g.protectedMode || (cs & 0xfffc) === 0 || cpu.cpl !== 0) throw gp0();
  if (!g.longMode) throw ud(); // REX.W SYSEXIT returns to 64-bit code (IA-32e mode only)
  const rip = g.reg(2);
  const rsp = g.reg(1);
  if (!g.caps.canonical(rip) || !g.caps.canonical(rsp)) throw gp0();
  cpu.segments.cs = { selector: ((cs + 32) & 0xfffc) | 3, base: 0n, limit: 0xffff_ffff, accessRights: 0xa0fb };
  cpu.segments.ss = { selector: ((cs + 40) & 0xfffc) | 3, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0f3 };
  cpu.cpl = 3;
  cpu.csL = true;
  cpu.rsp = rsp;
  cpu.rip = rip;
};

const movToSs = (g: Guest, selector: number): void => {
  const cpu = g.cpu;
  const err = selector & 0xfffc;
  if ((selector & 0xfffc) === 0) {
    if (!g.mode64 || cpu.cpl === 3 || (selector & 3) !== cpu.cpl) throw gp0();
    cpu.segments.ss = { selector, base: 0n, limit: 0, accessRights: 0x1_0000 | (cpu.cpl << 5) };
    return;
  }
  const d = readDescriptor(g, selector, 0);
  const ar = accessRightsOf(d);
  if ((selector & 3) !== cpu.cpl || ((ar >> 5) & 3) !== cpu.cpl || !bitOf(d, 44) || bitOf(d, 43) || !bitOf(d, 41)) throw new GuestFault(13, err);
  if (!bitOf(d, 47)) throw new GuestFault(12, err);
  cpu.segments.ss = { selector, base: g.mode64 ? 0n : (d >> 16n) & 0xff_ffffn | (((d >> 56n) & 0xffn) << 24n), limit: limitOf(d), accessRights: ar };
};

export const executeSystem = (g: Guest, i: GuestInstruction, x: Exec): boolean => {
  const cpu = g.cpu;
  switch (i.op) {
    case 'SYSENTER': sysenter(g); x.branch = cpu.rip; return true;
    case 'SYSEXIT': sysexit(g); x.branch = cpu.rip; return true;
    case 'CLI':
      if (g.protectedMode && cpu.cpl > g.iopl) throw gp0();
      cpu.rflags &= ~RFLAGS.IF;
      return true;
    case 'STI':
      if (g.protectedMode && cpu.cpl > g.iopl) throw gp0();
      if ((cpu.rflags & RFLAGS.IF) === 0n) x.setSti = true;
      cpu.rflags |= RFLAGS.IF;
      return true;
    case 'PUSHF': push(g, cpu.rflags & ~(RFLAGS.VM | RFLAGS.RF)); return true;
    case 'POPF': loadFlags(g, pop(g)); return true;
    case 'IRET': iret(g, x); x.branch = cpu.rip; return true;
    case 'PUSH_CS':
      if (g.mode64) throw ud();
      push(g, BigInt(cpu.segments.cs.selector));
      return true;
    case 'MOV_TO_SS': movToSs(g, Number(g.reg(i.src) & 0xffffn)); x.setMovSs = true; return true;
    case 'INT':
      return raiseEvent(g, { vector: i.vector & 0xff, type: 'software-interrupt', errorCode: null, length: x.length });
    case 'INT3':
      return raiseEvent(g, { vector: 3, type: 'software-exception', errorCode: null, length: x.length });
    case 'INTO':
      if (g.mode64) throw ud();
      if ((cpu.rflags & RFLAGS.OF) === 0n) return true;
      return raiseEvent(g, { vector: 4, type: 'software-exception', errorCode: null, length: x.length });
    case 'UD2': throw ud();
    case 'JMP_FAR': case 'CALL_FAR': {
      const selector = i.selector & 0xffff;
      if ((selector & 0xfffc) === 0) throw gp0();
      const d = readDescriptor(g, selector, 0);
      // IA-32e mode has no task switching: a TSS or task-gate selector is #GP (Vol. 3A §7.7).
      if (g.longMode) throw new GuestFault(13, selector & 0xfffc);
      const type = Number((d >> 40n) & 0x1fn);
      if (type === 0x09 || type === 0x01 || type === 0x05) {
        // The TSS descriptor or task gate needs DPL >= CPL and DPL >= RPL (Vol. 3A §7.3).
        const dpl = Number((d >> 45n) & 3n);
        if (dpl < cpu.cpl || dpl < (selector & 3)) throw new GuestFault(13, selector & 0xfffc);
        if (!bitOf(d, 47)) throw new GuestFault(11, selector & 0xfffc);
        const source = i.op === 'CALL_FAR' ? 0n : 2n;
        const tss = type === 0x05 ? BigInt(Number((d >> 16n) & 0xffffn)) : BigInt(selector);
        instructionExit(g, x, 9, { qualification: tss | (source << 30n) });
      }
      throw new GuestFault(13, selector & 0xfffc);
    }
    case 'FPU':
      if ((cpu.cr0 & (CR0.EM | CR0.TS)) !== 0n) throw new GuestFault(7, null);
      return true;
    case 'SSE':
      if ((cpu.cr0 & CR0.EM) !== 0n || !bitOf(cpu.cr4, 9)) throw ud();
      if ((cpu.cr0 & CR0.TS) !== 0n) throw new GuestFault(7, null);
      return true;
    default: return false;
  }
};

