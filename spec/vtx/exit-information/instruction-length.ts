/**
 * Which VM exits record the VM-exit instruction length (32-bit field 440CH; §27.2.4, facts C6).
 * The length (1-15) is that of the instruction that caused the exit, or for an exit during delivery
 * of an injected software event, the VM-entry instruction length. It is undefined for every other
 * exit, and cleared for exits from enclave mode.
 *
 * `when: 'always'` means every exit of that basic reason records it; otherwise `when` says which.
 */

import type { ExitReasonNumber } from '../exit-reasons.js';

export const INSTRUCTION_LENGTH_FIELD = { field: 'VM_EXIT_INSTRUCTION_LEN', encoding: 0x440c, width: 32, section: '24.9.4' } as const;

export interface InstructionLengthRule {
  readonly reason: ExitReasonNumber;
  /** The instructions whose fault-like exit records the length, for reasons caused by instructions. */
  readonly instructions: readonly string[];
  readonly when: 'always' | string;
  readonly section: string;
}

const always = (reason: ExitReasonNumber, ...instructions: string[]) =>
  ({ reason, instructions, when: 'always', section: '27.2.4' }) as const;
const only = (reason: ExitReasonNumber, when: string) =>
  ({ reason, instructions: [], when, section: '27.2.4' }) as const;

// Why the event rows are conditional: the length only means something when a software event (one
// with an instruction behind it) was being delivered; hardware events have no instruction.
const DURING_SOFTWARE_EVENT = 'the exit happened while delivering a software interrupt, privileged software exception or software exception';

export const INSTRUCTION_LENGTH_RULES = [
  only(0, 'software exceptions (#BP from INT3, #OF from INTO), or ' + DURING_SOFTWARE_EVENT),
  only(9, 'task switch caused by CALL, IRET or JMP, or by a task gate reached from INT n, INT3 or INTO'),
  always(10, 'CPUID'),
  always(11, 'GETSEC'),
  always(12, 'HLT'),
  always(13, 'INVD'),
  always(14, 'INVLPG'),
  always(15, 'RDPMC'),
  always(16, 'RDTSC'),
  always(17, 'RSM'),
  always(18, 'VMCALL'),
  always(19, 'VMCLEAR'),
  always(20, 'VMLAUNCH'),
  always(21, 'VMPTRLD'),
  always(22, 'VMPTRST'),
  always(23, 'VMREAD'),
  always(24, 'VMRESUME'),
  always(25, 'VMWRITE'),
  always(26, 'VMXOFF'),
  always(27, 'VMXON'),
  always(28, 'MOV CR', 'CLTS', 'LMSW'),
  always(29, 'MOV DR'),
  always(30, 'IN', 'INS', 'OUT', 'OUTS'),
  always(31, 'RDMSR'),
  always(32, 'WRMSR'),
  always(36, 'MWAIT'),
  always(39, 'MONITOR'),
  always(40, 'PAUSE'),
  only(44, DURING_SOFTWARE_EVENT),
  always(46, 'LGDT', 'LIDT', 'SGDT', 'SIDT'),
  always(47, 'LLDT', 'LTR', 'SLDT', 'STR'),
  only(48, DURING_SOFTWARE_EVENT),
  only(49, DURING_SOFTWARE_EVENT),
  always(50, 'INVEPT'),
  always(51, 'RDTSCP'),
  always(53, 'INVVPID'),
  always(54, 'WBINVD'),
  always(55, 'XSETBV'),
  always(57, 'RDRAND'),
  always(58, 'INVPCID'),
  // VMFUNC exits only when the function fails (§25.5.5), so every such exit records the length.
  always(59, 'VMFUNC'),
  always(60, 'ENCLS'),
  always(61, 'RDSEED'),
  only(62, DURING_SOFTWARE_EVENT),
  always(63, 'XSAVES'),
  always(64, 'XRSTORS'),
] as const satisfies readonly InstructionLengthRule[];

export const INSTRUCTION_LENGTH_BY_REASON: ReadonlyMap<number, InstructionLengthRule> = new Map(
  INSTRUCTION_LENGTH_RULES.map((r) => [r.reason, r]),
);

/** The instruction-length range the field takes when it is defined. */
export const INSTRUCTION_LENGTH_RANGE = [1, 15] as const;
