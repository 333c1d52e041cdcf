/**
 * The length in bytes of each abstract guest instruction: what a VM exit reports in the VM-exit
 * instruction-length field (§27.2.4) and how far RIP advances when the instruction completes.
 *
 * Lengths follow the instructions' usual encodings (SDM Vol. 2): the opcode bytes with a ModR/M
 * byte, plus a REX prefix when a register numbered 8 or higher is named (or 64-bit operand size is
 * needed), plus a displacement of 0, 1 or 4 bytes. Both the model and the reference CPU take the
 * length from here, so the abstraction cannot make them disagree.
 */
import type { GuestInstruction, MemOperand } from './instructions.js';

const dispBytes = (m: MemOperand): number => (m.disp === 0n ? 0 : m.disp >= -128n && m.disp <= 127n ? 1 : 4);
const rex = (...regs: number[]): number => (regs.some((r) => r >= 8) ? 1 : 0);
const mem = (base: number, m: MemOperand, ...regs: number[]): number => base + dispBytes(m) + rex(m.base, ...regs);

export const instructionLength = (i: GuestInstruction): number => {
  switch (i.op) {
    case 'CPUID': case 'GETSEC': case 'INVD': case 'WBINVD': case 'RDTSC': case 'RDPMC': case 'RSM':
    case 'RDMSR': case 'WRMSR': case 'CLTS': case 'SYSENTER': case 'UD2': case 'PAUSE':
      return 2;
    case 'SYSEXIT': return 3; // REX.W 0F 35: return to 64-bit code
    case 'XSETBV': case 'VMCALL': case 'VMLAUNCH': case 'VMRESUME': case 'VMXOFF': case 'RDTSCP':
    case 'MWAIT': case 'MONITOR': case 'ENCLS':
      return 3;
    case 'HLT': case 'CLI': case 'STI': case 'PUSHF': case 'POPF': case 'INT3': case 'INTO': case 'NOP': case 'RET':
      return 1;
    case 'IRET': return 2; // REX.W CF (IRETQ)
    case 'PUSH_CS': return 1; // 0E (legal outside 64-bit mode only)
    case 'INT': return 2;
    case 'VMCLEAR': case 'VMXON': return mem(4, i.mem); // 66/F3 0F C7 /6
    case 'VMPTRLD': case 'VMPTRST': return mem(3, i.mem); // 0F C7 /6, /7
    case 'INVEPT': case 'INVVPID': case 'INVPCID': return mem(5, i.mem, i.type); // 66 0F 38 8x /r
    case 'VMREAD': return 3 + rex(i.dst, i.encoding);
    case 'VMWRITE': return 3 + rex(i.src, i.encoding);
    case 'INVLPG': return mem(3, i.mem); // 0F 01 /7
    case 'RDRAND': case 'RDSEED': return 3 + rex(i.dst) + 1; // REX.W 0F C7 /6, /7
    case 'MOV_TO_CR': return 3 + (i.cr === 8 ? 1 : rex(i.src)); // 0F 22 /r; CR8 needs REX.R
    case 'MOV_FROM_CR': return 3 + (i.cr === 8 ? 1 : rex(i.dst));
    case 'LMSW': return i.mem === undefined ? 3 + rex(i.src ?? 0) : mem(3, i.mem);
    case 'SMSW': return 3 + rex(i.dst);
    case 'MOV_TO_DR': return 3 + rex(i.src);
    case 'MOV_FROM_DR': return 3 + rex(i.dst);
    case 'IN': case 'OUT': return (i.port === 'dx' ? 1 : 2) + (i.size === 2 ? 1 : 0); // 66 prefix for 16-bit
    case 'INS': case 'OUTS': return 1 + (i.size === 2 ? 1 : 0) + (i.rep ? 1 : 0);
    case 'LGDT': case 'LIDT': case 'SGDT': case 'SIDT': return mem(3, i.mem); // 0F 01 /n
    case 'LLDT': case 'LTR': return 3 + rex(i.src); // 0F 00 /n
    case 'SLDT': case 'STR': return 3 + rex(i.dst);
    case 'XSAVES': case 'XRSTORS': return mem(4, i.mem); // REX.W 0F C7 /5, /3
    case 'MOV_TO_SS': return 2 + rex(i.src);
    case 'JMP_FAR': case 'CALL_FAR': return 7; // EA/9A ptr16:32
    case 'FPU': return 2;
    case 'SSE': return 3;
    case 'MOV_RI': return 10; // REX.W B8+r imm64
    case 'MOV_RR': return 3; // REX.W 89 /r
    case 'ALU': return 3;
    case 'LOAD': return mem(2, i.mem, i.dst) + (i.size === 8 ? 1 - rex(i.mem.base, i.dst) : 0) + (i.size === 2 ? 1 : 0);
    case 'STORE': return mem(2, i.mem, i.src) + (i.size === 8 ? 1 - rex(i.mem.base, i.src) : 0) + (i.size === 2 ? 1 : 0);
    case 'PUSH': return 1 + rex(i.src);
    case 'POP': return 1 + rex(i.dst);
    case 'JMP': case 'CALL': return 5;
    case 'JCC': return 6;
  }
};
