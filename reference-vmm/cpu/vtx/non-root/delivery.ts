/**
 * Exceptions and interrupts in the guest: the exception bitmap and the #PF error-code mask/match
 * (§25.2, EXIT.EXCEPTION.BITMAP, EXIT.EXCEPTION.PF), delivery through the guest IDT (Vol. 3A §6.12:
 * 16-byte gates in IA-32e mode with TSS.RSP0/IST on a privilege change §6.14, EVENT.DELIVERY.IDT64;
 * 8-byte gates in protected mode §6.12.1, EVENT.DELIVERY.IDT32; the real-mode IVT §20.1.4,
 * EVENT.DELIVERY.IVT), exceptions during delivery (Vol. 3A §6.15 Table 6-5: serial handling, #DF,
 * triple fault — EXIT.TRIPLEFAULT) with IDT-vectoring information for exits they cause (§27.2.3),
 * task gates (EXIT.TASKSWITCH). Events injected by VM entry (§26.5) go through the same code.
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

/**
 * Reads a segment descriptor of the GDT (implicit supervisor access); #GP(selector + EXT) past the limit
 * or for the LDT (EVENT.DELIVERY.CODESEG; the error code keeps TI, EVENT.DELIVERY.ERRORCODE).
 */
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

/**
 * The RIP pushed: the current one for faults, interrupts and hardware exceptions; + the instruction length
 * for software interrupts and exceptions (EVENT.DELIVERY.FRAME) — for injected ones the VM-entry
 * instruction length, for types 4, 5, 6 only (INJECT.RIP). A nested exception carries no length, so its
 * frame holds the guest RIP whatever the injected type.
 */
const pushedRip = (g: Guest, e: DeliveredEvent): bigint =>
  (g.cpu.rip + (isSoftware(e.type) && e.length !== undefined ? BigInt(e.length) : 0n)) & MASK64;

/** RFLAGS pushed: RF = 1 for faults; injected events push the loaded RFLAGS unadjusted (INJECT.SIDEEFFECTS). */
const pushedFlags = (g: Guest, e: DeliveredEvent): bigint => (pushesRfSet(e) ? g.cpu.rflags | RFLAGS.RF : g.cpu.rflags);

/**
 * EXT (bit 0 of error codes of exceptions during delivery, EVENT.DELIVERY.ERRORCODE): 0 only while
 * delivering INT n, INT3 and INTO — injected types 4 and 6 too; 1 for types 0, 2, 3, 5 and for every
 * later nested exception, which is a hardware exception (INJECT.EXT).
 */
const extOf = (e: DeliveredEvent): number => (e.type === 'software-interrupt' || e.type === 'software-exception' ? 0 : 1);

/**
 * A task gate in the IDT (outside IA-32e mode): the task switch exits (qualification source 3, §27.2.1
 * Table 27-2) (EVENT.DELIVERY.TASKGATE).
 */
const taskGate = (g: Guest, selector: number): never => {
  throw new StepDone(exitDuringDelivery(g, exitInformation(9, { qualification: BigInt(selector) | (3n << 30n) })));
};

/**
 * Common commit of a delivery: TF, NT, RF, VM cleared after the push, IF too through an interrupt gate
 * (EVENT.DELIVERY.FLAGS); no STI/MOV-SS blocking, active (EVENT.DELIVERY.WAKE); blocking by NMI after an
 * NMI (EVENT.DELIVERY.NMI).
 */
const commonCommit = (g: Guest, e: DeliveredEvent, clearIf: boolean): void => {
  const cpu = g.cpu;
  cpu.rflags &= ~(RFLAGS.TF | RFLAGS.NT | RFLAGS.RF | RFLAGS.VM | (clearIf ? RFLAGS.IF : 0n));
  cpu.blockingBySti = false;
  cpu.blockingByMovSs = false;
  cpu.activity = 'active';
  if (e.type === 'nmi') cpu.blockingByNmi = true;
};

