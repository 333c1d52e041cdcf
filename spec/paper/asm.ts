/**
 * Assembly-like text for the abstract instruction sets, used to print counterexample programs in
 * test titles and docs/paper.md. VT-i has describeVtiInstruction already; this adds VT-x guest
 * instructions (Intel syntax, registers by their SDM numbers) and the event steps of both.
 */
import type { GuestEvent, NonRootInput } from '../vtx/guest/events.js';
import type { GuestInstruction, MemOperand } from '../vtx/guest/instructions.js';
import type { VtiStepInput } from '../vti/machine/events.js';
import { describeVtiInstruction } from '../vti/machine/instructions.js';

const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const r = (n: number): string => GPR[n] ?? `r?${n}`;
const LEGACY8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
/** The register as an operand of `size` bytes: eax for 4, ax for 2, al for 1, r8d / r8w / r8b above 7. */
const sized = (n: number, size: 1 | 2 | 4 | 8): string => {
  const full = r(n);
  if (size === 8) return full;
  if (n >= 8) return `${full}${{ 1: 'b', 2: 'w', 4: 'd' }[size]}`;
  if (size === 1) return LEGACY8[n] ?? full;
  const x = full.slice(1);
  return size === 4 ? `e${x}` : x;
};
const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

const mem = (m: MemOperand): string => {
  const seg = m.segment === undefined ? '' : `${m.segment}:`;
  const disp = m.disp === 0n ? '' : m.disp < 0n ? ` - ${hex(-m.disp)}` : ` + ${hex(m.disp)}`;
  return `${seg}[${r(m.base)}${disp}]`;
};

const SIZE = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword' } as const;

export const describeGuestInstruction = (i: GuestInstruction): string => {
  switch (i.op) {
    case 'CPUID': case 'GETSEC': case 'INVD': case 'XSETBV': case 'VMCALL': case 'VMLAUNCH': case 'VMRESUME': case 'VMXOFF':
    case 'HLT': case 'RDPMC': case 'RDTSC': case 'RDTSCP': case 'RSM': case 'WBINVD': case 'MWAIT': case 'MONITOR': case 'PAUSE':
    case 'CLTS': case 'RDMSR': case 'WRMSR': case 'ENCLS': case 'SYSENTER': case 'SYSEXIT': case 'CLI': case 'STI': case 'PUSHF':
    case 'POPF': case 'IRET': case 'INT3': case 'INTO': case 'UD2': case 'NOP': case 'RET':
      return i.op.toLowerCase();
    case 'VMCLEAR': case 'VMPTRLD': case 'VMPTRST': case 'VMXON': case 'INVLPG': case 'LGDT': case 'LIDT': case 'SGDT': case 'SIDT':
    case 'XSAVES': case 'XRSTORS':
      return `${i.op.toLowerCase()} ${mem(i.mem)}`;
    case 'INVEPT': case 'INVVPID': case 'INVPCID':
      return `${i.op.toLowerCase()} ${r(i.type)}, ${mem(i.mem)}`;
    case 'VMREAD': return `vmread ${r(i.dst)}, ${r(i.encoding)}`;
    case 'VMWRITE': return `vmwrite ${r(i.encoding)}, ${r(i.src)}`;
    case 'RDRAND': case 'RDSEED': return `${i.op.toLowerCase()} ${r(i.dst)}`;
    case 'MOV_TO_CR': return `mov cr${i.cr}, ${r(i.src)}`;
    case 'MOV_FROM_CR': return `mov ${r(i.dst)}, cr${i.cr}`;
    case 'LMSW': return `lmsw ${i.mem === undefined ? r(i.src ?? 0) : `word ${mem(i.mem)}`}`;
    case 'SMSW': return `smsw ${r(i.dst)}`;
    case 'MOV_TO_DR': return `mov dr${i.dr}, ${r(i.src)}`;
    case 'MOV_FROM_DR': return `mov ${r(i.dst)}, dr${i.dr}`;
    case 'IN': return `in ${['al', 'ax', '', 'eax'][i.size - 1] ?? '?'}, ${i.port === 'dx' ? 'dx' : hex(i.port)}`;
    case 'OUT': return `out ${i.port === 'dx' ? 'dx' : hex(i.port)}, ${['al', 'ax', '', 'eax'][i.size - 1] ?? '?'}`;
    case 'INS': case 'OUTS': return `${i.rep ? 'rep ' : ''}${i.op.toLowerCase()}${['b', 'w', '', 'd'][i.size - 1] ?? '?'}`;
    case 'LLDT': case 'LTR': return `${i.op.toLowerCase()} ${r(i.src)}`;
    case 'SLDT': case 'STR': return `${i.op.toLowerCase()} ${r(i.dst)}`;
    case 'PUSH_CS': return 'push cs';
    case 'MOV_TO_SS': return `mov ss, ${r(i.src)}`;
    case 'INT': return `int ${hex(i.vector)}`;
    case 'JMP_FAR': case 'CALL_FAR': return `${i.op === 'JMP_FAR' ? 'jmp' : 'call'} far ${hex(i.selector)}:0`;
    case 'FPU': return 'fnop';
    case 'SSE': return 'movaps xmm0, xmm0';
    case 'MOV_RI': return `mov ${r(i.dst)}, ${hex(i.imm)}`;
    case 'MOV_RR': return `mov ${r(i.dst)}, ${r(i.src)}`;
    case 'ALU': return `${i.fn} ${r(i.dst)}, ${r(i.src)}`;
    case 'LOAD': return `mov ${sized(i.dst, i.size)}, ${SIZE[i.size]} ${mem(i.mem)}`;
    case 'STORE': return `mov ${SIZE[i.size]} ${mem(i.mem)}, ${sized(i.src, i.size)}`;
    case 'PUSH': return `push ${r(i.src)}`;
    case 'POP': return `pop ${r(i.dst)}`;
    case 'JMP': return `jmp ${hex(i.target)}`;
    case 'JCC': return `j${i.cond} ${hex(i.target)}`;
    case 'CALL': return `call ${hex(i.target)}`;
  }
};

const describeGuestEvent = (e: GuestEvent): string => {
  switch (e.kind) {
    case 'external-interrupt': return `<external interrupt ${hex(e.vector)}>`;
    case 'nmi': return '<NMI>';
    case 'init': return '<INIT>';
    case 'sipi': return `<SIPI ${hex(e.vector)}>`;
    case 'preemption-timer-expiry': return '<preemption timer expires>';
  }
};

export const describeVtxStep = (s: NonRootInput): string =>
  s.kind === 'instruction' ? describeGuestInstruction(s.instruction) : describeGuestEvent(s.event);

export const describeVtiStep = (s: VtiStepInput): string => {
  switch (s.kind) {
    case 'instruction': return describeVtiInstruction(s.instruction);
    case 'event':
      return s.event.kind === 'external-interrupt' ? `<external interrupt ${hex(s.event.vector)}>`
        : s.event.kind === 'timer' ? '<interval timer match>' : `<clock +${s.event.cycles} cycles>`;
    case 'pal': return `<${s.call.name}>`;
  }
};

/** A program as one line: steps separated by "; ". */
export const describeProgram = (steps: readonly string[]): string => steps.join('; ');
