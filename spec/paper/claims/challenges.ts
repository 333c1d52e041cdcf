/**
 * Claims of "Challenges to Virtualizing Intel Architectures": the privilege model, ring
 * deprivileging, and the eight challenges. A challenge claim is checked by its pair of properties in
 * conformance/paper/challenges.test.ts (the software-only baseline fails, the VT VMM passes; see
 * ../challenges.ts); `checkedBy` names the rules those properties rest on: the architecture rules
 * that produce the problem where a catalog has them, and the VT rules that remove it.
 */
import { background, claim, type PaperClaimSpec } from '../claim.js';

export const CHALLENGE_CLAIMS = {
  'PAPER.CHALLENGE.PRIVILEGE-LEVELS': claim('CHALLENGES', 'both', 'mechanism',
    'Both architectures protect with a 2-bit privilege level (0 most privileged): privileged instructions fault outside level 0, and the level also limits which addresses are accessible (page tables, plus segments on IA-32). Most software uses levels 0 and 3 only.',
    ['PRIORITY.CPL', 'PAGING.USER', 'VTI.ORDER.PRIVILEGED_FIRST', 'VTI.ORDER.PRIVILEGED_REGISTER']),
  'PAPER.CHALLENGE.RING-DEPRIVILEGING': background('CHALLENGES', 'both',
    'A VMM cannot let a guest OS run at level 0, so without VT it deprivileges all guest software: the guest OS runs at level 1 (the 0/1/3 model) or 3 (0/3/3); 0/1/3 is simpler but unusable for IA-32 guests in 64-bit mode.',
    'it describes the design of a software-only VMM, not of the processor: it is executable as the baseline VMM the challenge checks run (spec/paper/challenges.ts names the model each counterexample applies to), which no catalog rule describes'),
  'PAPER.CHALLENGE.RING-ALIASING': claim('CHALLENGES.RING-ALIASING', 'both', 'challenge',
    'Code deprivileged below the level it was written for can tell: PUSH CS stores the CS selector, whose low bits are the current privilege level, and Itanium br.call records the privilege level in AR.PFS.ppl, which any level may read.',
    ['VTI.NATIVE.BRANCH', 'VTI.NATIVE.MOV_AR', 'ENTRY.LOAD.SEGMENTS', 'GUEST.SEG.SS.DPL.RPL', 'GUEST.SEG.CS.DPL.NONCONF']),
  'PAPER.CHALLENGE.ADDRESS-SPACE-COMPRESSION': claim('CHALLENGES.ADDRESS-SPACE', 'both', 'challenge',
    'A VMM needs part of the guest\'s virtual-address space at least for the structures that route transitions to it (the IDT and GDT on IA-32, the IVT on Itanium); it must keep guest accesses to that part from reading or writing it and emulate them instead.',
    ['EVENT.DELIVERY.IDT32', 'EVENT.DELIVERY.IDT64', 'PAGING.USER', 'VTI.INTERRUPTION.DELIVERY', 'VMEXIT.HOST.CR3', 'VTI.UNIMPL_VA.DATA']),
  'PAPER.CHALLENGE.NONFAULTING-ACCESS': claim('CHALLENGES.NONFAULTING', 'both', 'challenge',
    'Some instructions read privileged state at any privilege level without faulting: SGDT, SIDT, SLDT and STR store the registers that only level 0 may load, and Itanium thash exposes the VHPT base that only level 0 may set through cr.pta; a guest thus sees the values the VMM put there.',
    ['EXIT.DTABLE.GDTR_IDTR', 'EXIT.DTABLE.LDTR_TR', 'VTI.NATIVE.THASH', 'VTI.INTERCEPT.THASH']),
  'PAPER.CHALLENGE.GUEST-SYSCALLS': claim('CHALLENGES.SYSCALLS', 'vtx', 'challenge',
    'SYSENTER always enters level 0 and SYSEXIT faults outside it, so under ring deprivileging every guest SYSENTER lands in the VMM and every guest-OS SYSEXIT faults to it: the VMM must emulate them all.',
    ['VMEXIT.SAVE.SYSENTER', 'VMEXIT.HOST.SYSENTER', 'GUEST.SYSENTER_EIP.CANON', 'GUEST.SYSENTER_ESP.CANON']),
  'PAPER.CHALLENGE.INTERRUPT-VIRTUALIZATION': claim('CHALLENGES.INTERRUPTS', 'both', 'challenge',
    'EFLAGS.IF and PSR.i mask external interrupts. A VMM that keeps interrupt masking to itself makes guest masking fault, which is slow for OSs that mask often; and to deliver a virtual interrupt as soon as the guest unmasks it would have to intercept some masking changes but not others.',
    ['EVENT.BLOCK.IF', 'CHANGED.IF.EXTINT', 'EXIT.EXTINT', 'VTI.EXTINT.PEND', 'VTI.INTERCEPT.SSM', 'VTI.INTERCEPT.RSM', 'VTI.VAC.a_from_psr']),
  'PAPER.CHALLENGE.HIDDEN-STATE': claim('CHALLENGES.HIDDEN-STATE', 'both', 'challenge',
    'Some state has no software-visible register: on IA-32 the descriptor caches of the segment registers, which keep their value when the descriptor tables change and cannot be saved or restored; on Itanium the RSE\'s CFLE, which nothing writes directly and rfi always sets to 1.',
    ['ENTRY.LOAD.SEGMENTS', 'VMEXIT.SAVE.SEGMENTS', 'VTI.NATIVE.RFI', 'VTI.PAL.VPS_RESUME_HANDLER.OK']),
  'PAPER.CHALLENGE.RING-COMPRESSION': claim('CHALLENGES.RING-COMPRESSION', 'vtx', 'challenge',
    'In 64-bit mode segment limits do not apply, so only paging can protect the VMM, and IA-32 paging treats levels 0-2 alike: the guest OS must run at level 3 with its applications (0/3/3) and loses its protection from them.',
    ['PAGING.USER', 'EPT.GUEST.PAGING', 'ENTRY.LOAD.SEGMENTS']),
  'PAPER.CHALLENGE.FREQUENT-ACCESS': claim('CHALLENGES.FREQUENT-ACCESS', 'both', 'challenge',
    'Trapping accesses to privileged resources can be correct but too slow. Some OSs access the TPR (in the APIC on IA-32, a control register on Itanium) very often although the VMM only needs to act when it drops below a value of its choosing; and every Itanium interruption handler reads the interruption-control registers, which fault outside level 0.',
    ['CHANGED.CR8.WRITE', 'EXIT.TPR.BELOW.THRESHOLD', 'VTI.NATIVE.MOV_CR', 'VTI.MOV_CR.INTERRUPTION_CR_IC', 'VTI.ORDER.PRIVILEGED_FIRST', 'VTI.VAC.a_from_int_cr']),
} as const satisfies Record<string, PaperClaimSpec>;
