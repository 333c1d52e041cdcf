/**
 * §26.3.1.4 "Checks on Guest RIP and RFLAGS". Exit reason 33, qualification 0.
 */
import { X33, type EntryCheckSpec } from './rule.js';

const G = { section: '26.3.1.4', phase: 'guest', failure: X33(0), since: '2016' } as const;

export const GUEST_RIP_RFLAGS_CHECKS = {
  'GUEST.RIP.HI': {
    ...G, statement: 'RIP bits 63:32 are 0 unless the guest will run 64-bit code',
    precondition: 'Intel 64 processor and ("IA-32e mode guest" = 0 or CS.L = 0)', reads: ['GUEST_RIP', 'GUEST_CS_AR_BYTES', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.RIP.CANON': {
    ...G, statement: 'RIP bits 63:N are all equal, N = linear-address width (63:N, one bit fewer than "canonical", which is 63:N-1)',
    precondition: 'Intel 64 processor, "IA-32e mode guest" = 1, CS.L = 1 and N < 64', reads: ['GUEST_RIP', 'GUEST_CS_AR_BYTES', 'VM_ENTRY_CONTROLS'], confidence: 'S',
  },
  'GUEST.RFLAGS.RSVD0': {
    ...G, statement: 'RFLAGS reserved bits 63:22 (31:22 without Intel 64), 15, 5 and 3 are 0',
    precondition: 'always', reads: ['GUEST_RFLAGS'], confidence: '2+',
  },
  'GUEST.RFLAGS.BIT1': {
    ...G, statement: 'RFLAGS bit 1 (reserved, always 1) is 1',
    precondition: 'always', reads: ['GUEST_RFLAGS'], confidence: '2+',
  },
  'GUEST.RFLAGS.VM.IA32E': {
    ...G, statement: 'RFLAGS.VM (bit 17) = 0 for an IA-32e mode guest',
    precondition: '"IA-32e mode guest" = 1', reads: ['GUEST_RFLAGS', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.RFLAGS.VM.REAL': {
    ...G, statement: 'RFLAGS.VM = 0 when guest CR0.PE = 0 (a real-mode guest, possible only with "unrestricted guest")',
    precondition: 'guest CR0.PE = 0', reads: ['GUEST_RFLAGS', 'GUEST_CR0'], confidence: 'S',
  },
  'GUEST.RFLAGS.IF.EXTINT': {
    ...G, statement: 'RFLAGS.IF (bit 9) = 1 when an external interrupt is injected',
    precondition: 'VM-entry interruption information valid with type 0 (external interrupt)', reads: ['GUEST_RFLAGS', 'VM_ENTRY_INTR_INFO_FIELD'], confidence: '2+',
  },
} as const satisfies Record<string, EntryCheckSpec>;
