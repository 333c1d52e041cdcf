/**
 * Witnesses for SDM §26.3.1.1 (spec/vtx/vm-entry/guest-control-registers.ts): each edits a valid
 * baseline so that exactly that rule fails. Control vectors are edited relative to the baseline.
 */
import type { GUEST_CONTROL_REGISTERS_CHECKS } from '../../../spec/vtx/vm-entry/guest-control-registers.js';
import { clearBits, patch, setBits } from './edit.js';
import type { EntryWitness } from './witness.js';

/** Sets VM-entry control bits on top of the baseline's. */
const entry = (...bits: number[]) => patch({ VM_ENTRY_CONTROLS: setBits(...bits) });
/** Bit 47 set, bits 63:48 clear: not canonical with 48 linear-address bits. */
const NON_CANONICAL = 0x0000_8000_0000_0000n;

export const GUEST_CONTROL_REGISTERS_WITNESSES = {
  // NE (bit 5) is fixed to 1 by IA32_VMX_CR0_FIXED0 and not exempt with unrestricted guest.
  'GUEST.CR0.FIXED0': { edit: patch({ GUEST_CR0: clearBits(5) }) },
  // IA32_VMX_CR0_FIXED1 allows no bit above 31.
  'GUEST.CR0.FIXED1': { edit: patch({ GUEST_CR0: setBits(32) }) },
  // Unrestricted guest exempts PE and PG from FIXED0, so PG = 1 with PE = 0 fails only PG_PE (32-bit paging, no PDPTEs).
  'GUEST.CR0.PG_PE': { baseline: 'unrestricted-real', edit: patch({ GUEST_CR0: setBits(31) }) },
  'GUEST.CR4.FIXED0': { edit: patch({ GUEST_CR4: clearBits(13) }) },
  // Bit 15 is reserved in CR4 on every profile.
  'GUEST.CR4.FIXED1': { edit: patch({ GUEST_CR4: setBits(15) }) },
  // Bit 2 is reserved in the profile's IA32_DEBUGCTL.
  'GUEST.DEBUGCTL.RSVD': { fields: { GUEST_IA32_DEBUGCTL: 1n << 2n }, edit: entry(2) },
  // PG = 0 is exempt from FIXED0 only with unrestricted guest; PAE is set so that only IA32E.PG fails.
  'GUEST.IA32E.PG': { baseline: 'unrestricted-real', edit: patch({ VM_ENTRY_CONTROLS: setBits(9), GUEST_CR4: setBits(5) }) },
  'GUEST.IA32E.PAE': { edit: patch({ GUEST_CR4: clearBits(5) }) },
  'GUEST.NOIA32E.PCIDE': { baseline: 'protected', edit: patch({ GUEST_CR4: setBits(17) }) },
  // vtx-max has MAXPHYADDR 46: bit 46 is the first one beyond it.
  'GUEST.CR3.PAW': { edit: patch({ GUEST_CR3: setBits(46) }) },
  'GUEST.DR7.HI': { edit: patch({ VM_ENTRY_CONTROLS: setBits(2), GUEST_DR7: setBits(32) }) },
  'GUEST.SYSENTER_ESP.CANON': { fields: { GUEST_SYSENTER_ESP: NON_CANONICAL } },
  'GUEST.SYSENTER_EIP.CANON': { fields: { GUEST_SYSENTER_EIP: NON_CANONICAL } },
  // Four general-purpose counters: bit 4 is reserved.
  'GUEST.PERFGLOBAL.RSVD': { fields: { GUEST_IA32_PERF_GLOBAL_CTRL: 1n << 4n }, edit: entry(13) },
  // Byte 0 = 2 (a reserved memory type); the others are the power-on PAT values.
  'GUEST.PAT.VALID': { fields: { GUEST_IA32_PAT: 0x0007_0406_0007_0402n }, edit: entry(14) },
  'GUEST.EFER.RSVD': { fields: { GUEST_IA32_EFER: 0x502n }, edit: entry(15) },
  // A non-IA-32e guest with LMA = LME = 1: only LMA disagrees (with "IA-32e mode guest" = 0).
  'GUEST.EFER.LMA': { baseline: 'protected', fields: { GUEST_IA32_EFER: 0x500n }, edit: entry(15) },
  // LMA = 1 matches "IA-32e mode guest", LME = 0 does not match LMA while CR0.PG = 1.
  'GUEST.EFER.LME': { fields: { GUEST_IA32_EFER: 0x400n }, edit: entry(15) },
  'GUEST.BNDCFGS.RSVD': { fields: { GUEST_BNDCFGS: 1n << 2n }, edit: entry(16) },
  'GUEST.BNDCFGS.BASE': { fields: { GUEST_BNDCFGS: NON_CANONICAL | 1n }, edit: entry(16) },
  // The baseline's CR0.WP is 0.
  'GUEST.CR4CET.WP': { edit: patch({ GUEST_CR4: setBits(23), GUEST_CR0: clearBits(16) }) },
  'GUEST.CET.SCET': { fields: { GUEST_S_CET: 0xc00n }, edit: entry(20) },
  'GUEST.CET.SSP': { fields: { GUEST_SSP: 0x8002n }, edit: entry(20) },
  'GUEST.CET.SSPTBL': { fields: { GUEST_INTR_SSP_TABLE: NON_CANONICAL }, edit: entry(20) },
  'GUEST.PKRS.RSVD': { fields: { GUEST_IA32_PKRS: 1n << 32n }, edit: entry(22) },
  'GUEST.UINV.RANGE': { fields: { GUEST_UINV: 0x100n }, edit: entry(19) },
  'GUEST.FRED.CONFIG.RSVD': { fields: { GUEST_IA32_FRED_CONFIG: 1n << 11n }, edit: entry(23) },
  'GUEST.FRED.CONFIG.CANON': { fields: { GUEST_IA32_FRED_CONFIG: NON_CANONICAL }, edit: entry(23) },
  'GUEST.FRED.RSP.ALIGN': { fields: { GUEST_IA32_FRED_RSP2: 0x9020n }, edit: entry(23) },
  'GUEST.FRED.RSP.CANON': { fields: { GUEST_IA32_FRED_RSP3: NON_CANONICAL }, edit: entry(23) },
  'GUEST.FRED.SSP.ALIGN': { fields: { GUEST_IA32_FRED_SSP1: 0x9004n }, edit: entry(23) },
  'GUEST.FRED.SSP.CANON': { fields: { GUEST_IA32_FRED_SSP2: 0xffff_0000_0000_0000n }, edit: entry(23) },
  // CS.L = 1 keeps GUEST.SEG.FRED.SSDPL (SS.DPL 0 needs CS.L) satisfied; L means nothing outside IA-32e mode.
  'GUEST.FRED.CR4.IA32E': { baseline: 'protected', edit: patch({ GUEST_CR4: setBits(32), GUEST_CS_AR_BYTES: setBits(13) }) },
} satisfies Record<keyof typeof GUEST_CONTROL_REGISTERS_CHECKS, EntryWitness>;
