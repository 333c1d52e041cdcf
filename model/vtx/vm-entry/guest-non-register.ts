/**
 * §26.3.1.5 "Checks on Guest Non-Register State" (rules GUEST.ACT.*, GUEST.INTR.*, GUEST.PDBG.*,
 * GUEST.LINK.*). The link-pointer rules read the referenced dword from physical memory.
 */
import type { GUEST_NON_REGISTER_CHECKS } from '../../../spec/vtx/vm-entry/guest-non-register.js';
import { readMemory32 } from '../../../spec/vtx/state.js';
import type { CheckImpl } from './check.js';
import { F, hi, lo, type EntryEnv } from './env.js';
import { bigOf, bit, withinPaw } from '../u64.js';

const ACTIVE = 0;
const HLT = 1;
const SHUTDOWN = 2;
const WAIT_FOR_SIPI = 3;

const INTR_STI = 1 << 0;
const INTR_MOVSS = 1 << 1;
const INTR_SMI = 1 << 2;
const INTR_NMI = 1 << 3;
const INTR_ENCLAVE = 1 << 4;

const PDBG_BS = 1 << 14;
const PDBG_RTM = 1 << 16;
const PDBG_ENABLED_BP = 1 << 12;
/** Pending-debug bits 11:4, 13, 15, 31:17 of the low half (63:32 are reserved as well, with Intel 64). */
const PDBG_RSVD_LO = 0xff0 | (1 << 13) | (1 << 15) | 0xfffe_0000;

const ENTRY_TO_SMM = 10;
const PIN_VIRTUAL_NMIS = 5;
const PROC2_VMCS_SHADOWING = 14;

const activity = (e: EntryEnv): number => lo(e, F.GUEST_ACTIVITY_STATE);
const intr = (e: EntryEnv): number => lo(e, F.GUEST_INTERRUPTIBILITY_INFO);
const pdbg = (e: EntryEnv): number => lo(e, F.GUEST_PENDING_DBG_EXCEPTIONS);
const injectingType = (t: number) => (e: EntryEnv): boolean => e.injecting && e.injType === t;
const stiOrMovSs = (e: EntryEnv): boolean => (intr(e) & (INTR_STI | INTR_MOVSS)) !== 0;
const ssDpl = (e: EntryEnv): number => (lo(e, F.GUEST_SS_AR_BYTES) >>> 5) & 3;

/** The BS rules apply while a trap could be pending after a blocked or halted instruction (§26.3.1.5). */
const bsRulesApply = (e: EntryEnv): boolean => stiOrMovSs(e) || activity(e) === HLT;
/** A single-step trap is pending: RFLAGS.TF = 1 and not branch-trap mode (IA32_DEBUGCTL.BTF = 0). */
const singleStepPending = (e: EntryEnv): boolean =>
  bit(lo(e, F.GUEST_RFLAGS), 8) && !bit(lo(e, F.GUEST_IA32_DEBUGCTL), 1);

const linkSet = (e: EntryEnv): boolean => lo(e, F.VMCS_LINK_POINTER) !== 0xffff_ffff || hi(e, F.VMCS_LINK_POINTER) !== 0xffff_ffff;
const linkPointer = (e: EntryEnv): bigint => bigOf(lo(e, F.VMCS_LINK_POINTER), hi(e, F.VMCS_LINK_POINTER));
/** The dword at the link pointer: the revision identifier (30:0) and shadow-VMCS indicator (31) of that VMCS. */
const linkDword = (e: EntryEnv): bigint => readMemory32(e.state.memory, linkPointer(e));
/** In SMM with "entry to SMM" = 0: the SMM monitor returns to the executive monitor (§34.15.4). */
const leavingSmm = (e: EntryEnv): boolean => e.inSmm && !bit(e.entry, ENTRY_TO_SMM);

