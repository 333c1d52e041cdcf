/**
 * SDM §26.2.2 "Checks on Host Control Registers and MSRs" and §26.2.3 "Checks on Host Segment and
 * Descriptor-Table Registers". Every failure is VMfailValid(8). "Canonical" means bits 63:N−1 equal,
 * N the linear-address width; "[Intel 64]" rules apply only on processors with Intel 64. Rows marked
 * post-2016 (CET, PKRS, FRED) come from Bochs and KVM patches, not from SDM text read here.
 */
import { VF8, type EntryCheckSpec } from './rule.js';
import type { FieldName } from '../vmcs/fields.js';

const CR = '26.2.2';
const SEG = '26.2.3';
const HOST = 'host' as const;
const INTEL64 = 'the processor supports Intel 64';
const LOAD_FRED = 'secondary VM-exit control bit 1 (load IA32_FRED) = 1 and host address-space size = 1';
const FRED_RSP: readonly FieldName[] = ['HOST_IA32_FRED_RSP1', 'HOST_IA32_FRED_RSP2', 'HOST_IA32_FRED_RSP3'];
const FRED_SSP: readonly FieldName[] = ['HOST_IA32_FRED_SSP1', 'HOST_IA32_FRED_SSP2', 'HOST_IA32_FRED_SSP3'];
const FRED_CTL: readonly FieldName[] = ['VM_EXIT_CONTROLS', 'SECONDARY_VM_EXIT_CONTROLS'];

