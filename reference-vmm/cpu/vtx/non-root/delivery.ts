/**
 * Exceptions and interrupts in the guest: the exception bitmap and the #PF error-code mask/match
 * (§25.2, EXIT.EXCEPTION.BITMAP, EXIT.EXCEPTION.PF), delivery through the guest IDT (Vol. 3A §6.12:
 * 16-byte gates in IA-32e mode with TSS.RSP0/IST on a privilege change §6.14; 8-byte gates in
 * protected mode §6.12.1; the real-mode IVT §20.1.4), exceptions during delivery (Vol. 3A §6.15
 * Table 6-5: serial handling, #DF, triple fault — EXIT.TRIPLEFAULT) with IDT-vectoring information
 * for exits they cause (§27.2.3), task gates (EXIT.TASKSWITCH).
 */
import type { NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import { eventInfo, exitDuringDelivery, exitWith } from './exits.js';
import {
  CR0, exitInformation, GuestFault, isSoftware, MASK64, pushesRfSet, RFLAGS, StepDone, type DeliveredEvent, type Guest,
} from './guest.js';
import { probeWrite, readLinear, storeBytes } from './memory.js';

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);
type ExcClass = 'benign' | 'contributory' | 'page-fault';
const classOf = (e: DeliveredEvent): ExcClass =>
  e.type !== 'hardware-exception' ? 'benign' : e.vector === 14 ? 'page-fault' : CONTRIBUTORY.has(e.vector) ? 'contributory' : 'benign';

const isException = (e: DeliveredEvent): boolean =>
  e.type === 'hardware-exception' || e.type === 'software-exception' || e.type === 'privileged-software-exception';

/** EXIT.EXCEPTION.BITMAP / EXIT.EXCEPTION.PF: whether the exception causes a VM exit. */
export const exceptionExits = (g: Guest, vector: number, errorCode: number | null): boolean => {
  const inBitmap = bit(g.f('EXCEPTION_BITMAP'), vector);
  if (vector !== 14) return inBitmap;
  const pfec = BigInt(errorCode ?? 0);
  const matches = (pfec & g.f('PAGE_FAULT_ERROR_CODE_MASK')) === g.f('PAGE_FAULT_ERROR_CODE_MATCH');
  return matches ? inBitmap : !inBitmap;
};

/** Reads a segment descriptor of the GDT (implicit supervisor access); #GP(selector) past the limit or for the LDT. */
export const readDescriptor = (g: Guest, selector: number, ext: number): bigint => {
  const index = selector & 0xfff8;
  if ((selector & 4) !== 0 || index + 7 > g.cpu.gdtr.limit) throw new GuestFault(13, (selector & 0xfffc) | ext);
  return readLinear(g, (g.cpu.gdtr.base + BigInt(index)) & MASK64, 8, { align: 1, supervisor: true });
};

/** Access rights in the VMCS format (bits 7:0 type/S/DPL/P, 15:12 AVL/L/D/G) of a descriptor. */
export const accessRightsOf = (d: bigint): number => Number(((d >> 40n) & 0xffn) | (((d >> 52n) & 0xfn) << 12n));
export const limitOf = (d: bigint): number => {
  const raw = Number((d & 0xffffn) | (((d >> 48n) & 0xfn) << 16n));
  return bit(d, 55) ? ((raw * 0x1000) + 0xfff) >>> 0 : raw;
};
export const baseOf = (d: bigint): bigint => ((d >> 16n) & 0xff_ffffn) | (((d >> 56n) & 0xffn) << 24n);

const pushedRip = (g: Guest, e: DeliveredEvent): bigint =>
  (g.cpu.rip + (isSoftware(e.type) && e.length !== undefined ? BigInt(e.length) : 0n)) & MASK64;

const pushedFlags = (g: Guest, e: DeliveredEvent): bigint => (pushesRfSet(e) ? g.cpu.rflags | RFLAGS.RF : g.cpu.rflags);

/** EXT (bit 0 of error codes of exceptions during delivery): 0 only for INT n, INT3 and INTO. */
const extOf = (e: DeliveredEvent): number => (e.type === 'software-interrupt' || e.type === 'software-exception' ? 0 : 1);

/** A task gate in the IDT: the task switch exits (qualification source 3, §27.2.1 Table 27-2). */
const taskGate = (g: Guest, selector: number): never => {
  throw new StepDone(exitDuringDelivery(g, exitInformation(9, { qualification: BigInt(selector) | (3n << 30n) })));
};

