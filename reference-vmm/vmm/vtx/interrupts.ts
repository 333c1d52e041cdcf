/**
 * Interrupt virtualization (ITJ "Interrupt Virtualization", VT-x): every external interrupt exits
 * ("external-interrupt exiting", acknowledged on exit) and goes into the virtual interrupt controller;
 * the VMM injects the highest pending vector above the guest's TPR with a VM entry when the guest can
 * take it (RFLAGS.IF = 1, no blocking by STI or MOV SS, active or halted — the conditions VM entry
 * itself checks for an injected external interrupt, §26.3.1.5), and otherwise waits:
 * - "interrupt-window exiting" = 1: an exit as soon as the guest is ready (§25.2);
 * - fallback: a one-instruction VMX-preemption timer — an exit at every instruction boundary until
 *   it is ready (config.ts);
 * - a vector masked by the TPR waits for the TPR to drop: with the TPR shadow the TPR threshold is
 *   the vector's priority class, so the guest's MOV CR8 below it exits (§29.1.2, ITJ "Frequent Access
 *   to Privileged Resources"); with CR8 exiting every MOV CR8 exits anyway.
 * It injects only with the entry that resumes the guest at an instruction boundary, once every event
 * of that moment has arrived (vmm.ts): the processor the guest is told it has takes the highest
 * pending event there — a debug trap, then an NMI, then the interrupt controller's highest vector
 * (Vol. 3A §6.9 Table 6-2, §10.8.3.1) — so a vector arriving at the same moment as another, or an NMI
 * arriving with it, must be able to overtake the one the VMM already holds.
 */
import { wantTimer } from './timer.js';
import type { Vm } from './vm.js';
import { IF } from './vm.js';

const ready = (vm: Vm): boolean => {
  if ((vm.f('GUEST_RFLAGS') & IF) === 0n) return false;
  if ((vm.f('GUEST_INTERRUPTIBILITY_INFO') & 3n) !== 0n) return false;
  const activity = vm.f('GUEST_ACTIVITY_STATE');
  return activity === 0n || activity === 1n;
};

export const armPoll = (vm: Vm, on: boolean): void => wantTimer(vm, 'interrupt-poll', on);

const wait = (vm: Vm, on: boolean): void => {
  if (vm.config.interruptWindow === 'interrupt-window') vm.setControl('proc.INTERRUPT_WINDOW_EXITING', on);
  else armPoll(vm, on);
};

/**
 * Before every VM entry: at an instruction boundary (`atBoundary`), inject what the guest can take
 * now; otherwise, or when it cannot, arrange to be told when it can.
 */
export const offerInterrupt = (vm: Vm, atBoundary: boolean): void => {
  const tpr = vm.tprClass();
  const v = vm.vic.deliverable(tpr);
  // A pending debug trap (a single step, BS) comes before interrupts (Table 6-2), and an injecting
  // entry would drop it (§26.6.3): enter without injecting, and let the window exit that follows the
  // #DB's delivery (it outranks window exits, §26.6.3) bring the VMM back.
  const debugTrapPending = (vm.f('GUEST_PENDING_DBG_EXCEPTIONS') & 0x5000n) !== 0n;
  if (v !== null && atBoundary && !vm.injecting && !debugTrapPending && ready(vm)) {
    vm.vic.take(v);
    vm.inject({ vector: v, type: 'external-interrupt', errorCode: null });
  }
  // What is left waits: a vector the guest cannot take yet, or the next one, which the guest can take
  // once the handler of the event being injected has returned (the window opens at its IRET).
  const next = vm.vic.deliverable(tpr);
  if (vm.config.tpr === 'tpr-shadow') {
    const masked = vm.vic.highest();
    // A pending vector the TPR masks: exit once the guest's TPR drops below its class.
    vm.w('TPR_THRESHOLD', next === null && masked !== null ? BigInt(masked >> 4) : 0n);
  }
  wait(vm, next !== null);
};
