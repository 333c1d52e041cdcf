/**
 * §26.3.2 "Loading Guest State" and the non-register state of §26.6.1–26.6.3: what a successful VM
 * entry puts in the registers, read from the guest-state area under the VM-entry controls.
 * `loadGuestState` is what an entry reports (LoadedGuestState); `guestRegisters` is everything
 * non-root operation then reads (rules ENTRY.LOAD.*). Event injection (§26.5) is not part of this step.
 */
import type { LoadedGuestState, LoadedSegment } from '../../../spec/vtx/observation.js';
import type { ActivityState, CpuRegisters, SegmentName, SegmentRegister, SegmentRegisters } from '../../../spec/vtx/state.js';
import { MSR, SEGMENT_NAMES } from '../../../spec/vtx/state.js';
import { bigOf } from '../u64.js';
import { signExtend } from '../vm-exit/vmcs.js';
import { F, lo, hi, type EntryEnv } from './env.js';
import { loadedPdptes } from './guest-pdptes.js';

/** CR0 bits a VM entry never modifies (§26.3.2.1): ET (4), 15:6, 17, 28:19, NW (29), CD (30), 63:32. */
const CR0_KEEP = 0xffff_ffff_0000_0000n | 0x10n | 0xffc0n | 0x2_0000n | 0x1ff8_0000n | 0x6000_0000n;
const EFER_LME = 1n << 8n;
const EFER_LMA = 1n << 10n;

const field = (e: EntryEnv, f: number): bigint => bigOf(lo(e, f), hi(e, f));

const KEY = {
  SYSENTER_CS: `0x${MSR.IA32_SYSENTER_CS.toString(16)}`,
  SYSENTER_ESP: `0x${MSR.IA32_SYSENTER_ESP.toString(16)}`,
  SYSENTER_EIP: `0x${MSR.IA32_SYSENTER_EIP.toString(16)}`,
  DEBUGCTL: `0x${MSR.IA32_DEBUGCTL.toString(16)}`,
  PERF_GLOBAL_CTRL: `0x${MSR.IA32_PERF_GLOBAL_CTRL.toString(16)}`,
  PAT: `0x${MSR.IA32_PAT.toString(16)}`,
  BNDCFGS: `0x${MSR.IA32_BNDCFGS.toString(16)}`,
} as const;

const SEGMENT_FIELDS = {
  es: [F.GUEST_ES_SELECTOR, F.GUEST_ES_BASE, F.GUEST_ES_LIMIT, F.GUEST_ES_AR_BYTES],
  cs: [F.GUEST_CS_SELECTOR, F.GUEST_CS_BASE, F.GUEST_CS_LIMIT, F.GUEST_CS_AR_BYTES],
  ss: [F.GUEST_SS_SELECTOR, F.GUEST_SS_BASE, F.GUEST_SS_LIMIT, F.GUEST_SS_AR_BYTES],
  ds: [F.GUEST_DS_SELECTOR, F.GUEST_DS_BASE, F.GUEST_DS_LIMIT, F.GUEST_DS_AR_BYTES],
  fs: [F.GUEST_FS_SELECTOR, F.GUEST_FS_BASE, F.GUEST_FS_LIMIT, F.GUEST_FS_AR_BYTES],
  gs: [F.GUEST_GS_SELECTOR, F.GUEST_GS_BASE, F.GUEST_GS_LIMIT, F.GUEST_GS_AR_BYTES],
  ldtr: [F.GUEST_LDTR_SELECTOR, F.GUEST_LDTR_BASE, F.GUEST_LDTR_LIMIT, F.GUEST_LDTR_AR_BYTES],
  tr: [F.GUEST_TR_SELECTOR, F.GUEST_TR_BASE, F.GUEST_TR_LIMIT, F.GUEST_TR_AR_BYTES],
} as const;

/**
 * An unusable register has its selector defined after entry, plus SS.DPL (the new CPL) and the FS/GS
 * bases (§26.3.2.2); TR is never unusable.
 */
const segment = (e: EntryEnv, [sel, base, limit, ar]: readonly [number, number, number, number]): LoadedSegment => {
  const accessRights = lo(e, ar);
  const unusable = ((accessRights >>> 16) & 1) === 1;
  if (!unusable) return { selector: lo(e, sel), unusable, base: field(e, base), limit: lo(e, limit), accessRights };
  if (ar === F.GUEST_SS_AR_BYTES) return { selector: lo(e, sel), unusable, dpl: (accessRights >>> 5) & 3 };
  if (ar === F.GUEST_FS_AR_BYTES || ar === F.GUEST_GS_AR_BYTES) return { selector: lo(e, sel), unusable, base: field(e, base) };
  return { selector: lo(e, sel), unusable };
};