/** Common commit of a delivery: flags, blocking, activity, CR2. */
const commonCommit = (g: Guest, e: DeliveredEvent, clearIf: boolean): void => {
  const cpu = g.cpu;
  cpu.rflags &= ~(RFLAGS.TF | RFLAGS.NT | RFLAGS.RF | RFLAGS.VM | (clearIf ? RFLAGS.IF : 0n));
  cpu.blockingBySti = false;
  cpu.blockingByMovSs = false;
  cpu.activity = 'active';
  if (e.type === 'nmi') cpu.blockingByNmi = true;
};

const deliverLongMode = (g: Guest, e: DeliveredEvent): void => {
  const cpu = g.cpu;
  const ext = extOf(e);
  const v = e.vector;
  const gateError = v * 8 + 2 + ext;
  if (16 * v + 15 > cpu.idtr.limit) throw new GuestFault(13, gateError);
  const lo = readLinear(g, (cpu.idtr.base + BigInt(16 * v)) & MASK64, 8, { align: 1, supervisor: true });
  const hi = readLinear(g, (cpu.idtr.base + BigInt(16 * v + 8)) & MASK64, 8, { align: 1, supervisor: true });
  const type = Number((lo >> 40n) & 0xfn);
  const dpl = Number((lo >> 45n) & 3n);
  if (type !== 14 && type !== 15) throw new GuestFault(13, gateError);
  if ((e.type === 'software-interrupt' || e.type === 'software-exception') && dpl < cpu.cpl) throw new GuestFault(13, v * 8 + 2);
  if (!bit(lo, 47)) throw new GuestFault(11, gateError);
  const selector = Number((lo >> 16n) & 0xffffn);
  const offset = (lo & 0xffffn) | (((lo >> 48n) & 0xffffn) << 16n) | ((hi & 0xffff_ffffn) << 32n);
  if ((selector & 0xfffc) === 0) throw new GuestFault(13, ext);
  const d = readDescriptor(g, selector, ext);
  const selError = (selector & 0xfffc) | ext;
  const ar = accessRightsOf(d);
  if (!bit(d, 44) || !bit(d, 43)) throw new GuestFault(13, selError);
  const csDpl = (ar >> 5) & 3;
  const conforming = bit(d, 42);
  if (csDpl > cpu.cpl) throw new GuestFault(13, selError);
  if (!bit(d, 47)) throw new GuestFault(11, selError);
  if (!bit(d, 53) || bit(d, 54)) throw new GuestFault(13, selError);
  if (!g.caps.canonical(offset)) throw new GuestFault(13, ext);
  const newCpl = conforming ? cpu.cpl : csDpl;
  const ist = Number((lo >> 32n) & 7n);
  let rsp = cpu.rsp;
  if (ist !== 0) rsp = readLinear(g, cpu.segments.tr.base + BigInt(0x24 + 8 * (ist - 1)), 8, { align: 1, supervisor: true });
  else if (newCpl < cpu.cpl) rsp = readLinear(g, cpu.segments.tr.base + BigInt(4 + 8 * newCpl), 8, { align: 1, supervisor: true });
  rsp &= ~0xfn;
  const frame = [BigInt(cpu.segments.ss.selector), cpu.rsp, pushedFlags(g, e), BigInt(cpu.segments.cs.selector), pushedRip(g, e)];
  if (e.errorCode !== null) frame.push(BigInt(e.errorCode >>> 0));
  if (!g.caps.canonical((rsp - BigInt(8 * frame.length)) & MASK64)) throw new GuestFault(12, ext);
  // The processor's own pushes have no alignment rule (the abstraction's rule is for instruction operands).
  const slots = frame.map((_, i) => probeWrite(g, (rsp - BigInt(8 * (i + 1))) & MASK64, 8, { segment: 'ss', supervisor: newCpl < 3, align: 1 }));
  frame.forEach((value, i) => storeBytes(g, slots[i]!, value));
  commonCommit(g, e, type === 14);
  if (newCpl < cpu.cpl) cpu.segments.ss = { selector: newCpl, base: 0n, limit: 0, accessRights: 0x1_0000 | (newCpl << 5) };
  cpu.segments.cs = { selector: (selector & 0xfffc) | newCpl, base: 0n, limit: limitOf(d), accessRights: ar };
  cpu.cpl = newCpl;
  cpu.csL = true;
  cpu.rsp = (rsp - BigInt(8 * frame.length)) & MASK64;
  cpu.rip = offset;
};

