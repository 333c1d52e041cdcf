/**
 * Events that reach a logical processor from outside the instruction stream (SDM Vol. 3C §25.2,
 * §26.6; Vol. 3A §6.9 for their priority), and the input of one non-root step.
 *
 * Exceptions are not inputs: instructions and event delivery raise them. An arriving event is
 * held pending by the processor (an interrupt controller abstraction: one pending external
 * interrupt vector, the highest, and one pending NMI, INIT and SIPI) until nothing blocks it.
 */
import type { GuestInstruction } from './instructions.js';

export type GuestEvent =
  | { readonly kind: 'external-interrupt'; readonly vector: number }
  | { readonly kind: 'nmi' }
  | { readonly kind: 'init' }
  | { readonly kind: 'sipi'; readonly vector: number }
  /** The VMX-preemption timer counted down to 0 (§25.5.1); only counts with "activate VMX-preemption timer". */
  | { readonly kind: 'preemption-timer-expiry' };

/**
 * One step of non-root operation. 'instruction': the processor is at an instruction boundary and the
 * next instruction is this one; events pending and unblocked at the boundary come first (§25.1.1,
 * Vol. 3A §6.9), and the instruction does not run if one of them is taken. 'event': the event arrives
 * and the processor then evaluates the same boundary without executing an instruction.
 */
export type NonRootInput =
  | { readonly kind: 'instruction'; readonly instruction: GuestInstruction }
  | { readonly kind: 'event'; readonly event: GuestEvent };
