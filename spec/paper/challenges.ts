/**
 * The eight challenges of software-only virtualization ("Challenges to Virtualizing Intel
 * Architectures") as checkable items. For each architecture the paper states a challenge for, it
 * gives the VT mechanism that removes it ("Solving Virtualization Challenges with VT-x and VT-i") with
 * the rules it rests on, and the minimal counterexample that fast-check is expected to shrink to
 * against the software-only baseline VMM that deprivileges the guest (0/1/3 or 0/3/3).
 *
 * A counterexample fails the baseline in one of two ways (`criterion`):
 * - 'observation': the guest observes something it would not observe natively (a register, memory,
 *   a value read from privileged state, an exception, or hidden state the model compares);
 * - 'vmm-transitions': the guest computes the right thing, but only because the VMM was entered for
 *   an instruction that natively, and under the VT VMM, needs no VMM at all — the paper's efficiency
 *   challenges, where a faulting trap-and-emulate VMM is correct but slow.
 * The VT VMM must pass the same criterion on every generated program (conformance/paper/challenges.test.ts).
 */
import type { NonRootInput } from '../vtx/guest/events.js';
import type { GuestInstruction } from '../vtx/guest/instructions.js';
import type { VtiStepInput } from '../vti/machine/events.js';
import type { VtiInstruction } from '../vti/machine/instructions.js';
import type { RuleRef } from './claim.js';
import { VTI_GUEST, VTI_VMM_IVT, VTX_BASELINE_VMM_AREA, VTX_GUEST, VTX_GUEST_DS_DESCRIPTOR_HIGH } from './layout.js';
import type { SectionId } from './outline.js';

export type DeprivilegingModel = '0/1/3' | '0/3/3';
export type FailureCriterion = 'observation' | 'vmm-transitions';

interface CounterexampleCommon {
  /** Ring-deprivileging models of the baseline the counterexample applies to. */
  readonly models: readonly DeprivilegingModel[];
  readonly criterion: FailureCriterion;
  /** Where the program starts: in the guest OS (natively at level 0) or in a guest application (level 3). */
  readonly startsIn: 'guest kernel' | 'guest application';
  /** What the start state must hold beyond the guest layout (./layout.ts). */
  readonly assumes: string;
  /** What happens natively, and under the baseline. */
  readonly native: string;
  readonly baseline: string;
  /** Why nothing shorter fails, and why this instruction rather than a sibling. */
  readonly why: string;
}

export interface VtxCounterexample extends CounterexampleCommon {
  readonly mode: 'protected' | 'ia32e';
  readonly program: readonly NonRootInput[];
}

export interface VtiCounterexample extends CounterexampleCommon {
  readonly program: readonly VtiStepInput[];
}

export interface Solution<C> {
  /** The VT mechanism that removes the challenge, in one line. */
  readonly mechanism: string;
  /** Where the paper says so. */
  readonly section: SectionId;
  readonly removedBy: readonly RuleRef[];
  readonly counterexample: C;
}

export interface ChallengeSpec {
  /** The title of the challenge's subsection in the paper. */
  readonly title: string;
  readonly section: SectionId;
  /** The challenge in one line (the claim of the same ID has the full paraphrase). */
  readonly summary: string;
  /** null: the paper does not state the challenge for that architecture. */
  readonly vtx: Solution<VtxCounterexample> | null;
  readonly vti: Solution<VtiCounterexample> | null;
  /** Why a challenge is stated for one architecture only, or how the model covers it partly. */
  readonly note?: string;
}

const gi = (instruction: GuestInstruction): NonRootInput => ({ kind: 'instruction', instruction });
const ii = (instruction: VtiInstruction): VtiStepInput => ({ kind: 'instruction', instruction });
const BOTH: readonly DeprivilegingModel[] = ['0/1/3', '0/3/3'];
const RAX = 0, RCX = 1;

