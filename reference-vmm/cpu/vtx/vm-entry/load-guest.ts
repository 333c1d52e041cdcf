/**
 * Loading guest state on a VM entry whose checks passed (SDM §26.3.2). The result is pending: MSR
 * loading (§26.4) may still fail, and only then is the whole entry committed to the machine.
 *
 * What is reported (LoadedGuestState): CR0/CR3/CR4, DR7, RSP/RIP/RFLAGS, IA32_EFER, the eight segment
 * registers (an unusable one with its selector, and SS.DPL or the FS/GS base where defined, §26.3.2.2), GDTR/IDTR, and
 * the MSRs loaded from VMCS fields: IA32_SYSENTER_CS/ESP/EIP always; IA32_DEBUGCTL, IA32_PAT,
 * IA32_PERF_GLOBAL_CTRL, IA32_BNDCFGS when their VM-entry controls are 1. CET, PKRS, UINV, FRED,
 * RTIT and LBR state are not loaded by this CPU (post-2016, outside this reference's scope).
 */
import type { LoadedSegment } from '../../../../spec/vtx/observation.js';
import type { ActivityState } from '../../../../spec/vtx/state.js';
import type { Segment } from '../machine.js';
import { bitOf, type EntryContext } from './context.js';
import { guestPdptes } from './guest-pdpte.js';
import { EFER_LMA, EFER_LME } from './msr-values.js';

const MASK64 = 0xffff_ffff_ffff_ffffn;

/** CR0 bits a VM entry never modifies: ET (4), 15:6, 17, 28:19, NW (29), CD (30). */
const CR0_KEEP = 0x10n | 0xffc0n | 0x2_0000n | 0x1ff8_0000n | 0x6000_0000n;

export type SegKey = 'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs' | 'ldtr' | 'tr';
export const SEG_KEYS: readonly SegKey[] = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'];

export interface PendingGuest {
  cr0: bigint;
  cr3: bigint;
  cr4: bigint;
  dr7: bigint;
  rsp: bigint;
  rip: bigint;
  rflags: bigint;
  efer: bigint;
  cpl: number;
  csL: boolean;
  blockingByMovSs: boolean;
  segments: Record<SegKey, LoadedSegment>;
  gdtrBase: bigint;
  gdtrLimit: number;
  idtrBase: bigint;
  idtrLimit: number;
  /** The segment registers as the machine holds them (unusable ones keep the field values: undefined in the SDM). */
  machineSegments: Record<SegKey, Segment>;
  blockingBySti: boolean;
  blockingBySmi: boolean | null;
  blockingByNmi: boolean;
  activity: ActivityState;
  pendingDebug: bigint;
  /** PDPTE0-3 for a guest using PAE paging (ENTRY.LOAD.PDPTE, §26.3.2.4); null: the registers are not loaded. */
  pdpte: bigint[] | null;
  /** MSRs written by this entry, by index, in the order written (fields first, then the MSR-load list). */
  msrs: Map<number, bigint>;
  /** Internal MSRs updated without being reported (FS.base, GS.base). */
  silentMsrs: Map<number, bigint>;
}

/**
 * The segment register as reported (ENTRY.LOAD.SEGMENTS): selector, base, limit and access rights of a
 * usable register; of an unusable one only what stays defined.
 */
const loadSegment = (c: EntryContext, key: SegKey): LoadedSegment => {
  const n = key.toUpperCase() as 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDTR' | 'TR';
  const selector = Number(c.f(`GUEST_${n}_SELECTOR`));
  const ar = c.f(`GUEST_${n}_AR_BYTES`);
  if ((ar & 0x1_0000n) !== 0n) {
    // Still defined for an unusable register (§26.3.2.2): SS.DPL, which becomes the CPL, and the FS/GS bases.
    if (n === 'SS') return { selector, unusable: true, dpl: Number((ar >> 5n) & 3n) };
    if (n === 'FS' || n === 'GS') return { selector, unusable: true, base: c.f(`GUEST_${n}_BASE`) };
    return { selector, unusable: true };
  }
  return {
    selector, unusable: false, base: c.f(`GUEST_${n}_BASE`), limit: Number(c.f(`GUEST_${n}_LIMIT`)), accessRights: Number(ar),
  };
};