const deliverProtected = (g: Guest, e: DeliveredEvent): void => {
  const cpu = g.cpu;
  const ext = extOf(e);
  const v = e.vector;
  const gateError = v * 8 + 2 + ext;
  if (8 * v + 7 > cpu.idtr.limit) throw new GuestFault(13, gateError);
  const gate = readLinear(g, (cpu.idtr.base + BigInt(8 * v)) & 0xffff_ffffn, 8, { align: 1, supervisor: true });
  const type = Number((gate >> 40n) & 0xfn);
  const dpl = Number((gate >> 45n) & 3n);
  if (type !== 5 && type !== 14 && type !== 15) throw new GuestFault(13, gateError);
  if ((e.type === 'software-interrupt' || e.type === 'software-exception') && dpl < cpu.cpl) throw new GuestFault(13, v * 8 + 2);
  if (!bit(gate, 47)) throw new GuestFault(11, gateError);
  const selector = Number((gate >> 16n) & 0xffffn);
  if (type === 5) taskGate(g, selector);
  const offset = (gate & 0xffffn) | (((gate >> 48n) & 0xffffn) << 16n);
  if ((selector & 0xfffc) === 0) throw new GuestFault(13, ext);
  const d = readDescriptor(g, selector, ext);
  const selError = (selector & 0xfffc) | ext;
  const ar = accessRightsOf(d);
  if (!bit(d, 44) || !bit(d, 43)) throw new GuestFault(13, selError);
  const csDpl = (ar >> 5) & 3;
  if (csDpl > cpu.cpl) throw new GuestFault(13, selError);
  if (!bit(d, 47)) throw new GuestFault(11, selError);
  const newCpl = bit(d, 42) ? cpu.cpl : csDpl;
  let esp = cpu.rsp & 0xffff_ffffn;
  let ssBase = cpu.segments.ss.base;
  let newSs: { selector: number; d: bigint } | null = null;
  if (newCpl < cpu.cpl) {
    const tss = cpu.segments.tr.base;
    esp = readLinear(g, tss + BigInt(4 + 8 * newCpl), 4, { align: 1, supervisor: true });
    const ssSel = Number(readLinear(g, tss + BigInt(8 + 8 * newCpl), 2, { align: 1, supervisor: true }));
    const sd = readDescriptor(g, ssSel, ext);
    if ((ssSel & 3) !== newCpl || ((accessRightsOf(sd) >> 5) & 3) !== newCpl || !bit(sd, 44) || bit(sd, 43) || !bit(sd, 41)) throw new GuestFault(10, (ssSel & 0xfffc) | ext);
    if (!bit(sd, 47)) throw new GuestFault(12, (ssSel & 0xfffc) | ext);
    newSs = { selector: ssSel, d: sd };
    ssBase = baseOf(sd);
  }
  const frame: bigint[] = newSs === null ? [] : [BigInt(cpu.segments.ss.selector), cpu.rsp & 0xffff_ffffn];
  frame.push(pushedFlags(g, e) & 0xffff_ffffn, BigInt(cpu.segments.cs.selector), pushedRip(g, e) & 0xffff_ffffn);
  if (e.errorCode !== null) frame.push(BigInt(e.errorCode >>> 0));
  const slots = frame.map((_, i) =>
    probeWrite(g, (ssBase + ((esp - BigInt(4 * (i + 1))) & 0xffff_ffffn)) & 0xffff_ffffn, 4, { segment: 'ss', supervisor: newCpl < 3, align: 1 }));
  frame.forEach((value, i) => storeBytes(g, slots[i]!, value));
  commonCommit(g, e, type === 14);
  if (newSs !== null) {
    cpu.segments.ss = { selector: newSs.selector, base: baseOf(newSs.d), limit: limitOf(newSs.d), accessRights: accessRightsOf(newSs.d) };
  }
  cpu.segments.cs = { selector: (selector & 0xfffc) | newCpl, base: baseOf(d), limit: limitOf(d), accessRights: ar };
  cpu.cpl = newCpl;
  cpu.rsp = (cpu.rsp & ~0xffff_ffffn) | ((esp - BigInt(4 * frame.length)) & 0xffff_ffffn);
  if (newSs !== null) cpu.rsp = (esp - BigInt(4 * frame.length)) & 0xffff_ffffn;
  cpu.rip = offset;
};

const deliverReal = (g: Guest, e: DeliveredEvent): void => {
  const cpu = g.cpu;
  const v = e.vector;
  if (4 * v + 3 > cpu.idtr.limit) throw new GuestFault(13, null);
  const entry = readLinear(g, (cpu.idtr.base + BigInt(4 * v)) & 0xffff_ffffn, 4, { align: 1, supervisor: true });
  const sp = cpu.rsp & 0xffffn;
  const frame = [pushedFlags(g, e) & 0xffffn, BigInt(cpu.segments.cs.selector), pushedRip(g, e) & 0xffffn];
  const slots = frame.map((_, i) =>
    probeWrite(g, (cpu.segments.ss.base + ((sp - BigInt(2 * (i + 1))) & 0xffffn)) & 0xffff_ffffn, 2, { segment: 'ss', align: 1 }));
  frame.forEach((value, i) => storeBytes(g, slots[i]!, value));
  commonCommit(g, e, true);
  cpu.rflags &= ~RFLAGS.AC;
  const seg = Number(entry >> 16n);
  cpu.segments.cs = { ...cpu.segments.cs, selector: seg, base: BigInt(seg) << 4n };
  cpu.rsp = (cpu.rsp & ~0xffffn) | ((sp - 6n) & 0xffffn);
  cpu.rip = entry & 0xffffn;
};