export const CHALLENGES = {
  'PAPER.CHALLENGE.RING-ALIASING': {
    title: 'Ring Aliasing', section: 'CHALLENGES.RING-ALIASING',
    summary: 'Deprivileged code can read its own privilege level.',
    vtx: {
      mechanism: 'the guest OS runs at level 0 in VMX non-root operation, so the CS selector it pushes has RPL 0',
      section: 'SOLVING.RINGS',
      removedBy: ['ENTRY.LOAD.SEGMENTS', 'GUEST.SEG.SS.DPL.RPL', 'GUEST.SEG.CS.DPL.NONCONF', 'ENTRY.LOAD.NONROOT', 'VMEXIT.SAVE.SEGMENTS'],
      counterexample: {
        mode: 'protected', startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [gi({ op: 'PUSH_CS' })],
        assumes: '32-bit protected mode (PUSH CS is #UD in 64-bit mode)',
        native: 'the stack receives the guest kernel\'s CS selector with RPL 0',
        baseline: 'the same selector with RPL 1 (0/1/3) or 3 (0/3/3): the guest OS sees it is not at level 0',
        why: 'one instruction, unprivileged, that stores the current privilege level where the guest can see it; nothing faults, so the VMM never sees it',
      },
    },
    vti: {
      mechanism: 'PSR.vm is orthogonal to the privilege level: the guest OS runs at cpl 0 with PSR.vm = 1, so br.call records ppl = 0',
      section: 'SOLVING.RINGS',
      removedBy: ['VTI.NATIVE.BRANCH', 'VTI.ORDER.PRIVILEGED_FIRST', 'VTI.INTERCEPT.HANDOFF', 'VTI.PAL.VPS_RESUME_NORMAL.OK'],
      counterexample: {
        startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [ii({ op: 'br-call', b1: 0, target: VTI_GUEST.ip + 0x10n })],
        assumes: 'the guest kernel at the guest IP of spec/paper/layout.ts; the call goes to the next bundle',
        native: 'AR.PFS.ppl (bits 63:62) = 0',
        baseline: 'AR.PFS.ppl = 1 (0/1/3) or 3 (0/3/3); AR.PFS is readable at any level',
        why: 'br.call is unprivileged and never intercepted; the privilege level lands in an application register the guest can read, so the state after the one instruction already differs',
      },
    },
  },
  'PAPER.CHALLENGE.ADDRESS-SPACE-COMPRESSION': {
    title: 'Address-Space Compression', section: 'CHALLENGES.ADDRESS-SPACE',
    summary: 'The VMM must live in, and guard, part of the guest\'s own address space.',
    vtx: {
      mechanism: 'every VM entry and exit switches CR3 (and GDTR/IDTR), so the VMM occupies none of the guest\'s linear-address space; the VMCS is addressed physically',
      section: 'SOLVING.ADDRESS-SPACE',
      removedBy: ['VMEXIT.HOST.CR3', 'VMEXIT.SAVE.CR', 'GUEST.CR3.PAW', 'VMEXIT.HOST.DESCRIPTOR_TABLES', 'ENTRY.LOAD.DESCRIPTOR_TABLES', 'VMPTRLD.OK'],
      counterexample: {
        mode: 'protected', startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [gi({ op: 'LOAD', size: 4, dst: RAX, mem: { base: RAX, disp: VTX_BASELINE_VMM_AREA } })],
        assumes: 'general registers start at 0; the guest maps the top 4 MiB as its own memory',
        native: 'the load returns the guest\'s own data',
        baseline: 'the address is the VMM\'s (spec/paper/layout.ts, VTX_BASELINE_VMM_AREA): the load faults (segment limit in 0/1/3, supervisor page in 0/3/3) or, were it unprotected, returns VMM data',
        why: 'a single ordinary load names any linear address through its displacement; no shorter program touches the reserved area',
      },
    },
    vti: {
      mechanism: 'with PSR.vm = 1 the uppermost implemented address bit is unimplemented, and the VMM hides that bit by intercepting the guest\'s PAL call that reports it; the VMM lives in the half the guest cannot name',
      section: 'SOLVING.ADDRESS-SPACE',
      removedBy: ['VTI.UNIMPL_VA.DATA', 'VTI.UNIMPL_VA.INSTRUCTION', 'VTI.UNIMPL_VA.VMM'],
      counterexample: {
        startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [ii({ op: 'mov-imm', r1: 2, imm: VTI_VMM_IVT }), ii({ op: 'ld8', r1: 8, r3: 2 })],
        assumes: 'natively the guest runs on the processor the VT VMM describes to it (one implemented address bit fewer), so the address is unimplemented there too',
        native: 'the load from the VMM\'s IVT address takes the Unimplemented Data Address fault',
        baseline: 'without PSR.vm the address is implemented and holds the VMM\'s IVT: the load returns VMM code or faults on the VMM\'s level-0 page, not with an unimplemented-address fault',
        why: 'Itanium loads take no displacement, so the address must first be put in a register: two instructions are the minimum',
      },
    },
  },
  'PAPER.CHALLENGE.NONFAULTING-ACCESS': {
    title: 'Non-Faulting Access to Privileged State', section: 'CHALLENGES.NONFAULTING',
    summary: 'Some unprivileged instructions read privileged state without faulting.',
    vtx: {
      mechanism: 'the guest owns GDTR, IDTR, LDTR and TR (loaded from and saved to the guest-state area), so SGDT stores its own value; "descriptor-table exiting" can also make the eight instructions exit',
      section: 'SOLVING.NONFAULTING',
      removedBy: ['ENTRY.LOAD.DESCRIPTOR_TABLES', 'VMEXIT.SAVE.DESCRIPTOR_TABLES', 'VMEXIT.HOST.DESCRIPTOR_TABLES', 'EXIT.DTABLE.GDTR_IDTR', 'EXIT.DTABLE.LDTR_TR', 'proc2.DESCRIPTOR_TABLE_EXITING'],
      counterexample: {
        mode: 'protected', startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [gi({ op: 'SGDT', mem: { base: RAX, disp: VTX_GUEST.scratch } })],
        assumes: 'general registers start at 0',
        native: 'memory receives the guest\'s GDTR (base VTX_GUEST.gdtBase)',
        baseline: 'memory receives the VMM\'s GDTR: the real one the VMM keeps loaded',
        why: 'SGDT is unprivileged and stores the register in guest memory in one step; SIDT, SLDT and STR fail the same way, SGDT is the paper\'s example',
      },
    },
    vti: {
      mechanism: 'thash with PSR.vm = 1 raises a virtualization intercept; the VMM emulates it with the guest\'s PTA (PAL_VPS_THASH for the long format)',
      section: 'SOLVING.NONFAULTING',
      removedBy: ['VTI.INTERCEPT.THASH', 'VTI.INTERCEPT.TTAG', 'VTI.PAL.VPS_THASH.OK', 'VTI.NATIVE.THASH'],
      counterexample: {
        startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [ii({ op: 'thash', r1: 8, r3: 0 })],
        assumes: 'the guest set its PTA (short-format VHPT) to a base other than the VMM\'s',
        native: 'r8 = the hash address of address 0 in the guest\'s VHPT, which reveals the guest\'s VHPT base',
        baseline: 'the real PTA is the VMM\'s, so r8 reveals the VMM\'s VHPT base',
        why: 'thash is unprivileged and never faults; r0 is always 0, so no set-up instruction is needed',
      },
    },
  },
  'PAPER.CHALLENGE.GUEST-SYSCALLS': {
    title: 'Adverse Impact on Guest System Calls', section: 'CHALLENGES.SYSCALLS',
    summary: 'SYSENTER and SYSEXIT assume level 0, so each one needs the VMM.',
    vtx: {
      mechanism: 'the guest OS runs at level 0 and its IA32_SYSENTER_* values are switched by VM entry and exit, so SYSENTER and SYSEXIT run without VM exits',
      section: 'SOLVING.SYSCALLS',
      removedBy: ['VMEXIT.SAVE.SYSENTER', 'VMEXIT.HOST.SYSENTER', 'GUEST.SYSENTER_EIP.CANON', 'GUEST.SYSENTER_ESP.CANON', 'ENTRY.LOAD.SEGMENTS'],
      counterexample: {
        mode: 'protected', startsIn: 'guest application', models: BOTH, criterion: 'vmm-transitions',
        program: [gi({ op: 'SYSENTER' })],
        assumes: 'the guest OS has programmed IA32_SYSENTER_CS/ESP/EIP (the system-call guest of issue 6)',
        native: 'the call enters the guest OS at level 0, no VMM involved',
        baseline: 'the real SYSENTER MSRs are the VMM\'s, so the call enters the VMM, which must emulate it (and then runs the guest OS at level 1 or 3)',
        why: 'one instruction; SYSEXIT fails the same way (it faults outside level 0) but needs the guest kernel first',
      },
    },
    vti: null,
    note: 'The paper states this challenge for IA-32 only: its Itanium text has no fast system-call instructions that assume level 0, and its solving section names VT-x alone.',
  },
  'PAPER.CHALLENGE.INTERRUPT-VIRTUALIZATION': {
    title: 'Interrupt Virtualization', section: 'CHALLENGES.INTERRUPTS',
    summary: 'Keeping interrupt masking from the guest is slow, and delivering virtual interrupts on time is hard.',
    vtx: {
      mechanism: 'with "external-interrupt exiting" the guest may own EFLAGS.IF (it no longer masks physical interrupts), and "interrupt-window exiting" tells the VMM when to inject',
      section: 'SOLVING.INTERRUPTS',
      removedBy: ['EXIT.EXTINT', 'CHANGED.IF.EXTINT', 'EXIT.INTWINDOW', 'INJECT.DELIVERY', 'GUEST.RFLAGS.IF.EXTINT', 'pin.EXTERNAL_INTERRUPT_EXITING', 'proc.INTERRUPT_WINDOW_EXITING'],
      counterexample: {
        mode: 'protected', startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [gi({ op: 'POPF' })],
        assumes: 'the guest runs with EFLAGS.IF = 1 and the word at the top of its stack is 0 (memory starts zeroed)',
        native: 'POPF at level 0 loads IF = 0',
        baseline: 'the VMM runs the guest with IOPL below its level so that CLI/STI fault; POPF there does not fault and silently leaves IF = 1',
        why: 'CLI and STI fault and are emulated correctly (only slowly); POPF is the one masking change that neither faults nor takes effect, so one instruction diverges',
      },
    },
    vti: {
      mechanism: 'the acceleration field: with vac.a_from_psr reads of PSR.i come from the VPD without intercepts; vac.a_int with PAL_VPS_SET_PENDING_INTERRUPT raises the virtual external interrupt vector when the guest unmasks',
      section: 'SOLVING.INTERRUPTS',
      removedBy: ['VTI.VAC.a_from_psr', 'VTI.VAC.a_int', 'VTI.VEI.DELIVER', 'VTI.VEI.MASKED', 'VTI.PAL.VPS_SET_PENDING_INTERRUPT.OK'],
      counterexample: {
        startsIn: 'guest kernel', models: BOTH, criterion: 'vmm-transitions',
        program: [ii({ op: 'mov-from-psr', r1: 8 })],
        assumes: 'the VT VMM enables vac.a_from_psr (as the Linux and Xen VMMs do)',
        native: 'the guest kernel reads its PSR, PSR.i included, at cpl 0',
        baseline: 'at cpl 1 or 3 mov from psr is a Privileged Operation fault: the VMM is entered on every read',
        why: 'every Itanium instruction that changes PSR.i is privileged, so a trap-and-emulate VMM stays correct: the challenge on Itanium is the cost of the transitions; of the accesses to PSR.i only the read avoids the VMM in the model',
      },
    },
    note: 'On VT-i the model removes the transition only for reads of PSR.i: ssm/rsm psr.i still intercept, because neither the a_ic_um acceleration nor the PSR.i disable has a retrieved bit position (spec/vti/vpd.ts).',
  },
  'PAPER.CHALLENGE.HIDDEN-STATE': {
    title: 'Access to Hidden State', section: 'CHALLENGES.HIDDEN-STATE',
    summary: 'State without a register cannot be saved, restored or set by a VMM.',
    vtx: {
      mechanism: 'the guest-state area has fields for the hidden parts of the segment registers (and interruptibility, activity, pending debug exceptions); exits save them and entries load them',
      section: 'SOLVING.HIDDEN-STATE',
      removedBy: ['VMEXIT.SAVE.SEGMENTS', 'ENTRY.LOAD.SEGMENTS', 'VMEXIT.SAVE.INTERRUPTIBILITY', 'ENTRY.LOAD.INTERRUPTIBILITY', 'VMEXIT.SAVE.ACTIVITY', 'ENTRY.LOAD.ACTIVITY'],
      counterexample: {
        mode: 'protected', startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [
          gi({ op: 'STORE', size: 4, src: RAX, mem: { base: RAX, disp: VTX_GUEST_DS_DESCRIPTOR_HIGH } }),
          gi({ op: 'CLI' }),
          gi({ op: 'LOAD', size: 4, dst: RCX, mem: { base: RAX, disp: VTX_GUEST.data } }),
        ],
        assumes: 'general registers start at 0; the baseline does not write-protect the guest GDT and reloads the guest segment registers from it whenever it resumes the guest',
        native: 'zeroing the high half of the DS descriptor (P = 0) leaves the DS cache as it was, and the load succeeds',
        baseline: 'CLI faults to the VMM; resuming the guest reloads DS from the now not-present descriptor, so the load (or the resume) faults',
        why: 'the descriptor must change, the VMM must be entered, and the stale cache must be used: three steps; CLI is the commonest instruction that enters the baseline',
      },
    },
    vti: {
      mechanism: 'PAL_VPS_RESUME_HANDLER takes the CFLE value to resume with in bit 63 of its vac argument',
      section: 'SOLVING.HIDDEN-STATE',
      removedBy: ['VTI.PAL.VPS_RESUME_HANDLER.OK', 'VTI.NATIVE.RFI', 'VTI.EXTINT.PEND'],
      counterexample: {
        startsIn: 'guest kernel', models: BOTH, criterion: 'observation',
        program: [{ kind: 'event', event: { kind: 'external-interrupt', vector: 0x30 } }],
        assumes: 'the guest is in an interruption handler with CFLE = 0 and PSR.i = 0 (its frame not yet loaded)',
        native: 'the interrupt stays pending (PSR.i = 0) and CFLE stays 0',
        baseline: 'the VMM takes the physical interrupt and can only return to the guest with rfi, which sets CFLE = 1',
        why: 'the VMM must be entered while CFLE = 0, and an external interrupt needs no guest instruction at all; the model compares CFLE (rse.cfle) as state',
      },
    },
    note: 'On VT-i the divergence is in hidden state the model compares (RSE.CFLE), not in a register value: the model has no RSE backing store, so the mandatory frame load that CFLE governs is not itself observable.',
  },
  'PAPER.CHALLENGE.RING-COMPRESSION': {
    title: 'Ring Compression', section: 'CHALLENGES.RING-COMPRESSION',
    summary: 'In 64-bit mode the guest OS shares level 3 with its applications.',
    vtx: {
      mechanism: 'the guest OS runs at level 0 and its applications at 3 in non-root operation, so the guest\'s own supervisor pages protect it (with EPT the guest page tables apply unchanged)',
      section: 'SOLVING.RINGS',
      removedBy: ['PAGING.USER', 'EPT.GUEST.PAGING', 'ENTRY.LOAD.SEGMENTS'],
      counterexample: {
        mode: 'ia32e', startsIn: 'guest application', models: ['0/3/3'], criterion: 'observation',
        program: [gi({ op: 'STORE', size: 8, src: RAX, mem: { base: RAX, disp: VTX_GUEST.kernelPage } })],
        assumes: 'a 64-bit guest; general registers start at 0; the guest maps VTX_GUEST.kernelPage supervisor-only',
        native: 'the application\'s store to the kernel page is a page fault (U/S = 0)',
        baseline: 'the guest OS runs at level 3 too, so the VMM\'s page tables must make kernel pages user-accessible: the store succeeds and corrupts the guest OS',
        why: 'one store from level 3; ring compression only arises in the 0/3/3 model, which 64-bit guests force',
      },
    },
    vti: null,
    note: 'The paper states ring compression for IA-32 only (64-bit mode leaves only paging, which cannot tell levels 0-2 apart); Itanium page access rights distinguish all four levels. Its solving section names VT-x and VT-i together, so the claim PAPER.SOLVE.RING-COMPRESSION is "both", but there is nothing to check on VT-i.',
  },
  'PAPER.CHALLENGE.FREQUENT-ACCESS': {
    title: 'Frequent Access to Privileged Resources', section: 'CHALLENGES.FREQUENT-ACCESS',
    summary: 'Trapping every access to a frequently used privileged register is too slow.',
    vtx: {
      mechanism: 'with "use TPR shadow", MOV to CR8 writes the virtual TPR without an exit, and exits only when it drops below the TPR threshold',
      section: 'SOLVING.FREQUENT-ACCESS',
      removedBy: ['CHANGED.CR8.WRITE', 'CHANGED.CR8.READ', 'EXIT.TPR.BELOW.THRESHOLD', 'CTL.TPR.THRESH.VTPR', 'proc.USE_TPR_SHADOW', 'proc.CR8_LOAD_EXITING'],
      counterexample: {
        mode: 'ia32e', startsIn: 'guest kernel', models: ['0/3/3'], criterion: 'vmm-transitions',
        program: [gi({ op: 'MOV_TO_CR', cr: 8, src: RAX })],
        assumes: 'a 64-bit guest (CR8 exists only in 64-bit mode, where 0/3/3 is the only model); the VT VMM\'s TPR threshold is 0 (nothing pending)',
        native: 'the TPR write needs no VMM',
        baseline: 'MOV to CR8 at level 3 is #GP: the VMM is entered for every TPR write',
        why: 'one TPR write; the paper\'s point is the frequency, so the check counts VMM entries rather than observations',
      },
    },
    vti: {
      mechanism: 'with vac.a_from_int_cr the guest\'s reads of cr16-cr25 come from the VPD, with no intercept (the VMM presets them and calls PAL_VPS_SYNC_WRITE)',
      section: 'SOLVING.FREQUENT-ACCESS',
      removedBy: ['VTI.VAC.a_from_int_cr', 'VTI.VAC.a_to_int_cr', 'VTI.MOV_CR.INTERRUPTION_CR_IC', 'VTI.PAL.VPS_SYNC_WRITE.OK'],
      counterexample: {
        startsIn: 'guest kernel', models: BOTH, criterion: 'vmm-transitions',
        program: [ii({ op: 'mov-from-cr', r1: 8, cr: 19 })],
        assumes: 'the guest is in an interruption handler (PSR.ic = 0 in its view); the VT VMM enables vac.a_from_int_cr',
        native: 'the handler reads cr.iip with no VMM involved',
        baseline: 'at cpl 1 or 3 the read is a Privileged Operation fault: the VMM is entered for every interruption-register read',
        why: 'every handler starts by reading the interruption registers; the TPR example does not carry over to the model, where a guest TPR write still intercepts under vac.a_int (see PAPER.SOLVE.TPR.VTI)',
      },
    },
    note: 'The paper gives the TPR for both architectures and the interruption-control registers for Itanium. The VT-i check uses the interruption-control registers, because in the model (after the Linux and Xen VMMs) a guest TPR write with vac.a_int still intercepts.',
  },
} as const satisfies Record<string, ChallengeSpec>;

export type ChallengeId = keyof typeof CHALLENGES;
export const CHALLENGE_IDS = Object.keys(CHALLENGES) as ChallengeId[];

/** 'both' when the paper states the challenge for IA-32 and Itanium, else the one it names. */
export const statedFor = (c: ChallengeSpec): 'vtx' | 'vti' | 'both' =>
  c.vtx !== null && c.vti !== null ? 'both' : c.vtx !== null ? 'vtx' : 'vti';
