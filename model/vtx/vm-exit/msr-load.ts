/**
 * §27.6 "Loading MSRs" (rules VMEXIT.MSR_LOAD.*): after host state, each entry of the VM-exit
 * MSR-load area is written as WRMSR at CPL 0 would write it, judged against the host state just
 * loaded (IA32_EFER.LME cannot change while the host's CR0.PG = 1). A failing entry is VMX abort 4.
 * An MSR outside the architectural table (spec/x86/msrs.ts) is assumed to exist; a processor without
 * it would abort, which the result reports as `unknownEntry`. An over-long list (undefined behaviour)
 * fails at the first entry past the recommended maximum, as in ./msr-store.ts.
 */
import type { MSR_LOAD_RULES } from '../../../spec/vtx/vm-exit/msr-load.js';
import { MSR, readField, readMemory64, type CpuRegisters, type VmcsImage } from '../../../spec/vtx/state.js';
import { wrmsrVerdict } from '../../../spec/x86/msrs.js';
import type { Capabilities } from '../capabilities.js';
import { writeMsr } from './msr-access.js';

type MsrLoadRuleId = keyof typeof MSR_LOAD_RULES;

const IA32_SMM_MONITOR_CTL = 0x9b;

export type ExitMsrLoadResult =
  /** `unknownEntry`: 1-based position of the first entry naming an MSR the model cannot vouch for, or null. */
  | { readonly kind: 'loaded'; readonly cpu: CpuRegisters; readonly count: number; readonly unknownEntry: number | null }
  /** `cpu`: the registers with the entries before the failing one written. */
  | { readonly kind: 'failed'; readonly index: number; readonly rule: MsrLoadRuleId; readonly cpu: CpuRegisters };

const entryFailure = (caps: Capabilities, cpu: CpuRegisters, first: bigint, data: bigint): MsrLoadRuleId | 'unknown' | null => {
  const index = Number(first & 0xffff_ffffn);
  if (index === MSR.IA32_FS_BASE || index === MSR.IA32_GS_BASE) return 'VMEXIT.MSR_LOAD.FSGSBASE';
  if (index >>> 8 === 0x8) return 'VMEXIT.MSR_LOAD.X2APIC';
  if (index === IA32_SMM_MONITOR_CTL && !cpu.inSmm) return 'VMEXIT.MSR_LOAD.SMMONLY';
  if (caps.profile.choices.msrLoadRejected.includes(index)) return 'VMEXIT.MSR_LOAD.MODEL';
  if (first >> 32n !== 0n) return 'VMEXIT.MSR_LOAD.RSVD';
  const verdict = wrmsrVerdict(index, data, {
    linearAddressWidth: caps.linearAddressWidth,
    maxPhysAddr: caps.maxPhysAddr,
    inSmm: cpu.inSmm,
    debugctlValidMask: caps.profile.choices.debugctlValidMask,
    perfGlobalCtrlValidMask: caps.profile.choices.perfGlobalCtrlValidMask,
    ...(index === MSR.IA32_EFER ? { current: cpu.efer, pagingEnabled: ((cpu.cr0 >> 31n) & 1n) === 1n } : {}),
    ...(index === MSR.IA32_FEATURE_CONTROL ? { current: cpu.msrs.get(index) ?? 0n } : {}),
  });
  if (verdict.kind === 'gp') return 'VMEXIT.MSR_LOAD.WRMSR';
  return verdict.kind === 'unknown' ? 'unknown' : null;
};

/**
 * VMEXIT.MSR_LOAD, VMEXIT.MSR_LOAD.FSGSBASE, VMEXIT.MSR_LOAD.X2APIC, VMEXIT.MSR_LOAD.SMMONLY,
 * VMEXIT.MSR_LOAD.MODEL, VMEXIT.MSR_LOAD.RSVD, VMEXIT.MSR_LOAD.WRMSR (§27.6): `host` is the state §27.5 loaded.
 */
export const loadExitMsrs = (caps: Capabilities, image: VmcsImage, host: CpuRegisters, memory: ReadonlyMap<bigint, bigint>): ExitMsrLoadResult => {
  const count = Number(readField(image, 'VM_EXIT_MSR_LOAD_COUNT') & 0xffff_ffffn);
  const base = readField(image, 'VM_EXIT_MSR_LOAD_ADDR');
  let cpu = host;
  let unknownEntry: number | null = null;
  for (let i = 0; i < count; i++) {
    if (i >= caps.maxMsrListEntries) return { kind: 'failed', index: i + 1, rule: 'VMEXIT.MSR_LOAD', cpu };
    const at = base + 16n * BigInt(i);
    const first = readMemory64(memory, at);
    const data = readMemory64(memory, at + 8n);
    const rule = entryFailure(caps, cpu, first, data);
    if (rule === 'unknown') unknownEntry ??= i + 1;
    else if (rule !== null) return { kind: 'failed', index: i + 1, rule, cpu };
    cpu = writeMsr(cpu, Number(first & 0xffff_ffffn), data);
  }
  return { kind: 'loaded', cpu, count, unknownEntry };
};
