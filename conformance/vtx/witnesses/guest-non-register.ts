/**
 * Witnesses for SDM §26.3.1.5 (spec/vtx/vm-entry/guest-non-register.ts). The link-pointer witnesses
 * place a VMCS revision dword at the pointer's target, copied from the current VMCS region, so that
 * only the rule in question fails.
 */
import { readMemory32, type VtxState } from '../../../spec/vtx/state.js';
import type { GUEST_NON_REGISTER_CHECKS } from '../../../spec/vtx/vm-entry/guest-non-register.js';
import { patch, seq, setBits, withCpu } from './edit.js';
import type { EntryWitness } from './witness.js';

type Edit = (s: VtxState) => VtxState;

const HLT = 1n;
const SHUTDOWN = 2n;
const WAIT_FOR_SIPI = 3n;
/** VM-entry interruption information: valid, type, vector. */
const inject = (type: bigint, vector: bigint): bigint => (1n << 31n) | (type << 8n) | vector;
const NMI = inject(2n, 2n);
const EXT_INT = inject(0n, 0x20n);
const UD = inject(3n, 6n);

const rflags = (...bits: number[]): Edit => patch({ GUEST_RFLAGS: setBits(...bits) });
const inSmm = withCpu({ inSmm: true });
const entryToSmm = patch({ VM_ENTRY_CONTROLS: setBits(10) });

/** A page for the link pointer to reference, away from the baseline's regions. */
const LINK_TARGET = 0x8000n;
/**
 * Points the VMCS link pointer at `address` and stores there a dword `f(revision)`, where `revision` is
 * the revision dword of the current VMCS region (bit 31 clear: not a shadow VMCS).
 */
const link = (address: bigint, f: (revision: bigint) => bigint = (r) => r): Edit => (s) => {
  const revision = s.currentVmcs === null ? 0n : readMemory32(s.memory, s.currentVmcs);
  const word = address & ~7n;
  const old = s.memory.get(word) ?? 0n;
  const value = (address & 4n) === 0n ? (old & ~0xffff_ffffn) | f(revision) : (old & 0xffff_ffffn) | (f(revision) << 32n);
  return patch({ VMCS_LINK_POINTER: () => address })({ ...s, memory: new Map(s.memory).set(word, value) });
};

