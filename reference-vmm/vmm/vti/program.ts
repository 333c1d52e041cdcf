/**
 * A guest program: instructions by slot address, the state the guest starts in, and the events the
 * outside world sends it. The same program runs natively (PSR.vm = 0, its own processor) and under
 * the VMM (PSR.vm = 1), which is what makes the two runs comparable.
 */
import type { VtiEvent } from '../../../spec/vti/machine/events.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { psrRi } from './bits.js';

/**
 * The address of slot `ri` of the bundle at `ip`. Bundles are 16-byte aligned, so the three slots
 * are ip, ip + 1 and ip + 2 (spec/vti/machine/instructions.ts: one instruction per slot).
 */
export const slotAddress = (ip: bigint, ri: number): bigint => ip + BigInt(ri);

/** The slot address the state will execute next. */
export const nextInstructionAddress = (s: VtiState): bigint => slotAddress(s.ip, psrRi(s.psr));

/** An event delivered just before the guest retires its `after`-th instruction (0 = before the first). */
export interface ScheduledEvent {
  readonly after: number;
  readonly event: VtiEvent;
}

export interface GuestProgram {
  readonly name: string;
  readonly description: string;
  readonly code: ReadonlyMap<bigint, VtiInstruction>;
  /**
   * The guest's state at its first instruction, as if it owned a processor (PSR.vm = 0, no PAL
   * virtual environment): `profile` is the processor the guest is told it has.
   */
  readonly initial: (profile: VtiProfile) => VtiState;
  readonly events: readonly ScheduledEvent[];
  /** The run stops when the guest has retired this many instructions (or runs off its code). */
  readonly maxInstructions: number;
}

/** Why a run stopped. */
export type RunEnd =
  /** The next slot holds no instruction: the program is done. */
  | { readonly kind: 'halted'; readonly at: bigint }
  | { readonly kind: 'instruction-limit' };