/**
 * IA-32e mode (Vol. 3A §6.14): the 16-byte gate at IDTR.base + 16·vector, types 14/15 only, #GP past the
 * limit or for another type, #NP when not present (EVENT.DELIVERY.IDT64); the DPL ≥ CPL check only for
 * INT n, INT3, INTO — injected types 4 and 6 (EVENT.DELIVERY.DPL, INJECT.DPL); a present 64-bit code
 * segment with DPL ≤ CPL (EVENT.DELIVERY.CODESEG); the IST slot or RSPn on a privilege change, #TS past
 * the TSS limit, SS := null selector, RSP aligned to 16, #SS(EXT) when not canonical
 * (EVENT.DELIVERY.STACK); then SS, RSP, RFLAGS, CS, RIP [, error code] (EVENT.DELIVERY.FRAME).
 */
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
  // The TSS slot of the new stack: IST n at 24H + 8(n-1), else RSPn at 4 + 8n on a privilege change.
  const slot = ist !== 0 ? 0x24 + 8 * (ist - 1) : newCpl < cpu.cpl ? 4 + 8 * newCpl : null;
  let rsp = cpu.rsp;
  if (slot !== null) {
    if (slot + 7 > cpu.segments.tr.limit) throw new GuestFault(10, (cpu.segments.tr.selector & 0xfffc) | ext);
    rsp = readLinear(g, cpu.segments.tr.base + BigInt(slot), 8, { align: 1, supervisor: true });
  }
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

/**
 * Protected mode (Vol. 3A §6.12): the 8-byte gate at IDTR.base + 8·vector — a task gate (5), a 16-bit
 * (6, 7) or 32-bit (14, 15) interrupt/trap gate; #GP past the limit or for another type, #NP when not
 * present (EVENT.DELIVERY.IDT32); DPL check for INT n, INT3, INTO (EVENT.DELIVERY.DPL, INJECT.DPL); the
 * code segment (EVENT.DELIVERY.CODESEG); SSn:ESPn of the (32-bit) TSS on a privilege change, #TS past the
 * TSS limit (EVENT.DELIVERY.STACK); [SS, ESP,] EFLAGS, CS, EIP [, error code], 2-byte pushes and a 16-bit
 * offset through a 16-bit gate (EVENT.DELIVERY.FRAME).
 */
const deliverProtected = (g: Guest, e: DeliveredEvent): void => {
  const cpu = g.cpu;
  const ext = extOf(e);
  const v = e.vector;
  const gateError = v * 8 + 2 + ext;
  if (8 * v + 7 > cpu.idtr.limit) throw new GuestFault(13, gateError);
  const gate = readLinear(g, (cpu.idtr.base + BigInt(8 * v)) & 0xffff_ffffn, 8, { align: 1, supervisor: true });
  const type = Number((gate >> 40n) & 0xfn);
  const dpl = Number((gate >> 45n) & 3n);
  if (![5, 6, 7, 14, 15].includes(type)) throw new GuestFault(13, gateError);
  const w = type === 6 || type === 7 ? 2 : 4; // push size: 16-bit gates push words
  const wMask = w === 2 ? 0xffffn : 0xffff_ffffn;
  if ((e.type === 'software-interrupt' || e.type === 'software-exception') && dpl < cpu.cpl) throw new GuestFault(13, v * 8 + 2);
  if (!bit(gate, 47)) throw new GuestFault(11, gateError);
  const selector = Number((gate >> 16n) & 0xffffn);
  if (type === 5) taskGate(g, selector);
  const offset = ((gate & 0xffffn) | (((gate >> 48n) & 0xffffn) << 16n)) & wMask;
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
    if (4 + 8 * newCpl + 7 > cpu.segments.tr.limit) throw new GuestFault(10, (cpu.segments.tr.selector & 0xfffc) | ext);
    esp = readLinear(g, tss + BigInt(4 + 8 * newCpl), 4, { align: 1, supervisor: true });
    const ssSel = Number(readLinear(g, tss + BigInt(8 + 8 * newCpl), 2, { align: 1, supervisor: true }));
    const sd = readDescriptor(g, ssSel, ext);
    if ((ssSel & 3) !== newCpl || ((accessRightsOf(sd) >> 5) & 3) !== newCpl || !bit(sd, 44) || bit(sd, 43) || !bit(sd, 41)) throw new GuestFault(10, (ssSel & 0xfffc) | ext);
    if (!bit(sd, 47)) throw new GuestFault(12, (ssSel & 0xfffc) | ext);
    newSs = { selector: ssSel, d: sd };
    ssBase = baseOf(sd);
  }
  const frame: bigint[] = newSs === null ? [] : [BigInt(cpu.segments.ss.selector), cpu.rsp & wMask];
  frame.push(pushedFlags(g, e) & wMask, BigInt(cpu.segments.cs.selector), pushedRip(g, e) & wMask);
  if (e.errorCode !== null) frame.push(BigInt(e.errorCode >>> 0) & wMask);
  const slots = frame.map((_, i) =>
    probeWrite(g, (ssBase + ((esp - BigInt(w * (i + 1))) & 0xffff_ffffn)) & 0xffff_ffffn, w, { segment: 'ss', supervisor: newCpl < 3, align: 1 }));
  frame.forEach((value, i) => storeBytes(g, slots[i]!, value));
  commonCommit(g, e, type === 14 || type === 6);
  if (newSs !== null) {
    cpu.segments.ss = { selector: newSs.selector, base: baseOf(newSs.d), limit: limitOf(newSs.d), accessRights: accessRightsOf(newSs.d) };
  }
  cpu.segments.cs = { selector: (selector & 0xfffc) | newCpl, base: baseOf(d), limit: limitOf(d), accessRights: ar };
  cpu.cpl = newCpl;
  cpu.rsp = (cpu.rsp & ~0xffff_ffffn) | ((esp - BigInt(w * frame.length)) & 0xffff_ffffn);
  if (newSs !== null) cpu.rsp = (esp - BigInt(w * frame.length)) & 0xffff_ffffn;
  cpu.rip = offset;
};

