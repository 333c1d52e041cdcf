/**
 * §26.4: process the VM-entry MSR-load list in order (rules MSRLOAD.*). Runs after the guest state
 * was checked and loaded, so EFER and CR0 are the guest's when deciding whether a WRMSR would fault.
 */
import type { LoadedGuestState } from '../../../spec/vtx/observation.js';
import { readMemory64, MSR } from '../../../spec/vtx/state.js';
import type { MSR_LOADING_CHECKS } from '../../../spec/vtx/vm-entry/msr-loading.js';
import { wrmsrVerdict } from '../../../spec/x86/msrs.js';
import { bigOf } from '../u64.js';
import { F, lo, hi, type EntryEnv } from './env.js';

export type MsrRuleId = keyof typeof MSR_LOADING_CHECKS;

/**
 * `unknownEntries`: 1-based positions of entries, before the end of processing, naming an MSR outside
 * the architectural table (spec/x86/msrs.ts). Whether such an MSR exists is model-specific, so
 * failing at any of them (WRMSR would #GP) is permitted too; the result given assumes they exist.
 */
export type MsrLoadResult =
  | { readonly kind: 'loaded'; readonly msrs: ReadonlyMap<number, bigint>; readonly efer: bigint; readonly unknownEntries: readonly number[] }
  | { readonly kind: 'failed'; readonly index: number; readonly rule: MsrRuleId; readonly unknownEntries: readonly number[] }
  | { readonly kind: 'undefined' };

const EFER_LMA = 1n << 10n;
const NO_MSRS: ReadonlyMap<number, bigint> = new Map();
const IA32_SMM_MONITOR_CTL = 0x9b; // writable only in SMM (§26.4)

/** The per-entry rules in the order they are applied to each entry. */
const entryFailure = (e: EntryEnv, guest: LoadedGuestState, first: bigint, data: bigint): MsrRuleId | 'unknown' | null => {
  const index = Number(first & 0xffff_ffffn);
  if (index === MSR.IA32_FS_BASE || index === MSR.IA32_GS_BASE) return 'MSRLOAD.FSGSBASE';
  if (index >>> 8 === 0x8) return 'MSRLOAD.X2APIC';
  if (index === IA32_SMM_MONITOR_CTL && !e.inSmm) return 'MSRLOAD.SMMONLY';
  if (e.caps.profile.choices.msrLoadRejected.includes(index)) return 'MSRLOAD.MODEL';
  if (first >> 32n !== 0n) return 'MSRLOAD.RSVD';
  const choices = e.caps.profile.choices;
  const verdict = wrmsrVerdict(index, data, {
    linearAddressWidth: e.caps.linearAddressWidth,
    maxPhysAddr: e.caps.maxPhysAddr,
    inSmm: e.inSmm,
    debugctlValidMask: choices.debugctlValidMask,
    perfGlobalCtrlValidMask: choices.perfGlobalCtrlValidMask,
    // The guest's EFER and paging, already loaded (§26.4 follows §26.3.2): changing LME with CR0.PG = 1 faults.
    ...(index === MSR.IA32_EFER ? { current: guest.efer, pagingEnabled: ((guest.cr0 >> 31n) & 1n) === 1n } : {}),
  });
  if (verdict.kind === 'gp') return 'MSRLOAD.WRMSR';
  return verdict.kind === 'unknown' ? 'unknown' : null;
};

export const loadMsrList = (e: EntryEnv, guest: LoadedGuestState): MsrLoadResult => {
  const count = lo(e, F.VM_ENTRY_MSR_LOAD_COUNT);
  if (count === 0) return { kind: 'loaded', msrs: NO_MSRS, efer: guest.efer, unknownEntries: [] };
  if (count > e.caps.maxMsrListEntries) return { kind: 'undefined' };
  const base = bigOf(lo(e, F.VM_ENTRY_MSR_LOAD_ADDR), hi(e, F.VM_ENTRY_MSR_LOAD_ADDR));
  const msrs = new Map<number, bigint>();
  const unknownEntries: number[] = [];
  let efer = guest.efer;
  for (let i = 0; i < count; i++) {
    const at = base + 16n * BigInt(i);
    const first = readMemory64(e.state.memory, at);
    const data = readMemory64(e.state.memory, at + 8n);
    const rule = entryFailure(e, { ...guest, efer }, first, data);
    if (rule === 'unknown') unknownEntries.push(i + 1);
    else if (rule !== null) return { kind: 'failed', index: i + 1, rule, unknownEntries };
    const index = Number(first & 0xffff_ffffn);
    if (index === MSR.IA32_EFER) efer = (data & ~EFER_LMA) | (efer & EFER_LMA);
    else msrs.set(index, data);
  }
  return { kind: 'loaded', msrs, efer, unknownEntries };
};

/** The rules loadMsrList decides; typed so that a catalog rule it does not decide is a compile error. */
export const MSR_LOADING_IMPLEMENTED = {
  'MSRLOAD.COUNT': true, 'MSRLOAD.FSGSBASE': true, 'MSRLOAD.X2APIC': true, 'MSRLOAD.SMMONLY': true,
  'MSRLOAD.MODEL': true, 'MSRLOAD.RSVD': true, 'MSRLOAD.WRMSR': true,
} as const satisfies Record<MsrRuleId, true>;
