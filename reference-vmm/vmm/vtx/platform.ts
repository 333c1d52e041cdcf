/**
 * What the run loop (drive.ts) needs from a machine that runs a guest: natively, the processor and
 * its interrupt controller (native-platform.ts); virtualized, the processor in VMX non-root operation
 * with the VMM behind it (vmm.ts). Each call reports, in order, what the guest saw happen.
 */
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { EventType } from '../../../spec/vtx/non-root/observation.js';
import type { ActivityState } from '../../../spec/vtx/state.js';
import type { VtxGuestView } from './guest-view.js';

export type Happening =
  | { readonly kind: 'retired' }
  | { readonly kind: 'delivered'; readonly vector: number; readonly type: EventType; readonly errorCode: number | null };

export const RETIRED: Happening = { kind: 'retired' };

export interface GuestPlatform {
  /** The guest's next RIP. */
  rip(): bigint;
  /** The guest's activity state ('shutdown' also when the VMM has stopped the guest). */
  activity(): ActivityState;
  /** General-purpose register `n` as the guest sees it (4 = RSP). */
  gpr(n: number): bigint;
  /** An external interrupt arrives at the platform. */
  interrupt(vector: number): Happening[];
  /** An NMI arrives at the processor. */
  nmi(): Happening[];
  /**
   * At an instruction boundary, after every event of it has arrived and before the next instruction
   * is looked up (also where the code ends): the highest-priority event the guest can take now, if
   * any (Vol. 3A §6.9 Table 6-2) — the processor's own pending events, then the interrupt controller's
   * vector. A VMM injects its virtual interrupts here and nowhere else.
   */
  boundary(): Happening[];
  /** The guest's next instruction, `i`, at its RIP. */
  instruction(i: GuestInstruction): Happening[];
  /** Registers and memory as the guest sees them (drive.ts adds the end, the count and the log). */
  view(): Pick<VtxGuestView, 'registers' | 'memory' | 'output'>;
}