export const loadGuestState = (e: EntryEnv, before: CpuRegisters): LoadedGuestState => {
  const loadDebug = ((e.entry >>> 2) & 1) === 1;
  const cr0 = (field(e, F.GUEST_CR0) & ~CR0_KEEP) | (before.cr0 & CR0_KEEP);
  const pg = (cr0 >> 31n) & 1n;
  let efer: bigint;
  if ((e.entry >>> 15) & 1) {
    efer = field(e, F.GUEST_IA32_EFER);
  } else {
    // Without "load IA32_EFER", LMA follows "IA-32e mode guest" and LME does too when paging is on.
    const ia32e = e.ia32e ? 1n : 0n;
    efer = (before.efer & ~EFER_LMA) | (ia32e << 10n);
    if (pg === 1n) efer = (efer & ~EFER_LME) | (ia32e << 8n);
  }
  const msrs: Record<string, bigint> = {
    [KEY.SYSENTER_CS]: BigInt(lo(e, F.GUEST_SYSENTER_CS)),
    [KEY.SYSENTER_ESP]: field(e, F.GUEST_SYSENTER_ESP),
    [KEY.SYSENTER_EIP]: field(e, F.GUEST_SYSENTER_EIP),
  };
  if (loadDebug) msrs[KEY.DEBUGCTL] = field(e, F.GUEST_IA32_DEBUGCTL);
  if ((e.entry >>> 13) & 1) msrs[KEY.PERF_GLOBAL_CTRL] = field(e, F.GUEST_IA32_PERF_GLOBAL_CTRL);
  if ((e.entry >>> 14) & 1) msrs[KEY.PAT] = field(e, F.GUEST_IA32_PAT);
  if ((e.entry >>> 16) & 1) msrs[KEY.BNDCFGS] = field(e, F.GUEST_BNDCFGS);
  return {
    cr0,
    cr3: field(e, F.GUEST_CR3),
    cr4: field(e, F.GUEST_CR4),
    // §26.3.2.1: with "load debug controls", DR7 bits 12, 15:14 read 0 and bit 10 reads 1.
    dr7: loadDebug ? (field(e, F.GUEST_DR7) & ~0xd000n) | 0x400n : before.dr7,
    rsp: field(e, F.GUEST_RSP),
    rip: field(e, F.GUEST_RIP),
    rflags: field(e, F.GUEST_RFLAGS),
    efer,
    es: segment(e, SEGMENT_FIELDS.es),
    cs: segment(e, SEGMENT_FIELDS.cs),
    ss: segment(e, SEGMENT_FIELDS.ss),
    ds: segment(e, SEGMENT_FIELDS.ds),
    fs: segment(e, SEGMENT_FIELDS.fs),
    gs: segment(e, SEGMENT_FIELDS.gs),
    ldtr: segment(e, SEGMENT_FIELDS.ldtr),
    tr: segment(e, SEGMENT_FIELDS.tr),
    gdtrBase: field(e, F.GUEST_GDTR_BASE),
    gdtrLimit: lo(e, F.GUEST_GDTR_LIMIT),
    idtrBase: field(e, F.GUEST_IDTR_BASE),
    idtrLimit: lo(e, F.GUEST_IDTR_LIMIT),
    msrs,
  };
};

/** MSR keys of LoadedGuestState.msrs: the index in lower-case hex. */
export const hex = (n: number): string => `0x${n.toString(16)}`;

const ACTIVITY_BY_NUMBER: readonly ActivityState[] = ['active', 'hlt', 'shutdown', 'wait-for-sipi'];
const IA32_TIME_STAMP_COUNTER = 0x10;
/** Bits of the pending-debug-exceptions field: B3-B0, enabled breakpoint (12), BS (14), RTM (16) (Table 24-4). */
const PENDING_DEBUG_BITS = 0xfn | (1n << 12n) | (1n << 14n) | (1n << 16n);

/**
 * ENTRY.LOAD.SEGMENTS (§26.3.2.2): every register from its four fields. For an unusable register the
 * SDM keeps defined only the selector, SS.DPL, the FS/GS bases, SS/DS/ES base bits 63:32 = 0 and a
 * canonical LDTR base; the rest is undefined, and the model keeps the field values (bit 16 of the
 * access rights marks the register unusable, as in the VMCS).
 */
const loadedSegment = (e: EntryEnv, name: SegmentName): SegmentRegister => {
  const [sel, baseField, limit, ar] = SEGMENT_FIELDS[name];
  const accessRights = lo(e, ar);
  const unusable = ((accessRights >>> 16) & 1) === 1;
  let base = field(e, baseField);
  if (unusable && (name === 'ss' || name === 'ds' || name === 'es')) base &= 0xffff_ffffn;
  if (unusable && name === 'ldtr') base = signExtend(base, e.caps.linearAddressWidth);
  return { selector: lo(e, sel) & 0xffff, base, limit: lo(e, limit), accessRights };
};

