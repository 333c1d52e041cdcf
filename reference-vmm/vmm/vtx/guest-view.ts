/**
 * What a guest can observe, the unit of comparison between a native run and a run under a VMM
 * (the Popek–Goldberg equivalence property): its registers as its own instructions would read them,
 * its guest-physical memory, and a log of what it saw happen — the exceptions and interrupts delivered
 * through its IDT (vector, type, error code) and the values its register-destination reads of
 * privileged state returned (CPUID, RDMSR, MOV from CR/DR, SMSW, SLDT, STR, IN, RDTSC, RDTSCP,
 * RDPMC, RDRAND, RDSEED). Reads into memory (SGDT, SIDT, PUSHF, PUSH CS) show in memory.
 */
import type { GuestOp } from '../../../spec/vtx/guest/instructions.js';
import type { EventType } from '../../../spec/vtx/non-root/observation.js';
import type { CpuRegisters } from '../../../spec/vtx/state.js';

/** The registers minus what no guest instruction can read (SMM/SMX/A20M state, latched events, pending debug exceptions). */
export type GuestRegisters = Omit<CpuRegisters, 'pending' | 'inSmm' | 'inSmx' | 'a20m' | 'blockingBySmi' | 'pendingDebug' | 'pdpte'>;

export type GuestLogEntry =
  /** Delivered through the guest IDT when the guest had retired `at` instructions. */
  | { readonly kind: 'delivered'; readonly at: number; readonly vector: number; readonly type: EventType; readonly errorCode: number | null }
  /** The `at`-th retired instruction (counting from 1) read privileged state into registers: their values. */
  | { readonly kind: 'read'; readonly at: number; readonly op: GuestOp; readonly rip: bigint; readonly values: readonly bigint[] };

/** Why a run stopped. */
export type RunEnd =
  /** The next RIP holds no instruction: the program is done. */
  | 'done'
  | 'instruction-limit'
  /** Halted (HLT) with nothing left that could wake it. */
  | 'halted'
  /** Shutdown (triple fault). */
  | 'shutdown'
  /** Events and deliveries without progress past the run's step budget (e.g. a fault loop). */
  | 'step-limit';

export interface VtxGuestView {
  readonly end: RunEnd;
  readonly retired: number;
  readonly registers: GuestRegisters;
  /** Guest-physical memory, all of it (up to MAXPHYADDR): non-zero 64-bit words only. */
  readonly memory: ReadonlyMap<bigint, bigint>;
  readonly log: readonly GuestLogEntry[];
  /** Bytes the guest sent to the serial device (device.ts): what the outside world saw, not the guest. */
  readonly output: readonly number[];
}

/** MSRs shown: zero-valued entries and the FS/GS-base mirrors (the segment bases hold them) are dropped. */
export const visibleMsrs = (msrs: ReadonlyMap<number, bigint>): ReadonlyMap<number, bigint> =>
  new Map([...msrs].filter(([k, v]) => v !== 0n && k !== 0xc000_0100 && k !== 0xc000_0101).sort((a, b) => a[0] - b[0]));

export const guestRegistersOf = (c: CpuRegisters): GuestRegisters => ({
  cr0: c.cr0, cr3: c.cr3, cr4: c.cr4, dr7: c.dr7, rsp: c.rsp, rip: c.rip, rflags: c.rflags, efer: c.efer, cpl: c.cpl, csL: c.csL,
  blockingByMovSs: c.blockingByMovSs, msrs: visibleMsrs(c.msrs), gpr: [...c.gpr], cr2: c.cr2, cr8: c.cr8, dr: [...c.dr], dr6: c.dr6,
  segments: c.segments, gdtr: c.gdtr, idtr: c.idtr, blockingBySti: c.blockingBySti, blockingByNmi: c.blockingByNmi,
  activity: c.activity, tsc: c.tsc,
});
