/**
 * Interrupt virtualization (ITJ "Interrupt Virtualization", VT-x): every external interrupt exits
 * ("external-interrupt exiting", acknowledged on exit) and goes into the virtual interrupt controller;
 * the VMM injects the highest pending vector above the guest's TPR with the next VM entry when the
 * guest can take it (RFLAGS.IF = 1, no blocking by STI or MOV SS, active or halted — the conditions
 * VM entry itself checks for an injected external interrupt, §26.3.1.5), and otherwise waits:
 * - "interrupt-window exiting" = 1: an exit as soon as the guest is ready (§25.2);
 * - fallback: a one-instruction VMX-preemption timer — an exit at every instruction boundary until
 *   it is ready (config.ts);
 * - a vector masked by the TPR waits for the TPR to drop: with the TPR shadow the TPR threshold is
 *   the vector's priority class, so the guest's MOV CR8 below it exits (§29.1.2, ITJ "Frequent Access
 *   to Privileged Resources"); with CR8 exiting every MOV CR8 exits anyway.
 */
import type { Vm } from './vm.js';
import { IF } from './vm.js';

const ready = (vm: Vm): boolean => {
  if ((vm.f('GUEST_RFLAGS') & IF) === 0n) return false;
  if ((vm.f('GUEST_INTERRUPTIBILITY_INFO') & 3n) !== 0n) return false;
  const activity = vm.f('GUEST_ACTIVITY_STATE');
  return activity === 0n || activity === 1n;
};

export const armPoll = (vm: Vm, on: boolean): void => {
  vm.setControl('pin.ACTIVATE_VMX_PREEMPTION_TIMER', on);
  if (on) vm.w('VMX_PREEMPTION_TIMER_VALUE', 1n);
};

const wait = (vm: Vm, on: boolean): void => {
  if (vm.config.interruptWindow === 'interrupt-window') vm.setControl('proc.INTERRUPT_WINDOW_EXITING', on);
  else armPoll(vm, on);
};

/** Before every VM entry: inject what the guest can take now, or arrange to be told when it can. */
export const offerInterrupt = (vm: Vm): void => {
  const tpr = vm.tprClass();
  const v = vm.vic.deliverable(tpr);
  if (vm.config.tpr === 'tpr-shadow') {
    const masked = vm.vic.highest();
    // A pending vector the TPR masks: exit once the guest's TPR drops below its class.
    const threshold = v === null && masked !== null ? BigInt(masked >> 4) : 0n;
    vm.w('TPR_THRESHOLD', threshold);
  }
  if (v === null) { wait(vm, false); return; }
  if (!vm.injecting && ready(vm)) {
    vm.vic.take(v);
    vm.inject({ vector: v, type: 'external-interrupt', errorCode: null });
    wait(vm, false);
    return;
  }
  wait(vm, true);
};
