/**
 * §26.4 "Loading MSRs": the VM-entry MSR-load list is processed in order after the guest state is
 * checked and loaded; the first entry that fails ends the entry with exit reason 34 and the entry's
 * 1-based index as qualification. Each list entry is 16 bytes: index (31:0), reserved (63:32), data.
 */
import { X34, type EntryCheckSpec } from './rule.js';

const list = ['VM_ENTRY_MSR_LOAD_COUNT', 'VM_ENTRY_MSR_LOAD_ADDR'] as const;

export const MSR_LOADING_CHECKS = {
  'MSRLOAD.COUNT': {
    section: 'A.6', phase: 'msr-load', statement: 'the VM-entry MSR-load count is at most 512 · (IA32_VMX_MISC[27:25] + 1); beyond it the behaviour is undefined',
    precondition: 'always', failure: { kind: 'undefined' }, reads: list, since: '2016', confidence: '!',
  },
  'MSRLOAD.FSGSBASE': {
    section: '26.4', phase: 'msr-load', statement: 'no entry names IA32_FS_BASE (C0000100H) or IA32_GS_BASE (C0000101H)',
    precondition: 'for each entry, in list order', failure: X34, reads: list, since: '2016', confidence: '2+',
  },
  'MSRLOAD.X2APIC': {
    section: '26.4', phase: 'msr-load', statement: 'no entry names an x2APIC MSR (index bits 31:8 = 000008H, 800H–8FFH)',
    precondition: 'for each entry, in list order', failure: X34, reads: list, since: '2016', confidence: '!',
  },
  'MSRLOAD.SMMONLY': {
    section: '26.4', phase: 'msr-load', statement: 'outside SMM, no entry names an MSR writable only in SMM (IA32_SMM_MONITOR_CTL, 9BH)',
    precondition: 'for each entry, VM entry not started in SMM', failure: X34, reads: list, since: '2016', confidence: '2+',
  },
  'MSRLOAD.MODEL': {
    section: '26.4', phase: 'msr-load', statement: 'no entry names an MSR the processor refuses to load on VM entry for model-specific reasons (profile choices.msrLoadRejected)',
    precondition: 'for each entry, in list order', failure: X34, reads: list, since: '2016', confidence: '2+',
  },
  'MSRLOAD.RSVD': {
    section: '26.4', phase: 'msr-load', statement: 'bits 63:32 of each entry\'s first quadword are 0',
    precondition: 'for each entry, in list order', failure: X34, reads: list, since: '2016', confidence: '2+',
  },
  'MSRLOAD.WRMSR': {
    section: '26.4', phase: 'msr-load', statement: 'WRMSR of the entry\'s data to its index would not #GP; an MSR outside the architectural table may or may not exist (both outcomes permitted)',
    precondition: 'for each entry, in list order', failure: X34, reads: list, since: '2016', confidence: '2+',
  },
} as const satisfies Record<string, EntryCheckSpec>;
