/**
 * §26.3.1.5 "Checks on Guest Non-Register State": activity state, interruptibility state, pending
 * debug exceptions and the VMCS link pointer. Exit reason 33; qualification 0, except 4 for an invalid
 * VMCS link pointer and 3 for the NMI-under-STI-blocking rule a processor MAY enforce (§26.7).
 *
 * Activity states: 0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI. Interruptibility bits: 0 blocking by
 * STI, 1 by MOV SS, 2 by SMI, 3 by NMI, 4 enclave interruption. Pending debug exceptions: 3:0 B3–B0,
 * 12 enabled breakpoint, 14 BS, 16 RTM.
 */
import { X33, type EntryCheckSpec } from './rule.js';

const G = { section: '26.3.1.5', phase: 'guest', failure: X33(0), since: '2016' } as const;
const LINK = { section: '26.3.1.5', phase: 'guest', failure: X33(4), since: '2016' } as const;
const ACT = 'GUEST_ACTIVITY_STATE';
const INTR = 'GUEST_INTERRUPTIBILITY_INFO';
const PDBG = 'GUEST_PENDING_DBG_EXCEPTIONS';
const INJ = 'VM_ENTRY_INTR_INFO_FIELD';

export const GUEST_NON_REGISTER_CHECKS = {
  'GUEST.ACT.RANGE': {
    ...G, statement: 'the activity state is 0–3 and, if not 0, one IA32_VMX_MISC bits 8:6 report as supported',
    precondition: 'always', reads: [ACT], confidence: '2+',
  },
  'GUEST.ACT.HLT.SSDPL': {
    ...G, statement: 'activity state HLT requires SS DPL = 0',
    precondition: 'always', reads: [ACT, 'GUEST_SS_AR_BYTES'], confidence: '2+',
  },
  'GUEST.ACT.BLOCKING': {
    ...G, statement: 'blocking by STI or by MOV SS requires activity state active',
    precondition: 'always', reads: [ACT, INTR], confidence: '2+',
  },
  'GUEST.ACT.INJ.HLT': {
    ...G, statement: 'an event injected into HLT is an external interrupt, an NMI, #DB or #MC (type 3, vector 1 or 18), or a pending MTF (type 7, vector 0)',
    precondition: 'injection valid and activity state HLT', reads: [ACT, INJ], confidence: 'S',
  },
  'GUEST.ACT.INJ.SHUTDOWN': {
    ...G, statement: 'an event injected into shutdown is an NMI or #MC (type 3, vector 18)',
    precondition: 'injection valid and activity state shutdown', reads: [ACT, INJ], confidence: 'S',
  },
  'GUEST.ACT.INJ.SIPI': {
    ...G, statement: 'no event is injected into wait-for-SIPI',
    precondition: 'injection valid', reads: [ACT, INJ], confidence: '2+',
  },
  'GUEST.ACT.SIPI.SMM': {
    ...G, statement: 'the activity state is not wait-for-SIPI on an entry to SMM',
    precondition: '"entry to SMM" (entry bit 10) = 1', reads: [ACT, 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.INTR.RSVD': {
    ...G, statement: 'interruptibility-state bits 31:5 (reserved) are 0',
    precondition: 'always', reads: [INTR], confidence: '2+',
  },
  'GUEST.INTR.STI_MOVSS': {
    ...G, statement: 'blocking by STI and blocking by MOV SS are not both indicated',
    precondition: 'always', reads: [INTR], confidence: '2+',
  },
  'GUEST.INTR.STI.IF': {
    ...G, statement: 'blocking by STI requires RFLAGS.IF = 1',
    precondition: 'always', reads: [INTR, 'GUEST_RFLAGS'], confidence: '2+',
  },
  'GUEST.INTR.EXTINT': {
    ...G, statement: 'neither blocking by STI nor by MOV SS when an external interrupt is injected',
    precondition: 'injection valid with type 0 (external interrupt)', reads: [INTR, INJ], confidence: '2+',
  },
  'GUEST.INTR.NMI.MOVSS': {
    ...G, statement: 'no blocking by MOV SS when an NMI is injected',
    precondition: 'injection valid with type 2 (NMI)', reads: [INTR, INJ], confidence: '2+',
  },
  'GUEST.INTR.SMI.OUTSIDE': {
    ...G, statement: 'no blocking by SMI outside SMM',
    precondition: 'the logical processor is not in SMM', reads: [INTR], confidence: '2+',
  },
  'GUEST.INTR.SMI.ENTRYSMM': {
    ...G, statement: 'blocking by SMI on an entry to SMM',
    precondition: '"entry to SMM" = 1', reads: [INTR, 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
  'GUEST.INTR.NMI.STI': {
    ...G, failure: X33(3, true), statement: 'no blocking by STI when an NMI is injected — a processor may require this, others do not',
    precondition: 'injection valid with type 2 (NMI)', reads: [INTR, INJ], confidence: 'S',
  },
  'GUEST.INTR.VNMI': {
    ...G, statement: 'no blocking by NMI when an NMI is injected with "virtual NMIs" = 1',
    precondition: '"virtual NMIs" (pin bit 5) = 1 and injection valid with type 2', reads: [INTR, INJ, 'PIN_BASED_VM_EXEC_CONTROL'], confidence: '2+',
  },
  'GUEST.INTR.ENCLAVE': {
    ...G, statement: 'enclave interruption (bit 4) requires no blocking by MOV SS and a processor with SGX (CPUID.(EAX=7,ECX=0):EBX[2])',
    precondition: 'interruptibility bit 4 = 1', reads: [INTR], confidence: 'S',
  },
  'GUEST.PDBG.RSVD': {
    ...G, statement: 'pending-debug bits 11:4, 13, 15 and 63:17 (31:17 without Intel 64) are 0',
    precondition: 'always', reads: [PDBG], confidence: '2+',
  },
  'GUEST.PDBG.BS.SET': {
    ...G, statement: 'pending-debug BS (bit 14) = 1: a single-step trap is pending after the blocked or halted instruction',
    precondition: 'blocking by STI or MOV SS, or activity HLT; RFLAGS.TF = 1 and IA32_DEBUGCTL.BTF = 0',
    reads: [PDBG, INTR, ACT, 'GUEST_RFLAGS', 'GUEST_IA32_DEBUGCTL'], confidence: 'S',
  },
  'GUEST.PDBG.BS.CLEAR': {
    ...G, statement: 'pending-debug BS (bit 14) = 0',
    precondition: 'blocking by STI or MOV SS, or activity HLT; RFLAGS.TF = 0 or IA32_DEBUGCTL.BTF = 1',
    reads: [PDBG, INTR, ACT, 'GUEST_RFLAGS', 'GUEST_IA32_DEBUGCTL'], confidence: 'S',
  },
  'GUEST.PDBG.RTM.BITS': {
    ...G, statement: 'with RTM (bit 16) set, pending-debug bit 12 = 1 and bits 11:0, 15:13, 63:17 (31:17 without Intel 64) are 0',
    precondition: 'pending-debug bit 16 = 1', reads: [PDBG], confidence: 'S',
  },
  'GUEST.PDBG.RTM.CPU': {
    ...G, statement: 'pending-debug RTM (bit 16) requires a processor with RTM (CPUID.(EAX=7,ECX=0):EBX[11])',
    precondition: 'pending-debug bit 16 = 1', reads: [PDBG], confidence: 'S',
  },
  'GUEST.PDBG.RTM.MOVSS': {
    ...G, statement: 'pending-debug RTM (bit 16) requires no blocking by MOV SS',
    precondition: 'pending-debug bit 16 = 1', reads: [PDBG, INTR], confidence: 'S',
  },
  'GUEST.LINK.ALIGN': {
    ...LINK, statement: 'VMCS link pointer bits 11:0 are 0',
    precondition: 'link pointer ≠ FFFFFFFF_FFFFFFFFH', reads: ['VMCS_LINK_POINTER'], confidence: '2+',
  },
  'GUEST.LINK.PAW': {
    ...LINK, statement: 'VMCS link pointer sets no bit at or above the physical-address width (none of 63:32 if IA32_VMX_BASIC[48] = 1)',
    precondition: 'link pointer ≠ FFFFFFFF_FFFFFFFFH', reads: ['VMCS_LINK_POINTER'], confidence: '2+',
  },
  'GUEST.LINK.REVID': {
    ...LINK, statement: 'bits 30:0 of the dword the link pointer references hold the VMCS revision identifier',
    precondition: 'link pointer ≠ FFFFFFFF_FFFFFFFFH', reads: ['VMCS_LINK_POINTER'], confidence: '2+',
  },
  'GUEST.LINK.SHADOWBIT': {
    ...LINK, statement: 'bit 31 of the dword the link pointer references (shadow-VMCS indicator) equals "VMCS shadowing" (secondary bit 14)',
    precondition: 'link pointer ≠ FFFFFFFF_FFFFFFFFH', reads: ['VMCS_LINK_POINTER', 'SECONDARY_VM_EXEC_CONTROL'], confidence: '2+',
  },
  'GUEST.LINK.NOTCURRENT': {
    ...LINK, statement: 'the link pointer differs from the current-VMCS pointer',
    precondition: 'link pointer ≠ FFFFFFFF_FFFFFFFFH, and not in SMM or "entry to SMM" = 1', reads: ['VMCS_LINK_POINTER', 'VM_ENTRY_CONTROLS'], confidence: '!',
  },
  'GUEST.LINK.NOTEXEC': {
    ...LINK, statement: 'the link pointer differs from the executive-VMCS pointer',
    precondition: 'link pointer ≠ FFFFFFFF_FFFFFFFFH, in SMM and "entry to SMM" = 0',
    reads: ['VMCS_LINK_POINTER', 'EXECUTIVE_VMCS_POINTER', 'VM_ENTRY_CONTROLS'], confidence: '2+',
  },
} as const satisfies Record<string, EntryCheckSpec>;
