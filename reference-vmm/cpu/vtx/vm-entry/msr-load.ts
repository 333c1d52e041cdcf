/**
 * VM-entry MSR loading (SDM §26.4): the entries of the VM-entry MSR-load list, in order, each 16 bytes
 * (bits 31:0 index, 63:32 reserved, 127:64 data). The first entry that cannot be loaded ends the entry
 * with exit reason 34 and its 1-based index as qualification.
 *
 * Concrete choices:
 * - WRMSR validity is decided by the small table below; an index not in it fails (MSRLOAD.WRMSR).
 * - MSRs writable only in SMM: IA32_SMM_MONITOR_CTL (9BH) and IA32_SMBASE (9EH).
 * - A count above the recommended maximum 512·(IA32_VMX_MISC[27:25] + 1) fails at entry max + 1
 *   (MSRLOAD.COUNT; the SDM leaves it undefined).
 */
import { bitOf, type EntryContext } from './context.js';
import type { PendingGuest } from './load-guest.js';
import { EFER_LMA, EFER_LME, EFER_VALID, patValid } from './msr-values.js';

const SMM_ONLY = new Set([0x9b, 0x9e]);
const HIGH32 = 0xffff_ffff_0000_0000n;

/** The value WRMSR at CPL 0 would store, or null when it would raise #GP. */
const wrmsr = (c: EntryContext, g: PendingGuest, index: number, data: bigint): bigint | null => {
  const canonical = (v: bigint): bigint | null => (c.caps.canonical(v) ? v : null);
  switch (index) {
    case 0x10: return data; // IA32_TIME_STAMP_COUNTER
    case 0x174: return data; // IA32_SYSENTER_CS
    case 0x175: case 0x176: return canonical(data); // IA32_SYSENTER_ESP / EIP
    case 0x1d9: return (data & ~c.caps.profile.choices.debugctlValidMask) === 0n ? data : null; // IA32_DEBUGCTL
    case 0x277: return patValid(data) ? data : null; // IA32_PAT
    case 0x38f: return (data & ~c.caps.profile.choices.perfGlobalCtrlValidMask) === 0n ? data : null;
    case 0xc000_0080: { // IA32_EFER: LMA is ignored; changing LME while paging is on faults
      if ((data & ~EFER_VALID) !== 0n) return null;
      if (bitOf(g.cr0, 31) && (data & EFER_LME) !== (g.efer & EFER_LME)) return null;
      return (data & ~EFER_LMA) | (g.efer & EFER_LMA);
    }
    case 0xc000_0081: return data; // IA32_STAR
    case 0xc000_0082: case 0xc000_0083: return canonical(data); // IA32_LSTAR / IA32_CSTAR
    case 0xc000_0084: return (data & HIGH32) === 0n ? data : null; // IA32_FMASK
    case 0xc000_0102: return canonical(data); // IA32_KERNEL_GS_BASE
    case 0xc000_0103: return (data & HIGH32) === 0n ? data : null; // IA32_TSC_AUX
    default: return null;
  }
};

export interface MsrLoadFailure {
  readonly rule: string;
  /** 1-based index of the failing entry (the exit qualification). */
  readonly entry: number;
}

/** Applies the list to `g` (in place). Returns the failure, or null when every entry loaded. */
export const loadMsrList = (c: EntryContext, g: PendingGuest): MsrLoadFailure | null => {
  const count = c.f('VM_ENTRY_MSR_LOAD_COUNT');
  const base = c.f('VM_ENTRY_MSR_LOAD_ADDR');
  const maximum = 512n * (((c.caps.misc >> 25n) & 7n) + 1n);
  for (let i = 0n; i < count; i++) {
    const entry = Number(i) + 1;
    if (i >= maximum) return { rule: 'MSRLOAD.COUNT', entry };
    const head = c.m.read64(base + 16n * i);
    const data = c.m.read64(base + 16n * i + 8n);
    const index = Number(head & 0xffff_ffffn);
    if (index === 0xc000_0100 || index === 0xc000_0101) return { rule: 'MSRLOAD.FSGSBASE', entry };
    if (index >>> 8 === 0x8) return { rule: 'MSRLOAD.X2APIC', entry };
    if (SMM_ONLY.has(index) && !c.m.cpu.inSmm) return { rule: 'MSRLOAD.SMMONLY', entry };
    if (c.caps.profile.choices.msrLoadRejected.includes(index)) return { rule: 'MSRLOAD.MODEL', entry };
    if ((head >> 32n) !== 0n) return { rule: 'MSRLOAD.RSVD', entry };
    const value = wrmsr(c, g, index, data);
    if (value === null) return { rule: 'MSRLOAD.WRMSR', entry };
    g.msrs.set(index, value);
    if (index === 0xc000_0080) g.efer = value;
  }
  return null;
};