export const HOST_STATE_CHECKS = {
  'HOST.CR0.FIXED0': {
    section: CR, phase: HOST,
    statement: 'Host CR0 has every bit set that IA32_VMX_CR0_FIXED0 reports as 1 (bits 29 NW and 30 CD are not checked)',
    precondition: 'always', failure: VF8, reads: ['HOST_CR0'], since: '2016', confidence: '2+',
  },
  'HOST.CR0.FIXED1': {
    section: CR, phase: HOST,
    statement: 'Host CR0 has no bit set that IA32_VMX_CR0_FIXED1 reports as 0 (bits 29 NW and 30 CD are not checked)',
    precondition: 'always', failure: VF8, reads: ['HOST_CR0'], since: '2016', confidence: '2+',
  },
  'HOST.CR4.FIXED0': {
    section: CR, phase: HOST,
    statement: 'Host CR4 has every bit set that IA32_VMX_CR4_FIXED0 reports as 1 (VMXE, bit 13)',
    precondition: 'always', failure: VF8, reads: ['HOST_CR4'], since: '2016', confidence: '2+',
  },
  'HOST.CR4.FIXED1': {
    section: CR, phase: HOST,
    statement: 'Host CR4 has no bit set that IA32_VMX_CR4_FIXED1 reports as 0',
    precondition: 'always', failure: VF8, reads: ['HOST_CR4'], since: '2016', confidence: '2+',
  },
  'HOST.CR3.PAW': {
    section: CR, phase: HOST,
    statement: 'Host CR3 bits 63:52 and the bits of 51:32 at or above the physical-address width are 0 (bit 63 too when CR4.PCIDE = 1)',
    precondition: INTEL64, failure: VF8, reads: ['HOST_CR3'], since: '2016', confidence: '2+',
  },
  'HOST.SYSENTER_ESP.CANON': {
    section: CR, phase: HOST,
    statement: 'Host IA32_SYSENTER_ESP is canonical',
    precondition: INTEL64, failure: VF8, reads: ['HOST_IA32_SYSENTER_ESP'], since: '2016', confidence: '2+',
  },
  'HOST.SYSENTER_EIP.CANON': {
    section: CR, phase: HOST,
    statement: 'Host IA32_SYSENTER_EIP is canonical',
    precondition: INTEL64, failure: VF8, reads: ['HOST_IA32_SYSENTER_EIP'], since: '2016', confidence: '2+',
  },
  'HOST.PERFGLOBAL.RSVD': {
    section: CR, phase: HOST,
    statement: 'Host IA32_PERF_GLOBAL_CTRL sets no bit outside the profile\'s valid mask (bits reserved in that MSR)',
    precondition: 'VM-exit control bit 12 (load IA32_PERF_GLOBAL_CTRL) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_IA32_PERF_GLOBAL_CTRL'], since: '2016', confidence: 'S',
  },
  'HOST.PAT.VALID': {
    section: CR, phase: HOST,
    statement: 'Each of the 8 bytes of host IA32_PAT is a valid memory type: 0, 1, 4, 5, 6 or 7',
    precondition: 'VM-exit control bit 19 (load IA32_PAT) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_IA32_PAT'], since: '2016', confidence: '2+',
  },
  'HOST.EFER.RSVD': {
    section: CR, phase: HOST,
    statement: 'Host IA32_EFER sets no bit other than 0 (SCE), 8 (LME), 10 (LMA) and 11 (NXE)',
    precondition: 'VM-exit control bit 21 (load IA32_EFER) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_IA32_EFER'], since: '2016', confidence: '2+',
  },
  'HOST.EFER.LMA': {
    section: CR, phase: HOST,
    statement: 'Host IA32_EFER.LMA (bit 10) equals the host address-space size VM-exit control (bit 9)',
    precondition: 'VM-exit control bit 21 (load IA32_EFER) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_IA32_EFER'], since: '2016', confidence: '2+',
  },
  'HOST.EFER.LME': {
    section: CR, phase: HOST,
    statement: 'Host IA32_EFER.LME (bit 8) equals the host address-space size VM-exit control (bit 9)',
    precondition: 'VM-exit control bit 21 (load IA32_EFER) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_IA32_EFER'], since: '2016', confidence: '2+',
  },
  'HOST.CR4CET.WP': {
    section: CR, phase: HOST,
    statement: 'Host CR4.CET (bit 23) = 1 only if host CR0.WP (bit 16) = 1',
    precondition: 'always', failure: VF8, reads: ['HOST_CR0', 'HOST_CR4'], since: 'post-2016', confidence: '1',
  },
  'HOST.CET.SCET': {
    section: CR, phase: HOST,
    statement: 'Host IA32_S_CET has bits 9:6 = 0, not both bit 10 (SUPPRESS) and bit 11 (TRACKER), and is canonical (host address-space size 1) or has bits 63:32 = 0 (size 0)',
    precondition: 'VM-exit control bit 28 (load CET state) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_S_CET'], since: 'post-2016', confidence: '2+',
  },
  'HOST.CET.SSP': {
    section: CR, phase: HOST,
    statement: 'Host SSP has bits 1:0 = 0 and is canonical (host address-space size 1) or has bits 63:32 = 0 (size 0)',
    precondition: 'VM-exit control bit 28 (load CET state) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_SSP'], since: 'post-2016', confidence: '2+',
  },
  'HOST.CET.SSPTBL': {
    section: CR, phase: HOST,
    statement: 'Host IA32_INTERRUPT_SSP_TABLE_ADDR is canonical',
    precondition: 'VM-exit control bit 28 (load CET state) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_INTR_SSP_TABLE'], since: 'post-2016', confidence: '2+',
  },
  'HOST.PKRS.RSVD': {
    section: CR, phase: HOST,
    statement: 'Host IA32_PKRS bits 63:32 = 0',
    precondition: 'VM-exit control bit 29 (load PKRS) = 1',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_IA32_PKRS'], since: 'post-2016', confidence: '1',
  },
  'HOST.FRED.CONFIG.RSVD': {
    section: CR, phase: HOST,
    statement: 'Host IA32_FRED_CONFIG bits 11, 5:4 and 2 (mask 834H) are 0',
    precondition: LOAD_FRED, failure: VF8, reads: [...FRED_CTL, 'HOST_IA32_FRED_CONFIG'], since: 'post-2016', confidence: '1',
  },
  'HOST.FRED.CONFIG.CANON': {
    section: CR, phase: HOST,
    statement: 'Host IA32_FRED_CONFIG bits 63:12 (the handler page) form a canonical address',
    precondition: LOAD_FRED, failure: VF8, reads: [...FRED_CTL, 'HOST_IA32_FRED_CONFIG'], since: 'post-2016', confidence: '1',
  },
  'HOST.FRED.RSP.ALIGN': {
    section: CR, phase: HOST,
    statement: 'Host IA32_FRED_RSP1, RSP2 and RSP3 have bits 5:0 = 0 (64-byte aligned)',
    precondition: LOAD_FRED, failure: VF8, reads: [...FRED_CTL, ...FRED_RSP], since: 'post-2016', confidence: '1',
  },
  'HOST.FRED.RSP.CANON': {
    section: CR, phase: HOST,
    statement: 'Host IA32_FRED_RSP1, RSP2 and RSP3 are canonical',
    precondition: LOAD_FRED, failure: VF8, reads: [...FRED_CTL, ...FRED_RSP], since: 'post-2016', confidence: '1',
  },
  'HOST.FRED.SSP.ALIGN': {
    section: CR, phase: HOST,
    statement: 'Host IA32_FRED_SSP1, SSP2 and SSP3 have bits 2:0 = 0 (8-byte aligned)',
    precondition: LOAD_FRED, failure: VF8, reads: [...FRED_CTL, ...FRED_SSP], since: 'post-2016', confidence: '1',
  },
  'HOST.FRED.SSP.CANON': {
    section: CR, phase: HOST,
    statement: 'Host IA32_FRED_SSP1, SSP2 and SSP3 are canonical',
    precondition: LOAD_FRED, failure: VF8, reads: [...FRED_CTL, ...FRED_SSP], since: 'post-2016', confidence: '1',
  },
  'HOST.FRED.CR4': {
    section: CR, phase: HOST,
    statement: 'Host CR4.FRED (bit 32) = 0',
    precondition: `${INTEL64} and host address-space size (VM-exit control bit 9) = 0`,
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_CR4'], since: 'post-2016', confidence: '1',
  },
  'HOST.SEL.CS.RPLTI': {
    section: SEG, phase: HOST, statement: 'Host CS selector bits 2:0 (RPL, TI) = 0',
    precondition: 'always', failure: VF8, reads: ['HOST_CS_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.SS.RPLTI': {
    section: SEG, phase: HOST, statement: 'Host SS selector bits 2:0 (RPL, TI) = 0',
    precondition: 'always', failure: VF8, reads: ['HOST_SS_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.DS.RPLTI': {
    section: SEG, phase: HOST, statement: 'Host DS selector bits 2:0 (RPL, TI) = 0',
    precondition: 'always', failure: VF8, reads: ['HOST_DS_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.ES.RPLTI': {
    section: SEG, phase: HOST, statement: 'Host ES selector bits 2:0 (RPL, TI) = 0',
    precondition: 'always', failure: VF8, reads: ['HOST_ES_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.FS.RPLTI': {
    section: SEG, phase: HOST, statement: 'Host FS selector bits 2:0 (RPL, TI) = 0',
    precondition: 'always', failure: VF8, reads: ['HOST_FS_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.GS.RPLTI': {
    section: SEG, phase: HOST, statement: 'Host GS selector bits 2:0 (RPL, TI) = 0',
    precondition: 'always', failure: VF8, reads: ['HOST_GS_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.TR.RPLTI': {
    section: SEG, phase: HOST, statement: 'Host TR selector bits 2:0 (RPL, TI) = 0',
    precondition: 'always', failure: VF8, reads: ['HOST_TR_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.CS.NONNULL': {
    section: SEG, phase: HOST, statement: 'Host CS selector is not 0000H',
    precondition: 'always', failure: VF8, reads: ['HOST_CS_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.TR.NONNULL': {
    section: SEG, phase: HOST, statement: 'Host TR selector is not 0000H',
    precondition: 'always', failure: VF8, reads: ['HOST_TR_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.SEL.SS.NONNULL': {
    section: SEG, phase: HOST, statement: 'Host SS selector is not 0000H',
    precondition: 'host address-space size (VM-exit control bit 9) = 0',
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_SS_SELECTOR'], since: '2016', confidence: '2+',
  },
  'HOST.BASE.FS.CANON': {
    section: SEG, phase: HOST, statement: 'Host FS base is canonical',
    precondition: INTEL64, failure: VF8, reads: ['HOST_FS_BASE'], since: '2016', confidence: '2+',
  },
  'HOST.BASE.GS.CANON': {
    section: SEG, phase: HOST, statement: 'Host GS base is canonical',
    precondition: INTEL64, failure: VF8, reads: ['HOST_GS_BASE'], since: '2016', confidence: '2+',
  },
  'HOST.BASE.GDTR.CANON': {
    section: SEG, phase: HOST, statement: 'Host GDTR base is canonical',
    precondition: INTEL64, failure: VF8, reads: ['HOST_GDTR_BASE'], since: '2016', confidence: '2+',
  },
  'HOST.BASE.IDTR.CANON': {
    section: SEG, phase: HOST, statement: 'Host IDTR base is canonical',
    precondition: INTEL64, failure: VF8, reads: ['HOST_IDTR_BASE'], since: '2016', confidence: '2+',
  },
  'HOST.BASE.TR.CANON': {
    section: SEG, phase: HOST, statement: 'Host TR base is canonical',
    precondition: INTEL64, failure: VF8, reads: ['HOST_TR_BASE'], since: '2016', confidence: '2+',
  },
} as const satisfies Record<string, EntryCheckSpec>;
