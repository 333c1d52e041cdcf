/**
 * The abstract guest instruction set of VMX non-root operation: every instruction whose behaviour
 * VMX changes (SDM Vol. 3C §25.1–25.3, June 2016 edition), the instructions of the paper's usage
 * examples (PUSH CS, SGDT, SYSENTER, x87/SSE use), and enough ordinary computation (moves,
 * arithmetic, naturally aligned loads and stores, branches) for guests to compute.
 *
 * It is abstract on purpose: an instruction is a decoded record, not bytes. Its length, which VM
 * exits report (§27.2.4), comes from ./length.ts. Registers are numbered as in the SDM's
 * instruction-information field (0 = RAX … 15 = R15, Table 27-8).
 */

/** General-purpose register number, 0 = RAX … 15 = R15. */
export type Gpr = number;

/**
 * A memory operand: linear address = segment base + GPR[base] + disp, truncated to the address size
 * (64 bits in 64-bit mode, else 32). The segment is DS unless given (SS for stack operations).
 */
export interface MemOperand {
  readonly base: Gpr;
  readonly disp: bigint;
  readonly segment?: 'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs';
}

/** Operand size of data accesses in bytes; loads and stores must be naturally aligned (else #GP(0)). */
export type AccessSize = 1 | 2 | 4 | 8;
export type IoSize = 1 | 2 | 4;
export type ControlRegisterNumber = 0 | 2 | 3 | 4 | 8;
export type DebugRegisterNumber = 0 | 1 | 2 | 3 | 6 | 7;
export type AluOp = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'cmp';
export type Condition = 'z' | 'nz';

export type GuestInstruction =
  // --- §25.1.2: instructions that cause VM exits unconditionally ---
  | { readonly op: 'CPUID' }
  | { readonly op: 'GETSEC' }
  | { readonly op: 'INVD' }
  | { readonly op: 'XSETBV' }
  | { readonly op: 'VMCALL' }
  | { readonly op: 'VMLAUNCH' }
  | { readonly op: 'VMRESUME' }
  | { readonly op: 'VMXOFF' }
  | { readonly op: 'VMCLEAR' | 'VMPTRLD' | 'VMPTRST' | 'VMXON'; readonly mem: MemOperand }
  | { readonly op: 'INVEPT' | 'INVVPID'; readonly type: Gpr; readonly mem: MemOperand }
  | { readonly op: 'VMREAD'; readonly dst: Gpr; readonly encoding: Gpr }
  | { readonly op: 'VMWRITE'; readonly src: Gpr; readonly encoding: Gpr }
  // --- §25.1.3: instructions that cause VM exits conditionally ---
  | { readonly op: 'HLT' }
  | { readonly op: 'INVLPG'; readonly mem: MemOperand }
  | { readonly op: 'INVPCID'; readonly type: Gpr; readonly mem: MemOperand }
  | { readonly op: 'RDPMC' }
  | { readonly op: 'RDTSC' }
  | { readonly op: 'RDTSCP' }
  | { readonly op: 'RSM' }
  | { readonly op: 'WBINVD' }
  | { readonly op: 'MWAIT' }
  | { readonly op: 'MONITOR' }
  | { readonly op: 'PAUSE' }
  | { readonly op: 'RDRAND' | 'RDSEED'; readonly dst: Gpr }
  | { readonly op: 'MOV_TO_CR'; readonly cr: ControlRegisterNumber; readonly src: Gpr }
  | { readonly op: 'MOV_FROM_CR'; readonly cr: ControlRegisterNumber; readonly dst: Gpr }
  | { readonly op: 'CLTS' }
  /** LMSW r16 or LMSW m16: exactly one of `src` and `mem`. */
  | { readonly op: 'LMSW'; readonly src?: Gpr; readonly mem?: MemOperand }
  | { readonly op: 'SMSW'; readonly dst: Gpr }
  | { readonly op: 'MOV_TO_DR'; readonly dr: DebugRegisterNumber; readonly src: Gpr }
  | { readonly op: 'MOV_FROM_DR'; readonly dr: DebugRegisterNumber; readonly dst: Gpr }
  /** IN/OUT: the port is an immediate byte or DX ('dx'); the data register is AL/AX/EAX. */
  | { readonly op: 'IN' | 'OUT'; readonly size: IoSize; readonly port: number | 'dx' }
  /** INS/OUTS: port DX, memory at ES:RDI (INS) or DS:RSI (OUTS); REP repeats RCX times. */
  | { readonly op: 'INS' | 'OUTS'; readonly size: IoSize; readonly rep: boolean }
  | { readonly op: 'RDMSR' }
  | { readonly op: 'WRMSR' }
  | { readonly op: 'LGDT' | 'LIDT' | 'SGDT' | 'SIDT'; readonly mem: MemOperand }
  | { readonly op: 'LLDT' | 'LTR'; readonly src: Gpr }
  | { readonly op: 'SLDT' | 'STR'; readonly dst: Gpr }
  | { readonly op: 'XSAVES' | 'XRSTORS'; readonly mem: MemOperand }
  | { readonly op: 'ENCLS' }
  // --- system instructions whose ordinary behaviour matters to a VMM (no exit of their own) ---
  | { readonly op: 'SYSENTER' }
  | { readonly op: 'SYSEXIT' }
  | { readonly op: 'CLI' }
  | { readonly op: 'STI' }
  | { readonly op: 'PUSHF' }
  | { readonly op: 'POPF' }
  | { readonly op: 'IRET' }
  | { readonly op: 'PUSH_CS' }
  /** MOV SS, r16: loads SS and blocks events for one instruction (§26.3.1.5, "blocking by MOV SS"). */
  | { readonly op: 'MOV_TO_SS'; readonly src: Gpr }
  | { readonly op: 'INT'; readonly vector: number }
  | { readonly op: 'INT3' }
  | { readonly op: 'INTO' }
  | { readonly op: 'UD2' }
  /** A far JMP/CALL to a TSS or task-gate selector: a task switch (always exits, §25.2). */
  | { readonly op: 'JMP_FAR' | 'CALL_FAR'; readonly selector: number }
  /** An x87 instruction (FNOP-like): #NM when CR0.EM or CR0.TS is 1. */
  | { readonly op: 'FPU' }
  /** An SSE instruction: #UD when CR0.EM = 1 or CR4.OSFXSR = 0, else #NM when CR0.TS = 1. */
  | { readonly op: 'SSE' }
  // --- ordinary computation ---
  | { readonly op: 'NOP' }
  | { readonly op: 'MOV_RI'; readonly dst: Gpr; readonly imm: bigint }
  | { readonly op: 'MOV_RR'; readonly dst: Gpr; readonly src: Gpr }
  | { readonly op: 'ALU'; readonly fn: AluOp; readonly dst: Gpr; readonly src: Gpr }
  | { readonly op: 'LOAD'; readonly size: AccessSize; readonly dst: Gpr; readonly mem: MemOperand }
  | { readonly op: 'STORE'; readonly size: AccessSize; readonly src: Gpr; readonly mem: MemOperand }
  | { readonly op: 'PUSH'; readonly src: Gpr }
  | { readonly op: 'POP'; readonly dst: Gpr }
  /** Near branches to an absolute RIP; Jcc tests ZF, which ALU sets. */
  | { readonly op: 'JMP'; readonly target: bigint }
  | { readonly op: 'JCC'; readonly cond: Condition; readonly target: bigint }
  | { readonly op: 'CALL'; readonly target: bigint }
  | { readonly op: 'RET' };

export type GuestOp = GuestInstruction['op'];
