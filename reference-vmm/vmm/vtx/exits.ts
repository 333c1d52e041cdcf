/**
 * The exit dispatcher: one handler per basic exit reason (SDM App. C), each doing what the paper's
 * usage models say — emulate and complete the instruction, reflect an exception to the guest by
 * event injection, or remove the cause and resume (ITJ "Exception Handling") — and, for an exit that
 * interrupted event delivery, re-inject the event the IDT-vectoring information names (§27.2.3), or
 * combine it with the exception being reflected as a processor would (Vol. 3A Table 6-5).
 * Instructions the VMM emulates behave as on the native processor the guest is told it has
 * (cpu/vtx/native): CPUID's values, #UD for the VMX instructions and GETSEC, XSETBV's checks, RDMSR
 * and WRMSR (msr.ts).
 */
import type { EventType } from '../../../spec/vtx/non-root/observation.js';
import { cpuidResult, xsetbvOutcome } from '../../cpu/vtx/native/index.js';
import { taskGateFault, vectoredEvent } from '../../cpu/vtx/native/task-switch.js';
import { clts, lmsw, movToCr0, movToCr3, movToCr4, movToCr8 } from './cr.js';
import { isDevicePort } from './device.js';
import { hostUsesFpu, onDeviceNotAvailable } from './fpu.js';
import { VmmError } from './host.js';
import { rdmsr, wrmsr } from './msr.js';
import { onEptViolation } from './ept.js';
import { closeWriteWindow, flushShadow, invalidateShadow, onShadowPageFault } from './shadow.js';
import { RF, type InjectedEvent, type Vm } from './vm.js';

/** What the exit did to the guest's instruction stream. */
export type Handled =
  /** The VMM emulated the instruction and completed it (RIP moved on). */
  | 'completed'
  /** The guest resumes where it was (cause removed, an event queued, or an event injected). */
  | 'resume';

const LOW32 = 0xffff_ffffn;
const EVENT_TYPES: readonly (EventType | null)[] = [
  'external-interrupt', null, 'nmi', 'hardware-exception', 'software-interrupt', 'privileged-software-exception', 'software-exception', null,
];
const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);
type Klass = 'benign' | 'contributory' | 'page-fault' | 'double-fault';
const klass = (e: InjectedEvent): Klass =>
  e.type !== 'hardware-exception' ? 'benign' : e.vector === 8 ? 'double-fault' : e.vector === 14 ? 'page-fault' : CONTRIBUTORY.has(e.vector) ? 'contributory' : 'benign';

/** The event of the IDT-vectoring information (with the instruction length for software events). */
const vectoring = (vm: Vm): InjectedEvent | null => {
  const e = vectoredEvent(vm.f('IDT_VECTORING_INFO_FIELD'), vm.f('IDT_VECTORING_ERROR_CODE'));
  if (e === null) return null;
  const software = e.type === 'software-interrupt' || e.type === 'software-exception' || e.type === 'privileged-software-exception';
  return software ? { ...e, length: Number(vm.f('VM_EXIT_INSTRUCTION_LEN')) } : e;
};

/**
 * The guest shuts down (triple fault): it stays in the shutdown activity state. The event whose
 * delivery failed left RFLAGS as it was before the event natively; here an exit during its delivery
 * saved the RF the delivery would push (§27.3.3) and the VMM's injection kept it (vm.ts), so the RF the
 * guest had is lost: the VMM takes it to be 0, as it is at every instruction but one that follows an
 * IRET restoring RF = 1 (Vol. 3A §17.3.1.1).
 */
const shutdown = (vm: Vm): Handled => {
  vm.stopped = true;
  vm.w('GUEST_RFLAGS', vm.f('GUEST_RFLAGS') & ~RF);
  vm.w('GUEST_ACTIVITY_STATE', 2n);
  vm.w('VM_ENTRY_INTR_INFO_FIELD', 0n);
  vm.injecting = false;
  return 'resume';
};

/**
 * Reflects exception `nested` to the guest, `original` being the event whose delivery it interrupted:
 * Table 6-5 — #DF after contributory/contributory or #PF/(contributory or #PF), a triple fault after
 * #DF, otherwise `nested` itself (the first event is then lost, as on the processor). A #PF's linear
 * address (`pfAddress`) goes to CR2 only when the #PF itself is delivered — the processor loads CR2
 * as it starts delivering a #PF, which one turned into #DF or shutdown never does (cpu/vtx
 * delivery.ts), and an injected #PF loads nothing (§26.5.1.1) — so the VMM loads it before injecting.
 */
