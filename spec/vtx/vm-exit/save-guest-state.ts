/**
 * §27.3 "Saving Guest State": every guest-state field is written with the processor's value at the
 * moment the exit commences (§27.1 says which updates happen first), the full 64 bits of natural-width
 * fields whatever the mode. The MSR fields depend on VM-exit controls.
 */
import { rule, type TransitionRuleSpec } from './rule.js';

const R = (section: string, statement: string, controlledBy: TransitionRuleSpec['controlledBy'], source: string, extra: Partial<TransitionRuleSpec> = {}) =>
  rule({ section, stage: 'save', statement, controlledBy, source, ...extra });

export const SAVE_GUEST_STATE_RULES = {
  'VMEXIT.SAVE.CR': R('27.3.1', 'CR0, CR3 and CR4 are saved into the guest CR fields', ['GUEST_CR0', 'GUEST_CR3', 'GUEST_CR4'], 'S 27.3.1; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.SYSENTER': R('27.3.1', 'IA32_SYSENTER_CS (bits 31:0), IA32_SYSENTER_ESP and IA32_SYSENTER_EIP are saved', ['GUEST_SYSENTER_CS', 'GUEST_SYSENTER_ESP', 'GUEST_SYSENTER_EIP'], 'S 27.3.1; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.DR7_DEBUGCTL': R('27.3.1', 'DR7 and IA32_DEBUGCTL are saved iff "save debug controls" = 1', ['exit.SAVE_DEBUG_CONTROLS', 'GUEST_DR7', 'GUEST_IA32_DEBUGCTL'], 'S 27.3.1; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.PAT': R('27.3.1', 'IA32_PAT is saved iff "save IA32_PAT" = 1', ['exit.SAVE_IA32_PAT', 'GUEST_IA32_PAT'], 'S 27.3.1; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.EFER': R('27.3.1', 'IA32_EFER is saved iff "save IA32_EFER" = 1', ['exit.SAVE_IA32_EFER', 'GUEST_IA32_EFER'], 'S 27.3.1; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.BNDCFGS': R('27.3.1', 'IA32_BNDCFGS is saved iff the processor supports the 1-setting of "load IA32_BNDCFGS" (entry) or "clear IA32_BNDCFGS" (exit)', ['GUEST_BNDCFGS'], 'S 27.3.1', { confidence: 'S' }),
  'VMEXIT.SAVE.SEGMENTS': R('27.3.2',
    'For each of CS, SS, DS, ES, FS, GS, LDTR and TR the selector is saved; base, limit and access-rights bits 7:0 and 15:12 are saved for a usable register; for an unusable one they are undefined except CS base/limit/L/D/G, SS.DPL, FS/GS bases, SS/DS/ES base bits 63:32 = 0 and a canonical LDTR base; AR bit 16 = unusable, bits 31:17 and 11:8 = 0',
    [], 'S 27.3.2; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.DESCRIPTOR_TABLES': R('27.3.2', 'GDTR and IDTR bases and limits are saved', ['GUEST_GDTR_BASE', 'GUEST_GDTR_LIMIT', 'GUEST_IDTR_BASE', 'GUEST_IDTR_LIMIT'], 'S 27.3.2'),
  'VMEXIT.SAVE.RIP.FAULT': R('27.3.3',
    'A fault-like exit (an instruction that exits unconditionally or by a VM-execution control, INIT/SIPI, a window exit) saves the RIP of the instruction that did not complete (or would have run next)',
    ['GUEST_RIP'], 'S 27.3.3; BX VMexit (fault-like rewind)'),
  'VMEXIT.SAVE.RIP.TRAP': R('27.3.3',
    'A trap-like exit (TPR below threshold after MOV to CR8, debug traps, MTF after an instruction) saves the RIP of the next instruction',
    ['GUEST_RIP'], 'S 27.3.3, 27.1'),
  'VMEXIT.SAVE.RSP': R('27.3.3', 'RSP is saved', ['GUEST_RSP'], 'S 27.3.3'),
  'VMEXIT.SAVE.RFLAGS': R('27.3.3',
    'RFLAGS is saved with RF = 0 for exits caused by executing an instruction that exits unconditionally or by a control, RF = 1 for EPT violations/misconfigurations outside event delivery, and otherwise the RF the event would have pushed or the current RF',
    ['GUEST_RFLAGS'], 'S 27.3.3'),
  'VMEXIT.SAVE.ACTIVITY': R('27.3.4', 'The activity-state field receives the activity state before the exit (0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI)', ['GUEST_ACTIVITY_STATE'], 'S 27.3.4; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.INTERRUPTIBILITY': R('27.3.4',
    'The interruptibility-state field receives blocking by STI (bit 0) and MOV SS (bit 1), blocking by SMI (bit 2) only if the exit ends in SMM (else 0), and blocking by NMI (bit 3) — virtual-NMI blocking when "virtual NMIs" = 1',
    ['GUEST_INTERRUPTIBILITY_INFO', 'pin.VIRTUAL_NMIS'], 'S 27.3.4; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.PENDING_DEBUG': R('27.3.4',
    'The pending-debug-exceptions field is saved as 0 except for exits caused by INIT, #MC, SMI, TPR below threshold, MTF, or any non-#DB exit while MOV-SS blocking holds a debug exception: then B3-B0, BS (14), enabled breakpoint (12) and RTM (16) of the pending exceptions',
    ['GUEST_PENDING_DBG_EXCEPTIONS'], 'S 27.3.4', { confidence: 'S' }),
  'VMEXIT.SAVE.PREEMPTION_TIMER': R('27.3.4',
    'With "save VMX-preemption timer value" = 1 the timer value is saved, 0 for an exit caused by the timer expiring',
    ['exit.SAVE_VMX_PREEMPTION_TIMER_VALUE', 'VMX_PREEMPTION_TIMER_VALUE'], 'S 27.3.4; BX VMexitSaveGuestState'),
  'VMEXIT.SAVE.PDPTE': R('27.3.4',
    'With "enable EPT" = 1 and the guest using PAE paging, the PDPTEs in use are saved into GUEST_PDPTR0-3; otherwise those fields are undefined',
    ['proc2.ENABLE_EPT', 'GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'], 'S 27.3.4', { confidence: 'S' }),
} as const satisfies Record<string, TransitionRuleSpec>;
