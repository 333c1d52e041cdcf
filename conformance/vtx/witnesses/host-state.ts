/**
 * Witnesses for SDM §26.2.2–26.2.3 (spec/vtx/vm-entry/host-state.ts): one failing rule each. The
 * baseline host is 64-bit (host address-space size 1, CR0 = PE|ET|NE|PG with WP clear, CR4 = PAE|VMXE);
 * `legacyHost` turns it into a valid 32-bit host for the rules that need host address-space size 0.
 */
import type { HOST_STATE_CHECKS } from '../../../spec/vtx/vm-entry/host-state.js';
import { clearBits, editCpu, patch, seq, setBits } from './edit.js';
import type { EntryWitness } from './witness.js';

const EFER_LME_LMA = 0x500n;

/**
 * Host address-space size 0 (§26.2.4 requires IA32_EFER.LMA = 0, host RIP below 4 GiB, CR4.PCIDE
 * and CR4.FRED clear). Use with the 'protected' baseline: an IA-32e guest needs a 64-bit host.
 */
export const legacyHost = seq(
  editCpu((cpu) => ({ efer: cpu.efer & ~EFER_LME_LMA })),
  patch({ VM_EXIT_CONTROLS: clearBits(9), HOST_RIP: (v) => v & 0xffff_ffffn, HOST_CR4: clearBits(17, 32) }),
);

const NONCANONICAL = 1n << 60n;
const loadFred = { VM_EXIT_CONTROLS: setBits(31), SECONDARY_VM_EXIT_CONTROLS: setBits(1) };
const exitControl = (bit: number) => patch({ VM_EXIT_CONTROLS: setBits(bit) });

export const HOST_STATE_WITNESSES = {
  'HOST.CR0.FIXED0': { edit: patch({ HOST_CR0: clearBits(5) }) },
  // CR0_FIXED1 bits 63:32 are 0 on every profile.
  'HOST.CR0.FIXED1': { edit: patch({ HOST_CR0: setBits(32) }) },
  'HOST.CR4.FIXED0': { edit: patch({ HOST_CR4: clearBits(13) }) },
  'HOST.CR4.FIXED1': { edit: patch({ HOST_CR4: setBits(15) }) },
  'HOST.CR3.PAW': { edit: patch({ HOST_CR3: setBits(63) }) },
  'HOST.SYSENTER_ESP.CANON': { fields: { HOST_IA32_SYSENTER_ESP: NONCANONICAL } },
  'HOST.SYSENTER_EIP.CANON': { fields: { HOST_IA32_SYSENTER_EIP: NONCANONICAL } },
  // Bit 4 is a fifth general-purpose counter, absent from every built-in profile's valid mask.
  'HOST.PERFGLOBAL.RSVD': { fields: { HOST_IA32_PERF_GLOBAL_CTRL: 0x10n }, edit: exitControl(12) },
  'HOST.PAT.VALID': { fields: { HOST_IA32_PAT: 0x0007_0406_0007_0402n }, edit: exitControl(19) },
  'HOST.EFER.RSVD': { fields: { HOST_IA32_EFER: 0x502n }, edit: exitControl(21) },
  'HOST.EFER.LMA': { fields: { HOST_IA32_EFER: 0x100n }, edit: exitControl(21) },
  'HOST.EFER.LME': { fields: { HOST_IA32_EFER: 0x400n }, edit: exitControl(21) },
  'HOST.CR4CET.WP': { edit: patch({ HOST_CR4: setBits(23), HOST_CR0: clearBits(16) }) },
  'HOST.CET.SCET': { fields: { HOST_S_CET: 0xc00n }, edit: exitControl(28) },
  'HOST.CET.SSP': { fields: { HOST_SSP: 0x8002n }, edit: exitControl(28) },
  'HOST.CET.SSPTBL': { fields: { HOST_INTR_SSP_TABLE: NONCANONICAL }, edit: exitControl(28) },
  'HOST.PKRS.RSVD': { fields: { HOST_IA32_PKRS: 1n << 32n }, edit: exitControl(29) },
  'HOST.FRED.CONFIG.RSVD': { fields: { HOST_IA32_FRED_CONFIG: 0x4n }, edit: patch(loadFred) },
  'HOST.FRED.CONFIG.CANON': { fields: { HOST_IA32_FRED_CONFIG: NONCANONICAL }, edit: patch(loadFred) },
  'HOST.FRED.RSP.ALIGN': { fields: { HOST_IA32_FRED_RSP2: 0x8020n }, edit: patch(loadFred) },
  'HOST.FRED.RSP.CANON': { fields: { HOST_IA32_FRED_RSP3: NONCANONICAL }, edit: patch(loadFred) },
  'HOST.FRED.SSP.ALIGN': { fields: { HOST_IA32_FRED_SSP1: 0x8004n }, edit: patch(loadFred) },
  'HOST.FRED.SSP.CANON': { fields: { HOST_IA32_FRED_SSP2: NONCANONICAL }, edit: patch(loadFred) },
  'HOST.FRED.CR4': { baseline: 'protected', edit: seq(legacyHost, patch({ HOST_CR4: setBits(32) })) },
  'HOST.SEL.CS.RPLTI': { fields: { HOST_CS_SELECTOR: 0x0bn } },
  'HOST.SEL.SS.RPLTI': { fields: { HOST_SS_SELECTOR: 0x14n } },
  'HOST.SEL.DS.RPLTI': { fields: { HOST_DS_SELECTOR: 0x13n } },
  'HOST.SEL.ES.RPLTI': { fields: { HOST_ES_SELECTOR: 0x11n } },
  'HOST.SEL.FS.RPLTI': { fields: { HOST_FS_SELECTOR: 0x12n } },
  'HOST.SEL.GS.RPLTI': { fields: { HOST_GS_SELECTOR: 0x17n } },
  'HOST.SEL.TR.RPLTI': { fields: { HOST_TR_SELECTOR: 0x1cn } },
  'HOST.SEL.CS.NONNULL': { fields: { HOST_CS_SELECTOR: 0n } },
  'HOST.SEL.TR.NONNULL': { fields: { HOST_TR_SELECTOR: 0n } },
  'HOST.SEL.SS.NONNULL': { baseline: 'protected', fields: { HOST_SS_SELECTOR: 0n }, edit: legacyHost },
  'HOST.BASE.FS.CANON': { fields: { HOST_FS_BASE: NONCANONICAL } },
  'HOST.BASE.GS.CANON': { fields: { HOST_GS_BASE: NONCANONICAL } },
  'HOST.BASE.GDTR.CANON': { fields: { HOST_GDTR_BASE: NONCANONICAL } },
  'HOST.BASE.IDTR.CANON': { fields: { HOST_IDTR_BASE: NONCANONICAL } },
  'HOST.BASE.TR.CANON': { fields: { HOST_TR_BASE: NONCANONICAL } },
} satisfies Record<keyof typeof HOST_STATE_CHECKS, EntryWitness>;