export const reflect = (vm: Vm, nested: InjectedEvent, original: InjectedEvent | null, pfAddress: bigint | null = null): Handled => {
  if (original !== null) {
    const a = klass(original);
    const b = klass(nested);
    if (a === 'double-fault' && original.type === 'hardware-exception') return shutdown(vm);
    if ((a === 'contributory' && b === 'contributory') || (a === 'page-fault' && b !== 'benign')) {
      vm.inject({ vector: 8, type: 'hardware-exception', errorCode: 0 });
      return 'resume';
    }
  }
  if (pfAddress !== null) vm.host.cr2 = pfAddress;
  vm.inject(nested);
  return 'resume';
};

/**
 * A fault the guest does not see (a shadow fill, a page mapped on demand) hit an IRET that had unblocked
 * NMIs (bit 12 of the interruption information or of the EPT-violation qualification, §27.2.2,
 * Table 27-7): the exit left NMIs unblocked (§27.1), so the VMM blocks them again before the IRET
 * runs once more, as it would have run only once natively (§31.7.1.2).
 */
const hiddenFaultOnIret = (vm: Vm, unblockedByIret: boolean): void => {
  if (unblockedByIret) vm.w('GUEST_INTERRUPTIBILITY_INFO', vm.f('GUEST_INTERRUPTIBILITY_INFO') | 8n);
};

const exceptionExit = (vm: Vm, original: InjectedEvent | null): Handled => {
  const info = vm.f('VM_EXIT_INTR_INFO');
  const vector = Number(info & 0xffn);
  const type = EVENT_TYPES[Number((info >> 8n) & 7n)] ?? 'hardware-exception';
  const errorCode = ((info >> 11n) & 1n) === 1n ? Number(vm.f('VM_EXIT_INTR_ERROR_CODE') & LOW32) : null;
  if (type === 'nmi') throw new VmmError('NMI exit without NMI exiting');
  if (vector === 7 && vm.fpu.armed) {
    onDeviceNotAvailable(vm);
    return 'resume';
  }
  if (vector === 14 && vm.config.memory === 'shadow') {
    const linear = vm.f('EXIT_QUALIFICATION');
    const w = onShadowPageFault(vm, linear, errorCode ?? 0);
    if (w.ok) {
      if (original !== null) vm.inject(original, true);
      else hiddenFaultOnIret(vm, ((info >> 12n) & 1n) === 1n);
      return 'resume';
    }
    return reflect(vm, { vector: 14, type: 'hardware-exception', errorCode: w.errorCode }, original, linear);
  }
  // A reflected #PF: the exit happened before delivery, so CR2 is still the guest's old value (§27.1).
  const pfAddress = vector === 14 ? vm.f('EXIT_QUALIFICATION') : null;
  const software = type === 'software-exception' || type === 'privileged-software-exception';
  return reflect(vm, software ? { vector, type, errorCode, length: Number(vm.f('VM_EXIT_INSTRUCTION_LEN')) } : { vector, type, errorCode }, original, pfAddress);
};

const guestMode64 = (vm: Vm): boolean => vm.guestLongMode() && ((vm.f('GUEST_CS_AR_BYTES') >> 13n) & 1n) === 1n;

const crAccess = (vm: Vm): Handled => {
  const q = vm.f('EXIT_QUALIFICATION');
  const cr = Number(q & 0xfn);
  const access = Number((q >> 4n) & 3n);
  const reg = Number((q >> 8n) & 0xfn);
  const done = (ok: boolean): Handled => {
    if (!ok) { vm.fault(13); return 'resume'; }
    vm.completeInstruction();
    return 'completed';
  };
  switch (access) {
    case 0: {
      // Outside 64-bit mode MOV to CR takes the register's low 32 bits (Vol. 2B MOV—Move to Control Registers).
      const src = guestMode64(vm) ? vm.host.gpr(reg) : vm.host.gpr(reg) & LOW32;
      if (cr === 0) return done(movToCr0(vm, src));
      if (cr === 4) return done(movToCr4(vm, src));
      if (cr === 3) return done(movToCr3(vm, src));
      if (cr === 8) return done(movToCr8(vm, src));
      throw new VmmError(`MOV to CR${cr} exit`);
    }
    case 1:
      if (cr === 3) { if (guestMode64(vm)) vm.host.setGpr(reg, vm.vCr3); else vm.host.setGpr32(reg, vm.vCr3); }
      else if (cr === 8) vm.host.setGpr(reg, vm.vTpr);
      else throw new VmmError(`MOV from CR${cr} exit`);
      return done(true);
    case 2: clts(vm); return done(true);
    default: lmsw(vm, (q >> 16n) & 0xffffn); return done(true);
  }
};