export const loadGuestState = (c: EntryContext): PendingGuest => {
  const cpu = c.m.cpu;
  const cr0 = (cpu.cr0 & CR0_KEEP) | (c.f('GUEST_CR0') & ~CR0_KEEP);
  const loadDebug = c.on('entry.LOAD_DEBUG_CONTROLS');
  // DR7: bits 12, 15:14 cleared and bit 10 set as the register requires.
  const dr7 = loadDebug ? (c.f('GUEST_DR7') & ~0xd000n) | 0x400n : cpu.dr7;

  let efer: bigint;
  if (c.on('entry.LOAD_IA32_EFER')) {
    efer = c.f('GUEST_IA32_EFER');
  } else {
    // LMA := "IA-32e mode guest"; LME too, but only when the new CR0.PG is 1 (else unchanged).
    efer = c.ia32e ? cpu.efer | EFER_LMA : cpu.efer & ~EFER_LMA;
    if (bitOf(cr0, 31)) efer = c.ia32e ? efer | EFER_LME : efer & ~EFER_LME;
  }

  const msrs = new Map<number, bigint>();
  msrs.set(0x174, c.f('GUEST_SYSENTER_CS'));
  msrs.set(0x175, c.f('GUEST_SYSENTER_ESP'));
  msrs.set(0x176, c.f('GUEST_SYSENTER_EIP'));
  if (loadDebug) msrs.set(0x1d9, c.f('GUEST_IA32_DEBUGCTL'));
  if (c.on('entry.LOAD_IA32_PERF_GLOBAL_CTRL')) msrs.set(0x38f, c.f('GUEST_IA32_PERF_GLOBAL_CTRL'));
  if (c.on('entry.LOAD_IA32_PAT')) msrs.set(0x277, c.f('GUEST_IA32_PAT'));
  if (c.on('entry.LOAD_IA32_BNDCFGS')) msrs.set(0xd90, c.f('GUEST_BNDCFGS'));

  // §26.3.2.2 (ENTRY.LOAD.SEGMENTS): the eight segment registers from their four fields. An unusable
  // register keeps the field values where the SDM leaves them undefined, but an unusable SS, DS or ES
  // gets base bits 63:32 cleared and an unusable LDTR a canonical base (bits 63:N from bit N-1).
  const segments = {} as Record<SegKey, LoadedSegment>;
  for (const k of SEG_KEYS) segments[k] = loadSegment(c, k);
  const machineSegments = {} as Record<SegKey, Segment>;
  const width = BigInt(c.caps.linearWidth);
  for (const k of SEG_KEYS) {
    const n = k.toUpperCase() as 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDTR' | 'TR';
    const ar = c.f(`GUEST_${n}_AR_BYTES`);
    let base = c.f(`GUEST_${n}_BASE`);
    if (bitOf(ar, 16) && (k === 'ss' || k === 'ds' || k === 'es')) base &= 0xffff_ffffn;
    if (bitOf(ar, 16) && k === 'ldtr') {
      base = bitOf(base, c.caps.linearWidth - 1) ? (base | (MASK64 << width)) & MASK64 : base & ((1n << width) - 1n);
    }
    machineSegments[k] = {
      selector: Number(c.f(`GUEST_${n}_SELECTOR`)), base, limit: Number(c.f(`GUEST_${n}_LIMIT`)), accessRights: Number(ar),
    };
  }
  // §26.6.1–26.6.3: interruptibility, activity and pending debug exceptions; a vectoring entry
  // (event injection of types 0–6) starts active, without STI/MOV-SS blocking.
  const interruptibility = c.f('GUEST_INTERRUPTIBILITY_INFO');
  const vectoring = c.injecting && c.injectionType !== 7;
  // §26.6.2: a vectoring entry leaves the processor active, otherwise the activity-state field decides
  // (ENTRY.LOAD.ACTIVITY, INJECT.ACTIVITY).
  const activityNumber = Number(c.f('GUEST_ACTIVITY_STATE'));
  const activity: ActivityState = vectoring ? 'active' : (['active', 'hlt', 'shutdown', 'wait-for-sipi'] as const)[activityNumber] ?? 'active';
  // §26.6.1: no STI or MOV-SS blocking after a vectoring entry, else bits 0 and 1; bit 3 is NMI blocking,
  // or virtual-NMI blocking with "virtual NMIs" = 1 (one flag holds either); SMI blocking (bit 2) only
  // for an entry executed in SMM (ENTRY.LOAD.INTERRUPTIBILITY, INJECT.INTERRUPTIBILITY).
  const movSs = !vectoring && bitOf(interruptibility, 1);
  // §26.6.3: none pending after a vectoring entry of type 0, 2, 3, 5, or 4/6 without MOV-SS blocking,
  // nor after a non-vectoring entry to shutdown or wait-for-SIPI (ENTRY.LOAD.PENDING_DEBUG,
  // INJECT.PENDINGDEBUG).
  const noPendingDebug = (vectoring && (c.injectionType !== 4 && c.injectionType !== 6 || !bitOf(interruptibility, 1)))
    || (!vectoring && (activity === 'shutdown' || activity === 'wait-for-sipi'));

  return {
    cr0,
    cr3: c.f('GUEST_CR3'),
    cr4: c.f('GUEST_CR4'),
    dr7,
    rsp: c.f('GUEST_RSP'),
    rip: c.f('GUEST_RIP'),
    rflags: c.f('GUEST_RFLAGS'),
    efer,
    cpl: Number((c.f('GUEST_SS_AR_BYTES') >> 5n) & 3n), // SS.DPL is always loaded: it is the new CPL
    csL: c.ia32e && bitOf(c.f('GUEST_CS_AR_BYTES'), 13),
    blockingByMovSs: movSs,
    segments,
    machineSegments,
    blockingBySti: !vectoring && bitOf(interruptibility, 0),
    blockingBySmi: c.m.cpu.inSmm ? bitOf(interruptibility, 2) : null,
    blockingByNmi: bitOf(interruptibility, 3),
    activity,
    pendingDebug: noPendingDebug ? 0n : c.f('GUEST_PENDING_DBG_EXCEPTIONS'),
    pdpte: guestPdptes(c),
    // §26.3.2.2: GDTR and IDTR from their base and limit fields (ENTRY.LOAD.DESCRIPTOR_TABLES).
    gdtrBase: c.f('GUEST_GDTR_BASE'),
    gdtrLimit: Number(c.f('GUEST_GDTR_LIMIT')),
    idtrBase: c.f('GUEST_IDTR_BASE'),
    idtrLimit: Number(c.f('GUEST_IDTR_LIMIT')),
    msrs,
    // The FS/GS bases, also of unusable registers, are the FS.base/GS.base MSRs (ENTRY.LOAD.SEGMENTS).
    silentMsrs: new Map([[0xc000_0100, c.f('GUEST_FS_BASE')], [0xc000_0101, c.f('GUEST_GS_BASE')]]),
  };
};
