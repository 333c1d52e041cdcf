/**
 * §27.4 "Saving MSRs" (rules VMEXIT.MSR_STORE.*): after the guest-state area is written, each entry
 * of the VM-exit MSR-store area receives the guest's MSR value in bits 127:64. A failing entry ends
 * the exit in VMX abort 1. A list longer than IA32_VMX_MISC recommends (512 · (MISC[27:25] + 1)) has
 * undefined behaviour; the model's choice is to treat it as a failure at the first entry past the
 * limit, which keeps every exit bounded.
 */
import type { MSR_STORE_RULES } from '../../../spec/vtx/vm-exit/msr-store.js';
import { readField, readMemory64, type CpuRegisters, type VmcsImage } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { readMsr } from './msr-access.js';

type MsrStoreRuleId = keyof typeof MSR_STORE_RULES;

const IA32_SMBASE = 0x9e;

export type MsrStoreResult =
  | { readonly kind: 'stored'; readonly memory: ReadonlyMap<bigint, bigint>; readonly count: number }
  /** `index` is the 1-based position of the failing entry. */
  | { readonly kind: 'failed'; readonly index: number; readonly rule: MsrStoreRuleId; readonly memory: ReadonlyMap<bigint, bigint> };

/** The value an entry stores, or the rule it breaks. */
const entryValue = (caps: Capabilities, cpu: CpuRegisters, first: bigint): { rule: MsrStoreRuleId } | { value: bigint } => {
  const index = Number(first & 0xffff_ffffn);
  if (index >>> 8 === 0x8) return { rule: 'VMEXIT.MSR_STORE.X2APIC' };
  if (index === IA32_SMBASE && !cpu.inSmm) return { rule: 'VMEXIT.MSR_STORE.SMMONLY' };
  if (caps.profile.choices.msrLoadRejected.includes(index)) return { rule: 'VMEXIT.MSR_STORE.MODEL' };
  if (first >> 32n !== 0n) return { rule: 'VMEXIT.MSR_STORE.RSVD' };
  const value = readMsr(cpu, index);
  return value === null ? { rule: 'VMEXIT.MSR_STORE.RDMSR' } : { value };
};

/**
 * VMEXIT.MSR_STORE, VMEXIT.MSR_STORE.X2APIC, VMEXIT.MSR_STORE.SMMONLY, VMEXIT.MSR_STORE.MODEL,
 * VMEXIT.MSR_STORE.RSVD, VMEXIT.MSR_STORE.RDMSR (§27.4): `cpu` is the guest state being left.
 */
export const storeMsrs = (caps: Capabilities, image: VmcsImage, cpu: CpuRegisters, memory: ReadonlyMap<bigint, bigint>): MsrStoreResult => {
  const count = Number(readField(image, 'VM_EXIT_MSR_STORE_COUNT') & 0xffff_ffffn);
  if (count === 0) return { kind: 'stored', memory, count };
  const base = readField(image, 'VM_EXIT_MSR_STORE_ADDR');
  const next = new Map(memory);
  for (let i = 0; i < count; i++) {
    if (i >= caps.maxMsrListEntries) return { kind: 'failed', index: i + 1, rule: 'VMEXIT.MSR_STORE', memory: next };
    const at = base + 16n * BigInt(i);
    const r = entryValue(caps, cpu, readMemory64(next, at));
    if ('rule' in r) return { kind: 'failed', index: i + 1, rule: r.rule, memory: next };
    next.set((at + 8n) & ~7n, r.value);
  }
  return { kind: 'stored', memory: next, count };
};