/**
 * Real-address mode (Vol. 3A §20.1.4): the 4-byte IVT entry at IDTR.base + 4·vector, #GP(0) past the
 * limit; FLAGS, CS, IP pushed as words, no error code; IF, TF, AC cleared (EVENT.DELIVERY.IVT).
 */
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
 * happens as delivery starts stays even if it then exits (§27.1): CR2 := the linear address for a #PF
 * (EVENT.DELIVERY.CR2), the conditions of a #DB trap set in DR6 and DR7.GD cleared (Vol. 3A §17.2.3,
 * §17.2.4; EVENT.DELIVERY.DR6) — an injected #PF or #DB carries neither, so CR2, DR6 and DR7 stay
 * (INJECT.SIDEEFFECTS) — the end of blocking by STI and MOV SS, the active state (EVENT.DELIVERY.WAKE).
 */
const deliverThroughIdt = (g: Guest, e: DeliveredEvent): void => {
  const cpu = g.cpu;
  if (e.type === 'hardware-exception' && e.vector === 14 && e.pfAddress !== undefined) cpu.cr2 = e.pfAddress;
  if (e.debug !== undefined) {
    cpu.dr6 |= e.debug;
    cpu.dr7 &= ~(1n << 13n);
  }
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

/**
 * The exit of an exception caught by the exception bitmap (§27.2.2), `prior` being delivered when it
 * arose: valid interruption information, its error code unless in real-address mode
 * (VMEXIT.INFO.INTERRUPTION); `prior` as IDT-vectoring information, none for a #DF that exits
 * (EVENT.VECTORING); the RF a fault would push (VMEXIT.SAVE.RFLAGS).
 */
const exceptionExit = (g: Guest, raised: DeliveredEvent, prior: DeliveredEvent | null): never => {
  // Real-address mode: no error code (bit 11 is 0, §27.2.2).
  const e = (g.cpu.cr0 & CR0.PE) === 0n ? { ...raised, errorCode: null } : raised;
  const unblock = g.iretUnblockedNmi && prior === null && e.vector !== 8 ? 1 << 12 : 0;
  const qualification = e.vector === 14 && e.pfAddress !== undefined ? (g.mode64 ? e.pfAddress : e.pfAddress & 0xffff_ffffn)
    : e.debug ?? 0n; // #DB: B3–B0 and BS (Table 27-1)
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
 * Raises `first` in the guest: a VM exit by the exception bitmap — never for an event injected by VM
 * entry (INJECT.NOEXIT) — or delivery through the IDT with the nested-exception rules of Table 6-5:
 * contributory after contributory, or #PF/contributory after #PF, is a #DF (EVENT.DELIVERY.DOUBLEFAULT);
 * any other pair is handled serially, the second exception delivered and the first reported as
 * IDT-vectoring information if the second exits (EVENT.DELIVERY.SERIAL, EVENT.VECTORING, INJECT.NESTED);
 * an exception while delivering #DF is a triple fault, exit 2 without IDT-vectoring information
 * (EVENT.DELIVERY.TRIPLEFAULT). Always ends the step (throws StepDone).
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