export const GUEST_NON_REGISTER_IMPL = {
  'GUEST.ACT.RANGE': {
    holds: (e) => {
      const a = activity(e);
      return a === ACTIVE || (a <= WAIT_FOR_SIPI && ((e.caps.activityStates >>> (a - 1)) & 1) === 1);
    },
  },
  'GUEST.ACT.HLT.SSDPL': { holds: (e) => activity(e) !== HLT || ssDpl(e) === 0 },
  'GUEST.ACT.BLOCKING': { holds: (e) => !stiOrMovSs(e) || activity(e) === ACTIVE },
  'GUEST.ACT.INJ.HLT': {
    applies: (e) => e.injecting && activity(e) === HLT,
    holds: (e) =>
      e.injType === 0 || e.injType === 2 ||
      (e.injType === 3 && (e.injVector === 1 || e.injVector === 18)) ||
      (e.injType === 7 && e.injVector === 0),
  },
  'GUEST.ACT.INJ.SHUTDOWN': {
    applies: (e) => e.injecting && activity(e) === SHUTDOWN,
    holds: (e) => e.injType === 2 || (e.injType === 3 && e.injVector === 18),
  },
  'GUEST.ACT.INJ.SIPI': { applies: (e) => e.injecting, holds: (e) => activity(e) !== WAIT_FOR_SIPI },
  'GUEST.ACT.SIPI.SMM': { applies: (e) => bit(e.entry, ENTRY_TO_SMM), holds: (e) => activity(e) !== WAIT_FOR_SIPI },
  'GUEST.INTR.RSVD': { holds: (e) => intr(e) >>> 5 === 0 },
  'GUEST.INTR.STI_MOVSS': { holds: (e) => (intr(e) & (INTR_STI | INTR_MOVSS)) !== (INTR_STI | INTR_MOVSS) },
  'GUEST.INTR.STI.IF': { holds: (e) => (intr(e) & INTR_STI) === 0 || bit(lo(e, F.GUEST_RFLAGS), 9) },
  'GUEST.INTR.EXTINT': { applies: injectingType(0), holds: (e) => !stiOrMovSs(e) },
  'GUEST.INTR.NMI.MOVSS': { applies: injectingType(2), holds: (e) => (intr(e) & INTR_MOVSS) === 0 },
  'GUEST.INTR.SMI.OUTSIDE': { applies: (e) => !e.inSmm, holds: (e) => (intr(e) & INTR_SMI) === 0 },
  'GUEST.INTR.SMI.ENTRYSMM': { applies: (e) => bit(e.entry, ENTRY_TO_SMM), holds: (e) => (intr(e) & INTR_SMI) !== 0 },
  'GUEST.INTR.NMI.STI': { applies: injectingType(2), holds: (e) => (intr(e) & INTR_STI) === 0 },
  'GUEST.INTR.VNMI': {
    applies: (e) => bit(e.pin, PIN_VIRTUAL_NMIS) && injectingType(2)(e),
    holds: (e) => (intr(e) & INTR_NMI) === 0,
  },
  'GUEST.INTR.ENCLAVE': {
    applies: (e) => (intr(e) & INTR_ENCLAVE) !== 0,
    holds: (e) => (intr(e) & INTR_MOVSS) === 0 && e.caps.profile.cpuid.sgx,
  },
  'GUEST.PDBG.RSVD': {
    holds: (e) => (pdbg(e) & PDBG_RSVD_LO) === 0 && (!e.caps.intel64 || hi(e, F.GUEST_PENDING_DBG_EXCEPTIONS) === 0),
  },
  'GUEST.PDBG.BS.SET': {
    applies: (e) => bsRulesApply(e) && singleStepPending(e),
    holds: (e) => (pdbg(e) & PDBG_BS) !== 0,
  },
  'GUEST.PDBG.BS.CLEAR': {
    applies: (e) => bsRulesApply(e) && !singleStepPending(e),
    holds: (e) => (pdbg(e) & PDBG_BS) === 0,
  },
  'GUEST.PDBG.RTM.BITS': {
    applies: (e) => (pdbg(e) & PDBG_RTM) !== 0,
    holds: (e) => pdbg(e) === (PDBG_RTM | PDBG_ENABLED_BP) && (!e.caps.intel64 || hi(e, F.GUEST_PENDING_DBG_EXCEPTIONS) === 0),
  },
  'GUEST.PDBG.RTM.CPU': { applies: (e) => (pdbg(e) & PDBG_RTM) !== 0, holds: (e) => e.caps.profile.cpuid.rtm },
  'GUEST.PDBG.RTM.MOVSS': { applies: (e) => (pdbg(e) & PDBG_RTM) !== 0, holds: (e) => (intr(e) & INTR_MOVSS) === 0 },
  'GUEST.LINK.ALIGN': { applies: linkSet, holds: (e) => (lo(e, F.VMCS_LINK_POINTER) & 0xfff) === 0 },
  'GUEST.LINK.PAW': {
    // Footnote 2 of §26.3.1.5: with IA32_VMX_BASIC[48] = 1 no bit of 63:32 may be set.
    applies: linkSet,
    holds: (e) => withinPaw(hi(e, F.VMCS_LINK_POINTER), e.caps.maxPhysAddr) && (!e.caps.addresses32 || hi(e, F.VMCS_LINK_POINTER) === 0),
  },
  'GUEST.LINK.REVID': { applies: linkSet, holds: (e) => Number(linkDword(e) & 0x7fff_ffffn) === e.caps.revisionId },
  'GUEST.LINK.SHADOWBIT': {
    applies: linkSet,
    holds: (e) => (linkDword(e) >> 31n === 1n) === bit(e.proc2, PROC2_VMCS_SHADOWING),
  },
  'GUEST.LINK.NOTCURRENT': {
    applies: (e) => linkSet(e) && !leavingSmm(e),
    holds: (e) => linkPointer(e) !== e.state.currentVmcs,
  },
  'GUEST.LINK.NOTEXEC': {
    // The SDM names the executive-VMCS pointer (the VMCS field); Bochs compares with the VMXON pointer.
    applies: (e) => linkSet(e) && leavingSmm(e),
    holds: (e) => linkPointer(e) !== bigOf(lo(e, F.EXECUTIVE_VMCS_POINTER), hi(e, F.EXECUTIVE_VMCS_POINTER)),
  },
} satisfies Record<keyof typeof GUEST_NON_REGISTER_CHECKS, CheckImpl>;