export const GUEST_NON_REGISTER_WITNESSES = {
  'GUEST.ACT.RANGE': { fields: { GUEST_ACTIVITY_STATE: 4n } },
  // HLT at CPL 3: SS, CS selectors RPL 3 and CS, SS DPL 3 keep every segment rule satisfied.
  'GUEST.ACT.HLT.SSDPL': {
    fields: { GUEST_ACTIVITY_STATE: HLT },
    edit: patch({
      GUEST_CS_SELECTOR: setBits(0, 1), GUEST_SS_SELECTOR: setBits(0, 1),
      GUEST_CS_AR_BYTES: setBits(5, 6), GUEST_SS_AR_BYTES: setBits(5, 6),
    }),
  },
  // Blocking by MOV SS in HLT (MOV-SS blocking needs no RFLAGS.IF).
  'GUEST.ACT.BLOCKING': { fields: { GUEST_ACTIVITY_STATE: HLT, GUEST_INTERRUPTIBILITY_INFO: 2n } },
  // #UD (a hardware exception without error code) cannot be injected into HLT.
  'GUEST.ACT.INJ.HLT': { fields: { GUEST_ACTIVITY_STATE: HLT, VM_ENTRY_INTR_INFO_FIELD: UD } },
  'GUEST.ACT.INJ.SHUTDOWN': { fields: { GUEST_ACTIVITY_STATE: SHUTDOWN, VM_ENTRY_INTR_INFO_FIELD: UD } },
  'GUEST.ACT.INJ.SIPI': { fields: { GUEST_ACTIVITY_STATE: WAIT_FOR_SIPI, VM_ENTRY_INTR_INFO_FIELD: NMI } },
  // Entry to SMM from SMM, with blocking by SMI as GUEST.INTR.SMI.ENTRYSMM requires.
  'GUEST.ACT.SIPI.SMM': { fields: { GUEST_ACTIVITY_STATE: WAIT_FOR_SIPI, GUEST_INTERRUPTIBILITY_INFO: 4n }, edit: seq(inSmm, entryToSmm) },
  'GUEST.INTR.RSVD': { fields: { GUEST_INTERRUPTIBILITY_INFO: 1n << 5n } },
  'GUEST.INTR.STI_MOVSS': { fields: { GUEST_INTERRUPTIBILITY_INFO: 3n }, edit: rflags(9) },
  'GUEST.INTR.STI.IF': { fields: { GUEST_INTERRUPTIBILITY_INFO: 1n } },
  'GUEST.INTR.EXTINT': { fields: { GUEST_INTERRUPTIBILITY_INFO: 2n, VM_ENTRY_INTR_INFO_FIELD: EXT_INT }, edit: rflags(9) },
  'GUEST.INTR.NMI.MOVSS': { fields: { GUEST_INTERRUPTIBILITY_INFO: 2n, VM_ENTRY_INTR_INFO_FIELD: NMI } },
  'GUEST.INTR.SMI.OUTSIDE': { fields: { GUEST_INTERRUPTIBILITY_INFO: 4n } },
  'GUEST.INTR.SMI.ENTRYSMM': { edit: seq(inSmm, entryToSmm) },
  // Blocking by STI (with RFLAGS.IF = 1, as GUEST.INTR.STI.IF requires) while injecting an NMI.
  'GUEST.INTR.NMI.STI': { fields: { GUEST_INTERRUPTIBILITY_INFO: 1n, VM_ENTRY_INTR_INFO_FIELD: NMI }, edit: rflags(9) },
  // Virtual NMIs need NMI exiting (CTL.VNMI.NEEDS.NMIEXIT).
  'GUEST.INTR.VNMI': {
    fields: { GUEST_INTERRUPTIBILITY_INFO: 8n, VM_ENTRY_INTR_INFO_FIELD: NMI },
    edit: patch({ PIN_BASED_VM_EXEC_CONTROL: setBits(3, 5) }),
  },
  // vtx-max has SGX, so the failing half is the MOV-SS blocking next to the enclave bit.
  'GUEST.INTR.ENCLAVE': { fields: { GUEST_INTERRUPTIBILITY_INFO: 0x12n } },
  'GUEST.PDBG.RSVD': { fields: { GUEST_PENDING_DBG_EXCEPTIONS: 1n << 4n } },
  // MOV-SS blocking, TF = 1, BTF = 0 (baseline DEBUGCTL), BS = 0.
  'GUEST.PDBG.BS.SET': { fields: { GUEST_INTERRUPTIBILITY_INFO: 2n }, edit: rflags(8) },
  'GUEST.PDBG.BS.CLEAR': { fields: { GUEST_INTERRUPTIBILITY_INFO: 2n, GUEST_PENDING_DBG_EXCEPTIONS: 1n << 14n } },
  // RTM without the enabled-breakpoint bit 12.
  'GUEST.PDBG.RTM.BITS': { fields: { GUEST_PENDING_DBG_EXCEPTIONS: 1n << 16n } },
  // A well-formed RTM pending-debug value on a processor without RTM.
  'GUEST.PDBG.RTM.CPU': { profile: 'bochs-penryn', fields: { GUEST_PENDING_DBG_EXCEPTIONS: 0x1_1000n } },
  'GUEST.PDBG.RTM.MOVSS': { fields: { GUEST_PENDING_DBG_EXCEPTIONS: 0x1_1000n, GUEST_INTERRUPTIBILITY_INFO: 2n } },
  'GUEST.LINK.ALIGN': { edit: link(LINK_TARGET + 0x10n) },
  // vtx-max has MAXPHYADDR 46.
  'GUEST.LINK.PAW': { edit: link((1n << 46n) | LINK_TARGET) },
  'GUEST.LINK.REVID': { edit: link(LINK_TARGET, (r) => r + 1n) },
  // Bit 31 set (a shadow VMCS) while "VMCS shadowing" is 0.
  'GUEST.LINK.SHADOWBIT': { edit: link(LINK_TARGET, (r) => r | 0x8000_0000n) },
  'GUEST.LINK.NOTCURRENT': { edit: (s) => (s.currentVmcs === null ? s : link(s.currentVmcs)(s)) },
  // In SMM returning to the executive monitor: the link pointer equals the executive-VMCS pointer.
  'GUEST.LINK.NOTEXEC': { fields: { EXECUTIVE_VMCS_POINTER: LINK_TARGET }, edit: seq(inSmm, link(LINK_TARGET)) },
} satisfies Record<keyof typeof GUEST_NON_REGISTER_CHECKS, EntryWitness>;
