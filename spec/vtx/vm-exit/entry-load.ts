/**
 * What a successful VM entry loads that the VM-entry catalog (spec/vtx/vm-entry) does not list as
 * checks: the full segment and descriptor-table registers (§26.3.2.2) and the guest's non-register
 * state — interruptibility, activity and pending debug exceptions (§26.6.1–26.6.3). A VM entry is
 * "vectoring" when the VM-entry interruption-information field is valid with a type other than 7
 * (other event); those entries deliver an event and do not take these fields as they are.
 */
import { rule, type TransitionRuleSpec } from './rule.js';

const R = (section: string, statement: string, controlledBy: TransitionRuleSpec['controlledBy'], source: string, extra: Partial<TransitionRuleSpec> = {}) =>
  rule({ section, stage: 'entry-load', statement, controlledBy, source, ...extra });

export const ENTRY_LOAD_RULES = {
  'ENTRY.LOAD.SEGMENTS': R('26.3.2.2',
    'CS, SS, DS, ES, FS, GS, LDTR and TR are loaded from their selector, base, limit and access-rights fields; an unusable register keeps only what stays defined (selector, SS.DPL as the CPL, FS/GS bases — also the FS.base/GS.base MSRs — SS/DS/ES base bits 63:32 = 0, a canonical LDTR base)',
    [], 'S 26.3.2.2; BX VMenterLoadCheckGuestState'),
  'ENTRY.LOAD.DESCRIPTOR_TABLES': R('26.3.2.2', 'GDTR and IDTR are loaded from their base and limit fields', ['GUEST_GDTR_BASE', 'GUEST_GDTR_LIMIT', 'GUEST_IDTR_BASE', 'GUEST_IDTR_LIMIT'], 'S 26.3.2.2; BX'),
  'ENTRY.LOAD.PDPTE': R('26.3.2.4',
    'An entry to a guest using PAE paging (guest CR0.PG = 1, CR4.PAE = 1, "IA-32e mode guest" = 0) loads the four PDPTE registers: from the GUEST_PDPTR0-3 fields with "enable EPT" = 1, otherwise from the table at guest CR3[31:5], as §26.3.1.6 checked them',
    ['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3', 'GUEST_CR3', 'proc2.ENABLE_EPT'], 'S 26.3.2.4'),
  'ENTRY.LOAD.INTERRUPTIBILITY': R('26.6.1',
    'After a vectoring entry there is no blocking by STI or MOV SS; otherwise they follow bits 0 and 1 of the interruptibility-state field. Bit 3 is NMI blocking ("virtual NMIs" = 0) or virtual-NMI blocking ("virtual NMIs" = 1, real NMIs then unblocked); blocking by SMI changes only for entries in SMM (bit 2)',
    ['GUEST_INTERRUPTIBILITY_INFO', 'VM_ENTRY_INTR_INFO_FIELD', 'pin.VIRTUAL_NMIS'], 'S 26.6.1; BX'),
  'ENTRY.LOAD.ACTIVITY': R('26.6.2',
    'A vectoring entry leaves the processor active; otherwise it enters the state of the activity-state field (active, HLT, shutdown, wait-for-SIPI)',
    ['GUEST_ACTIVITY_STATE', 'VM_ENTRY_INTR_INFO_FIELD'], 'S 26.6.2; BX'),
  'ENTRY.LOAD.PENDING_DEBUG': R('26.6.3',
    'The pending-debug-exceptions field becomes the processor\'s pending debug exceptions, except that none are pending after a vectoring entry of type 0, 2, 3 or 5, after one of type 4 or 6 without MOV-SS blocking, and after a non-vectoring entry to shutdown or wait-for-SIPI',
    ['GUEST_PENDING_DBG_EXCEPTIONS', 'GUEST_INTERRUPTIBILITY_INFO', 'GUEST_ACTIVITY_STATE', 'VM_ENTRY_INTR_INFO_FIELD'], 'S 26.6.3', { confidence: 'S' }),
  'ENTRY.LOAD.NONROOT': R('26',
    'A successful VM entry leaves the processor in VMX non-root operation; event injection (§26.5) then happens in it and may itself end in a VM exit',
    [], 'S 26 (introduction), 26.5; BX'),
} as const satisfies Record<string, TransitionRuleSpec>;