/**
 * Delivers `e` through the IDT (or IVT); throws GuestFault for an exception during delivery. What
 * happens as delivery starts stays even if it then exits (§27.1): CR2 for #PF, the end of blocking
 * by STI and MOV SS, the active state.
 */
const deliverThroughIdt = (g: Guest, e: DeliveredEvent): void => {
  const cpu = g.cpu;
  if (e.type === 'hardware-exception' && e.vector === 14 && e.pfAddress !== undefined) cpu.cr2 = e.pfAddress;
  cpu.blockingBySti = false;
  cpu.blockingByMovSs = false;
  cpu.activity = 'active';
  if ((g.cpu.cr0 & CR0.PE) === 0n) deliverReal(g, { ...e, errorCode: null });
  else if (g.longMode) deliverLongMode(g, e);
  else deliverProtected(g, e);
};

const delivered = (e: DeliveredEvent): NonRootObservation => ({ kind: 'delivered', vector: e.vector, type: e.type, errorCode: e.errorCode });

const faultEvent = (f: GuestFault): DeliveredEvent => (f.pfAddress === undefined
  ? { vector: f.vector, type: 'hardware-exception', errorCode: f.errorCode }
  : { vector: f.vector, type: 'hardware-exception', errorCode: f.errorCode, pfAddress: f.pfAddress });

/** The exit of an exception caught by the exception bitmap (§27.2.2), `prior` being delivered when it arose. */
const exceptionExit = (g: Guest, raised: DeliveredEvent, prior: DeliveredEvent | null): never => {
  // Real-address mode: no error code (bit 11 is 0, §27.2.2).
  const e = (g.cpu.cr0 & CR0.PE) === 0n ? { ...raised, errorCode: null } : raised;
  const unblock = g.iretUnblockedNmi && prior === null && e.vector !== 8 ? 1 << 12 : 0;
  const qualification = e.vector === 14 && e.pfAddress !== undefined ? (g.mode64 ? e.pfAddress : e.pfAddress & 0xffff_ffffn) : 0n;
  const length = isSoftware(e.type) && e.length !== undefined ? e.length
    : prior !== null && isSoftware(prior.type) && prior.length !== undefined ? prior.length : null;
  throw new StepDone(exitWith(g, exitInformation(0, {
    qualification,
    interruptionInfo: (eventInfo(e) | unblock) >>> 0,
    interruptionErrorCode: e.errorCode,
    idtVectoringInfo: prior === null ? 0 : eventInfo(prior),
    idtVectoringErrorCode: prior === null ? null : prior.errorCode,
    instructionLength: length,
  }), pushesRfSet(e) ? { rf: true } : {}));
};

/**
 * Raises `first` in the guest: a VM exit by the exception bitmap, or delivery through the IDT with
 * the nested-exception rules. Always ends the step (throws StepDone).
 */
export const raiseEvent = (g: Guest, first: DeliveredEvent): never => {
  let current = first;
  let prior: DeliveredEvent | null = null;
  for (;;) {
    if (isException(current) && current.injected !== true && exceptionExits(g, current.vector, current.errorCode)) {
      exceptionExit(g, current, prior);
    }
    g.delivering = current;
    try {
      deliverThroughIdt(g, current);
      g.delivering = null;
      throw new StepDone(delivered(first === current ? first : current));
    } catch (x) {
      if (!(x instanceof GuestFault)) throw x;
      const nested = faultEvent(x);
      g.delivering = null;
      if (current.type === 'hardware-exception' && current.vector === 8) {
        if (exceptionExits(g, nested.vector, nested.errorCode)) exceptionExit(g, nested, current);
        throw new StepDone(exitWith(g, exitInformation(2)));
      }
      const c1 = classOf(current);
      const c2 = classOf(nested);
      if ((c1 === 'contributory' && c2 === 'contributory') || (c1 === 'page-fault' && c2 !== 'benign')) {
        if (exceptionExits(g, nested.vector, nested.errorCode)) exceptionExit(g, nested, current);
        current = { vector: 8, type: 'hardware-exception', errorCode: 0 };
        prior = null;
      } else {
        prior = current;
        current = nested;
      }
    }
  }
};

/** An exception raised by the current instruction (fault or trap semantics decided by the caller). */
export const raiseFault = (g: Guest, f: GuestFault): never => raiseEvent(g, faultEvent(f));
