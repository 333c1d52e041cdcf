/**
 * A VT-x guest program: instructions by RIP, the state the guest starts in as if it owned the
 * processor, and the events the outside world sends it. The same program runs natively
 * (NativeVtxCpu) and under the VT-x reference VMM, which is what makes the two runs comparable
 * (reference-vmm/vmm/vtx/run.ts).
 *
 * Code is not in memory: the abstract ISA has no instruction fetch (reference-vmm/cpu/vtx/README.md),
 * so RIP only selects the next instruction of `code` and advances by spec/vtx/guest/length.ts.
 */
import type { GuestEvent } from '../../../spec/vtx/guest/events.js';
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { CpuRegisters } from '../../../spec/vtx/state.js';

/**
 * An event that arrives at the guest's platform once the guest has retired `after` instructions
 * (0 = before the first). External interrupts go to the interrupt controller (which holds them while
 * the guest's TPR masks them, run.ts), NMIs straight to the processor. While the guest is halted,
 * time skips to the next event.
 */
export interface ScheduledEvent {
  readonly after: number;
  readonly event: GuestEvent;
}

/** The guest's processor registers and its guest-physical memory (64-bit words; absent words are 0). */
export interface GuestInitialState {
  readonly cpu: CpuRegisters;
  readonly memory: ReadonlyMap<bigint, bigint>;
}

export interface VtxGuestProgram {
  readonly name: string;
  readonly description: string;
  readonly code: ReadonlyMap<bigint, GuestInstruction>;
  readonly initial: GuestInitialState;
  readonly events: readonly ScheduledEvent[];
  /** The run stops when the guest has retired this many instructions (or runs off its code, or halts for good). */
  readonly maxInstructions: number;
}

/**
 * The guest's initial block of guest-physical memory, where its program's memory (page tables, GDT,
 * IDT, data) lies. The guest's physical address space is larger — all of it up to MAXPHYADDR, zeros
 * where never written: the VT-x VMM maps this block at set-up and backs every other page at its
 * first use (vmm/vtx/guest-memory.ts); the software-only baseline keeps its own structures above it.
 */
export const GUEST_MEMORY_SIZE = 0x100_0000n;
