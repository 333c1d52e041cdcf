/**
 * What the instruction implementations share: the execution record of one instruction (its length,
 * the next RIP, a branch target, the blocking it establishes), CPL and mode checks, instruction-caused
 * exits with the instruction length (§27.2.4), and the memory-operand layout of the VM-exit
 * instruction-information field (§27.2.4, Tables 27-9, 27-10, 27-13: scaling 0, no index register,
 * the base register, the segment, the address size; bits the SDM leaves undefined are 0).
 */
import type { ExitInformation } from '../../../../../spec/vtx/non-root/observation.js';
import type { MemOperand } from '../../../../../spec/vtx/guest/instructions.js';
import { exitNow } from '../exits.js';
import { exitInformation, GuestFault, MASK64, type Guest } from '../guest.js';

export interface Exec {
  readonly length: number;
  /** RIP of the next instruction. */
  readonly next: bigint;
  /** Target of a taken branch (replaces `next`). */
  branch: bigint | null;
  /** A REP string instruction did one iteration and has more to do: RIP stays. */
  repeat: boolean;
  /** STI with IF = 0: blocking by STI for the next instruction. */
  setSti: boolean;
  /** MOV SS: blocking by MOV SS for the next instruction. */
  setMovSs: boolean;
  /** MOV to CR8 wrote the TPR shadow: check the TPR threshold after the instruction (§29.1.2). */
  tprCheck: boolean;
  /** HLT completed: the HLT activity state follows. */
  halt: boolean;
}

export const gp0 = (): GuestFault => new GuestFault(13, 0);
export const ud = (): GuestFault => new GuestFault(6, null);

export const requireCpl0 = (g: Guest): void => {
  if (g.cpu.cpl !== 0) throw gp0();
};

/** #UD of VMX instructions (§30.3): real-address, virtual-8086 and compatibility mode. */
export const vmxUdMode = (g: Guest): boolean => !g.protectedMode || g.v86 || (g.longMode && !g.cpu.csL);

/**
 * A fault-like instruction-caused VM exit: RIP stays at the instruction (VMEXIT.SAVE.RIP.FAULT), its
 * length is reported (VMEXIT.INFO.INSTRUCTION), RF is saved as 0 (§27.3.3; VMEXIT.SAVE.RFLAGS).
 */
export const instructionExit = (g: Guest, x: Exec, reason: number, fields: Partial<ExitInformation> = {}): never =>
  exitNow(g, exitInformation(reason, { instructionLength: x.length, ...fields }), { rf: false });

const SEGMENT_NUMBER = { es: 0, cs: 1, ss: 2, ds: 3, fs: 4, gs: 5 } as const;

export const addressSizeCode = (g: Guest): number => (g.mode64 ? 2 : 1);

/** Instruction information of a memory operand (no index, scaling 0). */
export const memoryInfo = (g: Guest, mem: MemOperand): number =>
  ((addressSizeCode(g) << 7) | (SEGMENT_NUMBER[mem.segment ?? 'ds'] << 15) | (1 << 22) | ((mem.base & 0xf) << 23)) >>> 0;

/**
 * Qualification of a memory-operand instruction: the displacement, sign-extended (§27.2.1); the bits
 * above a 32-bit address size, which the SDM leaves undefined, are 0.
 */
export const displacement = (g: Guest, mem: MemOperand): bigint => mem.disp & (g.mode64 ? MASK64 : 0xffff_ffffn);
