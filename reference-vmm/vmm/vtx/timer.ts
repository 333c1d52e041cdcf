/**
 * The one-instruction VMX-preemption timer (§25.5.1: with the timer value 1 it expires at the next
 * instruction boundary, the platform delivering the expiry there, vmm.ts) has two users in the VMM:
 * polling for the guest's interrupt window without interrupt-window exiting (interrupts.ts), and the
 * shadow-paging write window (shadow.ts). The timer runs while either wants it.
 */
import type { Vm } from './vm.js';

export type TimerUser = 'interrupt-poll' | 'write-window';

const wanted = new WeakMap<Vm, Set<TimerUser>>();

export const wantTimer = (vm: Vm, user: TimerUser, on: boolean): void => {
  let users = wanted.get(vm);
  if (users === undefined) { users = new Set(); wanted.set(vm, users); }
  if (on) users.add(user);
  else users.delete(user);
  const active = users.size > 0;
  vm.setControl('pin.ACTIVATE_VMX_PREEMPTION_TIMER', active);
  if (active) vm.w('VMX_PREEMPTION_TIMER_VALUE', 1n);
};
