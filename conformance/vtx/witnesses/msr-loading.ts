/**
 * Witnesses for §26.4 MSR loading: a one-entry VM-entry MSR-load list at 0x8000 whose entry breaks
 * one rule (the first entry, so the qualification is 1).
 */
import type { MSR_LOADING_CHECKS } from '../../../spec/vtx/vm-entry/msr-loading.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { EntryWitness } from './witness.js';

const LIST = 0x8000n;

const oneEntry = (first: bigint, data: bigint, extra: Partial<EntryWitness> = {}): EntryWitness => ({
  fields: { VM_ENTRY_MSR_LOAD_COUNT: 1n, VM_ENTRY_MSR_LOAD_ADDR: LIST, ...extra.fields },
  edit: (s: VtxState) => ({ ...s, memory: new Map([...s.memory, [LIST, first], [LIST + 8n, data]]) }),
});

export const MSR_LOADING_WITNESSES = {
  // vtx-max recommends at most 512 · (0 + 1) entries; a 513th is undefined behaviour. Every entry
  // is a valid IA32_SYSENTER_CS load, so only the length is wrong.
  'MSRLOAD.COUNT': {
    fields: { VM_ENTRY_MSR_LOAD_COUNT: 513n, VM_ENTRY_MSR_LOAD_ADDR: LIST },
    edit: (s: VtxState) => ({
      ...s,
      memory: new Map([...s.memory, ...Array.from({ length: 513 }, (_, i) => [LIST + 16n * BigInt(i), 0x174n] as const)]),
    }),
  },
  'MSRLOAD.FSGSBASE': oneEntry(0xc000_0100n, 0n),
  'MSRLOAD.X2APIC': oneEntry(0x808n, 0n),
  'MSRLOAD.SMMONLY': oneEntry(0x9bn, 0n),
  'MSRLOAD.MODEL': oneEntry(0x79n, 0n),
  // IA32_SYSENTER_CS with a reserved bit in the entry's upper half.
  'MSRLOAD.RSVD': oneEntry(0x1_0000_0174n, 0n),
  // IA32_PAT with memory type 2 (reserved) in byte 0.
  'MSRLOAD.WRMSR': oneEntry(0x277n, 0x0007_0406_0007_0402n),
} satisfies Record<keyof typeof MSR_LOADING_CHECKS, EntryWitness>;
