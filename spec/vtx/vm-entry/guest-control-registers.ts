/**
 * §26.3.1.1 "Checks on Guest Control Registers, Debug Registers, and MSRs", plus the guest rules later
 * SDMs added to the same subsection (CET, PKRS, UINV, FRED; sources in
 * docs/notes/post-2016-vmx-facts.md). Every failure is a VM-entry failure, exit reason 33, qualification 0.
 */
import { X33, type EntryCheckSpec } from './rule.js';

const G = { section: '26.3.1.1', phase: 'guest', failure: X33(0), since: '2016' } as const;
/** Rules of newer SDMs (§26.3.1.1 of their renumbered chapter "Checks on the Guest State Area"). */
const N = { section: '26.3.1.1', phase: 'guest', failure: X33(0), since: 'post-2016' } as const;

export const GUEST_CONTROL_REGISTERS_CHECKS = {
  'GUEST.CR0.FIXED0': {
    ...G, statement: 'guest CR0 sets every bit IA32_VMX_CR0_FIXED0 fixes to 1, except PE (0) and PG (31) when "unrestricted guest" is 1',
    precondition: 'always', reads: ['GUEST_CR0', 'CPU_BASED_VM_EXEC_CONTROL', 'SECONDARY_VM_EXEC_CONTROL'], confidence: '2+',
  },
  'GUEST.CR0.FIXED1': {
    ...G, statement: 'guest CR0 sets no bit IA32_VMX_CR0_FIXED1 fixes to 0; NW (29) and CD (30) are never checked',
    precondition: 'always', reads: ['GUEST_CR0'], confidence: '2+',
  },
  'GUEST.CR0.PG_PE': {
    ...G, statement: 'guest CR0.PG = 1 implies guest CR0.PE = 1',
    precondition: 'always', reads: ['GUEST_CR0'], confidence: '2+',
  },
  'GUEST.CR4.FIXED0': {
    ...G, statement: 'guest CR4 sets every bit IA32_VMX_CR4_FIXED0 fixes to 1',
    precondition: 'always', reads: ['GUEST_CR4'], confidence: '2+',
  },
  'GUEST.CR4.FIXED1': {
    ...G, statement: 'guest CR4 sets no bit IA32_VMX_CR4_FIXED1 fixes to 0',
    precondition: 'always', reads: ['GUEST_CR4'], confidence: '2+',
  },
  'GUEST.DEBUGCTL.RSVD': {
    ...G, statement: 'the guest IA32_DEBUGCTL field sets no bit reserved in that MSR',
    precondition: '"load debug controls" (entry bit 2) = 1; first VMX processors: always, as they lack the 0-setting',
    reads: ['GUEST_IA32_DEBUGCTL', 'VM_ENTRY_CONTROLS'], confidence: 'S',
  },
  'GUEST.IA32E.PG': {
    ...G, statement: 'an IA-32e mode guest has CR0.PG = 1',
    precondition: 'Intel 64 processor and "IA-32e mode guest" (entry bit 9) = 1', reads: ['GUEST_CR0', 'VM_ENTRY_CONTROLS'], confidence: 'S',
  },
  'GUEST.IA32E.PAE': {
    ...G, statement: 'an IA-32e mode guest has CR4.PAE = 1',
    precondition: 'Intel 64 processor and "IA-32e mode guest" = 1', reads: ['GUEST_CR4', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.NOIA32E.PCIDE': {
    ...G, statement: 'a guest that is not in IA-32e mode has CR4.PCIDE (bit 17) = 0',
    precondition: 'Intel 64 processor and "IA-32e mode guest" = 0', reads: ['GUEST_CR4', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.CR3.PAW': {
    ...G, statement: 'guest CR3 bits 63:52, and those of bits 51:32 at or above the physical-address width, are 0',
    precondition: 'Intel 64 processor', reads: ['GUEST_CR3'], confidence: '2+',
  },
  'GUEST.DR7.HI': {
    ...G, statement: 'guest DR7 bits 63:32 are 0',
    precondition: 'Intel 64 processor and "load debug controls" = 1', reads: ['GUEST_DR7', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.SYSENTER_ESP.CANON': {
    ...G, statement: 'the guest IA32_SYSENTER_ESP field is canonical',
    precondition: 'Intel 64 processor', reads: ['GUEST_SYSENTER_ESP'], confidence: '2+',
  },
  'GUEST.SYSENTER_EIP.CANON': {
    ...G, statement: 'the guest IA32_SYSENTER_EIP field is canonical',
    precondition: 'Intel 64 processor', reads: ['GUEST_SYSENTER_EIP'], confidence: '2+',
  },
  'GUEST.PERFGLOBAL.RSVD': {
    ...G, statement: 'the guest IA32_PERF_GLOBAL_CTRL field sets no bit reserved in that MSR',
    precondition: '"load IA32_PERF_GLOBAL_CTRL" (entry bit 13) = 1', reads: ['GUEST_IA32_PERF_GLOBAL_CTRL', 'VM_ENTRY_CONTROLS'], confidence: 'S',
  },
  'GUEST.PAT.VALID': {
    ...G, statement: 'each of the 8 bytes of the guest IA32_PAT field is a memory type WRMSR accepts: 0, 1, 4, 5, 6 or 7',
    precondition: '"load IA32_PAT" (entry bit 14) = 1', reads: ['GUEST_IA32_PAT', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.EFER.RSVD': {
    ...G, statement: 'the guest IA32_EFER field sets no reserved bit (only 0 SCE, 8 LME, 10 LMA, 11 NXE may be 1)',
    precondition: '"load IA32_EFER" (entry bit 15) = 1', reads: ['GUEST_IA32_EFER', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.EFER.LMA': {
    ...G, statement: 'guest IA32_EFER.LMA (bit 10) equals "IA-32e mode guest"',
    precondition: '"load IA32_EFER" = 1', reads: ['GUEST_IA32_EFER', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.EFER.LME': {
    ...G, statement: 'guest IA32_EFER.LME (bit 8) equals guest IA32_EFER.LMA (bit 10)',
    precondition: '"load IA32_EFER" = 1 and guest CR0.PG = 1', reads: ['GUEST_IA32_EFER', 'GUEST_CR0', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.BNDCFGS.RSVD': {
    ...G, statement: 'the guest IA32_BNDCFGS field has bits 11:2 (reserved) = 0',
    precondition: '"load IA32_BNDCFGS" (entry bit 16) = 1', reads: ['GUEST_BNDCFGS', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.BNDCFGS.BASE': {
    ...G, statement: 'the bound-directory base in guest IA32_BNDCFGS bits 63:12 is canonical',
    precondition: '"load IA32_BNDCFGS" = 1', reads: ['GUEST_BNDCFGS', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.CR4CET.WP': {
    ...N, statement: 'guest CR4.CET (bit 23) = 1 implies guest CR0.WP (bit 16) = 1',
    precondition: 'always', reads: ['GUEST_CR0', 'GUEST_CR4'], confidence: '2+',
  },
  'GUEST.CET.SCET': {
    ...N, statement: 'guest IA32_S_CET has bits 9:6 (reserved) = 0 and not both SUPPRESS (10) and TRACKER (11) set',
    precondition: '"load CET state" (entry bit 20) = 1', reads: ['GUEST_S_CET', 'VM_ENTRY_CONTROLS'], confidence: 'S',
  },
  'GUEST.CET.SSP': {
    ...N, statement: 'guest SSP has bits 1:0 = 0 and bits 63:N all equal (N = linear-address width)',
    precondition: '"load CET state" = 1', reads: ['GUEST_SSP', 'VM_ENTRY_CONTROLS'], confidence: 'S',
  },
  'GUEST.CET.SSPTBL': {
    ...N, statement: 'guest IA32_INTERRUPT_SSP_TABLE_ADDR is canonical',
    precondition: '"load CET state" = 1', reads: ['GUEST_INTR_SSP_TABLE', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.PKRS.RSVD': {
    ...N, statement: 'guest IA32_PKRS bits 63:32 are 0',
    precondition: '"load PKRS" (entry bit 22) = 1', reads: ['GUEST_IA32_PKRS', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.UINV.RANGE': {
    ...N, section: '26.3.1.5', statement: 'the guest UINV field is at most 255 (a vector)',
    precondition: '"load UINV" (entry bit 19) = 1', reads: ['GUEST_UINV', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.FRED.CONFIG.RSVD': {
    ...N, statement: 'guest IA32_FRED_CONFIG bits 11, 5:4 and 2 (mask 834H, reserved) are 0',
    precondition: '"load FRED" (entry bit 23) = 1 and "IA-32e mode guest" = 1', reads: ['GUEST_IA32_FRED_CONFIG', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.FRED.CONFIG.CANON': {
    ...N, statement: 'the event-stack page in guest IA32_FRED_CONFIG bits 63:12 is canonical',
    precondition: '"load FRED" = 1 and "IA-32e mode guest" = 1', reads: ['GUEST_IA32_FRED_CONFIG', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.FRED.RSP.ALIGN': {
    ...N, statement: 'guest IA32_FRED_RSP1..3 are 64-byte aligned (bits 5:0 = 0)',
    precondition: '"load FRED" = 1 and "IA-32e mode guest" = 1', reads: ['GUEST_IA32_FRED_RSP1', 'GUEST_IA32_FRED_RSP2', 'GUEST_IA32_FRED_RSP3', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.FRED.RSP.CANON': {
    ...N, statement: 'guest IA32_FRED_RSP1..3 are canonical',
    precondition: '"load FRED" = 1 and "IA-32e mode guest" = 1', reads: ['GUEST_IA32_FRED_RSP1', 'GUEST_IA32_FRED_RSP2', 'GUEST_IA32_FRED_RSP3', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.FRED.SSP.ALIGN': {
    ...N, statement: 'guest IA32_FRED_SSP1..3 are 8-byte aligned (bits 2:0 = 0)',
    precondition: '"load FRED" = 1 and "IA-32e mode guest" = 1', reads: ['GUEST_IA32_FRED_SSP1', 'GUEST_IA32_FRED_SSP2', 'GUEST_IA32_FRED_SSP3', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.FRED.SSP.CANON': {
    ...N, statement: 'guest IA32_FRED_SSP1..3 are canonical',
    precondition: '"load FRED" = 1 and "IA-32e mode guest" = 1', reads: ['GUEST_IA32_FRED_SSP1', 'GUEST_IA32_FRED_SSP2', 'GUEST_IA32_FRED_SSP3', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
  'GUEST.FRED.CR4.IA32E': {
    ...N, statement: 'guest CR4.FRED (bit 32) = 1 implies "IA-32e mode guest" = 1 (FRED exists only in IA-32e mode)',
    precondition: 'always', reads: ['GUEST_CR4', 'VM_ENTRY_CONTROLS'], confidence: '1',
  },
} as const satisfies Record<string, EntryCheckSpec>;