const ioExit = (vm: Vm): Handled => {
  const q = vm.f('EXIT_QUALIFICATION');
  const size = Number(q & 7n) + 1;
  const input = (q & 8n) !== 0n;
  const port = Number((q >> 16n) & 0xffffn);
  if ((q & 16n) !== 0n) throw new VmmError(`INS/OUTS to port 0x${port.toString(16)}: string I/O to the device is not emulated`);
  const mask = size === 4 ? LOW32 : size === 2 ? 0xffffn : 0xffn;
  const value = isDevicePort(port) ? (input ? vm.device.in(port, size) : 0n) : mask; // no device: reads all ones
  if (input) {
    if (size === 4) vm.host.setGpr32(0, value & mask);
    else vm.host.setGpr(0, (vm.host.gpr(0) & ~mask) | (value & mask));
  } else if (isDevicePort(port)) {
    vm.device.out(port, size, vm.host.gpr(0) & mask);
  }
  vm.completeInstruction();
  return 'completed';
};

const taskSwitch = (vm: Vm, original: InjectedEvent | null): Handled => {
  // The native processor treats TSS and task-gate targets as unusable (cpu/vtx/native/task-switch.ts).
  const q = vm.f('EXIT_QUALIFICATION');
  if (((q >> 30n) & 3n) !== 3n) { vm.fault(13, Number(q & 0xfffcn)); return 'resume'; }
  if (original === null) throw new VmmError('task-gate exit without IDT-vectoring information');
  const next = taskGateFault(original);
  if (next === 'shutdown') return shutdown(vm);
  vm.inject(next);
  return 'resume';
};

/** Handles the exit that just happened (its reason already counted by the caller). */
export const dispatch = (vm: Vm, reason: number): Handled => {
  const original = vectoring(vm);
  vm.singleStep = vm.tfAtExit();
  const handled = ((): Handled => {
    switch (reason) {
      case 0: return exceptionExit(vm, original);
      case 1: {
        vm.vic.raise(Number(vm.f('VM_EXIT_INTR_INFO') & 0xffn));
        hostUsesFpu(vm);
        return 'resume';
      }
      case 2: return shutdown(vm);
      case 7: case 43: return 'resume'; // the guest is ready / lowered its TPR: offerInterrupt decides
      case 52: closeWriteWindow(vm); return 'resume'; // one instruction ran: a write window ends; offerInterrupt polls
      case 9: return taskSwitch(vm, original);
      case 10: {
        const [a, b, c, d] = cpuidResult(vm.profile, vm.guestCr4(), vm.host.gpr(0) & LOW32, vm.host.gpr(1) & LOW32);
        vm.host.setGpr32(0, a); vm.host.setGpr32(3, b); vm.host.setGpr32(1, c); vm.host.setGpr32(2, d);
        vm.completeInstruction();
        return 'completed';
      }
      case 11: case 18: case 19: case 20: case 21: case 22: case 23: case 24: case 25: case 26: case 27: case 50: case 53:
        vm.fault(6); // GETSEC, VMCALL and the VMX instructions: the guest's processor has neither SMX nor VMX
        return 'resume';
      case 13: vm.completeInstruction(); return 'completed'; // INVD: no caches in the abstraction
      case 14: invalidateShadow(vm, vm.f('EXIT_QUALIFICATION')); vm.completeInstruction(); return 'completed';
      case 58: {
        const info = vm.f('VMX_INSTRUCTION_INFO');
        if (vm.host.gpr(Number((info >> 28n) & 0xfn)) > 3n) { vm.fault(13); return 'resume'; }
        flushShadow(vm);
        vm.completeInstruction();
        return 'completed';
      }
      case 28: return crAccess(vm);
      case 30: return ioExit(vm);
      case 31: return rdmsr(vm);
      case 32: return wrmsr(vm);
      case 55: {
        const o = xsetbvOutcome(vm.guestCr4(), vm.guestCpl(), vm.host.gpr(1), vm.host.gpr(2), vm.host.gpr(0));
        if (o === 'retire') { vm.completeInstruction(); return 'completed'; }
        vm.fault(o === 'ud' ? 6 : 13);
        return 'resume';
      }
      case 48: {
        onEptViolation(vm);
        if (original === null) hiddenFaultOnIret(vm, ((vm.f('EXIT_QUALIFICATION') >> 12n) & 1n) === 1n);
        return 'resume';
      }
      default: throw new VmmError(`unhandled VM exit ${reason}`);
    }
  })();
  // An exit during event delivery whose handler removed the cause: deliver that event again (§27.2.3).
  if (original !== null && !vm.injecting && !vm.stopped && reason !== 0 && reason !== 9) vm.inject(original, true);
  return handled;
};
