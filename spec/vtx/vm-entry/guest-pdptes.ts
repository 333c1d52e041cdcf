/**
 * §26.3.1.6 "Checks on Guest Page-Directory-Pointer-Table Entries": when the guest will use PAE paging
 * (guest CR0.PG = 1, CR4.PAE = 1, "IA-32e mode guest" = 0), its four PDPTEs must pass the checks MOV
 * to CR3 performs: a present PDPTE (bit 0 = 1) has reserved bits 2:1, 8:5 and 63:MAXPHYADDR clear.
 * Exit reason 33, qualification 2 (PDPTE load failure, §26.7).
 */
import { X33, type EntryCheckSpec } from './rule.js';

const G = { section: '26.3.1.6', phase: 'guest', failure: X33(2), since: '2016', confidence: '2+' } as const;

export const GUEST_PDPTES_CHECKS = {
  'GUEST.PDPTE.NOEPT': {
    ...G, statement: 'each present PDPTE of the four at guest CR3[31:5] has bits 2:1, 8:5 and 63:MAXPHYADDR = 0 (always checked: the SDM allows that)',
    precondition: 'guest PAE paging (CR0.PG = 1, CR4.PAE = 1, "IA-32e mode guest" = 0) and "enable EPT" = 0',
    reads: ['GUEST_CR0', 'GUEST_CR3', 'GUEST_CR4', 'VM_ENTRY_CONTROLS', 'SECONDARY_VM_EXEC_CONTROL'],
  },
  'GUEST.PDPTE.EPT': {
    ...G, statement: 'each present PDPTE among the GUEST_PDPTR0–3 fields has bits 2:1, 8:5 and 63:MAXPHYADDR = 0',
    precondition: 'guest PAE paging (CR0.PG = 1, CR4.PAE = 1, "IA-32e mode guest" = 0) and "enable EPT" = 1',
    reads: ['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3', 'GUEST_CR0', 'GUEST_CR4', 'VM_ENTRY_CONTROLS', 'SECONDARY_VM_EXEC_CONTROL'],
  },
} as const satisfies Record<string, EntryCheckSpec>;