/** The entry delivers an event (§26.5): valid interruption information of a type other than 7 (other event). */
const vectoring = (e: EntryEnv): boolean => e.injecting && e.injType !== 7;

/**
 * ENTRY.LOAD.PENDING_DEBUG (§26.6.3): none after vectoring entries of types 0, 2, 3, 5, after types 4
 * and 6 without MOV-SS blocking, and after entries to shutdown or wait-for-SIPI.
 */
const pendingDebugAfterEntry = (e: EntryEnv, interruptibility: number, activity: ActivityState): bigint => {
  if (vectoring(e)) {
    const softwareWithMovSs = (e.injType === 4 || e.injType === 6) && ((interruptibility >>> 1) & 1) === 1;
    if (!softwareWithMovSs) return 0n;
  } else if (activity === 'shutdown' || activity === 'wait-for-sipi') {
    return 0n;
  }
  return field(e, F.GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DEBUG_BITS;
};

/**
 * The processor registers after entry (rules ENTRY.LOAD.SEGMENTS, ENTRY.LOAD.DESCRIPTOR_TABLES,
 * ENTRY.LOAD.INTERRUPTIBILITY, ENTRY.LOAD.ACTIVITY, ENTRY.LOAD.PENDING_DEBUG, ENTRY.LOAD.PDPTE): the loaded guest state, CPL from SS.DPL
 * (§26.3.2.2), the FS/GS bases also as the FS.base/GS.base MSRs, the VM-entry MSR-load list's values,
 * and the guest's interruptibility, activity and pending debug exceptions (§26.6.1–26.6.3). With
 * "virtual NMIs" = 1, blockingByNmi is the virtual-NMI blocking of bit 3 (state.ts).
 */
export const guestRegisters = (e: EntryEnv, g: LoadedGuestState, before: CpuRegisters, msrList: ReadonlyMap<number, bigint>): CpuRegisters => {
  const msrs = new Map(before.msrs);
  msrs.set(MSR.IA32_SYSENTER_CS, g.msrs[KEY.SYSENTER_CS]!);
  msrs.set(MSR.IA32_SYSENTER_ESP, g.msrs[KEY.SYSENTER_ESP]!);
  msrs.set(MSR.IA32_SYSENTER_EIP, g.msrs[KEY.SYSENTER_EIP]!);
  for (const [k, index] of [[KEY.DEBUGCTL, MSR.IA32_DEBUGCTL], [KEY.PERF_GLOBAL_CTRL, MSR.IA32_PERF_GLOBAL_CTRL], [KEY.PAT, MSR.IA32_PAT], [KEY.BNDCFGS, MSR.IA32_BNDCFGS]] as const) {
    const v = g.msrs[k];
    if (v !== undefined) msrs.set(index, v);
  }
  const segments = Object.fromEntries(SEGMENT_NAMES.map((n) => [n, loadedSegment(e, n)])) as SegmentRegisters;
  msrs.set(MSR.IA32_FS_BASE, segments.fs.base);
  msrs.set(MSR.IA32_GS_BASE, segments.gs.base);
  let tsc = before.tsc;
  for (const [k, v] of msrList) {
    // The TSC is its own register in the abstraction (RDTSC reads it).
    if (k === IA32_TIME_STAMP_COUNTER) tsc = v;
    else msrs.set(k, v);
  }
  const interruptibility = lo(e, F.GUEST_INTERRUPTIBILITY_INFO);
  const bitOf = (n: number): boolean => ((interruptibility >>> n) & 1) === 1;
  // ENTRY.LOAD.ACTIVITY: a vectoring entry delivers its event and so leaves the processor active.
  const activity: ActivityState = vectoring(e) ? 'active' : ACTIVITY_BY_NUMBER[lo(e, F.GUEST_ACTIVITY_STATE)] ?? 'active';
  return {
    ...before,
    cr0: g.cr0, cr3: g.cr3, cr4: g.cr4, dr7: g.dr7, rsp: g.rsp, rip: g.rip, rflags: g.rflags, efer: g.efer,
    cpl: (lo(e, F.GUEST_SS_AR_BYTES) >>> 5) & 3,
    csL: ((lo(e, F.GUEST_CS_AR_BYTES) >>> 13) & 1) === 1,
    msrs,
    tsc,
    segments,
    gdtr: { base: g.gdtrBase, limit: g.gdtrLimit },
    idtr: { base: g.idtrBase, limit: g.idtrLimit },
    // ENTRY.LOAD.INTERRUPTIBILITY (§26.6.1).
    blockingBySti: !vectoring(e) && bitOf(0),
    blockingByMovSs: !vectoring(e) && bitOf(1),
    blockingBySmi: e.inSmm ? bitOf(2) : before.blockingBySmi,
    blockingByNmi: bitOf(3),
    activity,
    pendingDebug: pendingDebugAfterEntry(e, interruptibility, activity),
    pdpte: loadedPdptes(e) ?? before.pdpte,
  };
};
