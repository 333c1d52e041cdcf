/**
 * The VM-execution, VM-exit and VM-entry controls the VMM asks for, per configuration, checked
 * against the profile's capability MSRs as a VMM reads them (SDM App. A.3–A.5: the TRUE_ MSRs when
 * IA32_VMX_BASIC[55] = 1; bits 31:0 must be 1, bits 63:32 may be 1): a control the processor cannot
 * set is a VmmError naming it, never a silently different VMM.
 */
import { CONTROLS, type ControlName, type ControlVector } from '../../../spec/vtx/controls.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { VtxVmmConfig } from './config.js';
import { VmmError } from './host.js';

const LOW32 = 0xffff_ffffn;

const limitsOf = (profile: VtxProfile, vector: ControlVector): { must: bigint; may: bigint } => {
  const m = profile.msrs;
  const useTrue = ((m.IA32_VMX_BASIC >> 55n) & 1n) === 1n;
  const pick = (plain: bigint, tru: bigint | undefined): bigint => (useTrue && tru !== undefined ? tru : plain);
  switch (vector) {
    case 'pin': { const v = pick(m.IA32_VMX_PINBASED_CTLS, m.IA32_VMX_TRUE_PINBASED_CTLS); return { must: v & LOW32, may: v >> 32n }; }
    case 'proc': { const v = pick(m.IA32_VMX_PROCBASED_CTLS, m.IA32_VMX_TRUE_PROCBASED_CTLS); return { must: v & LOW32, may: v >> 32n }; }
    case 'exit': { const v = pick(m.IA32_VMX_EXIT_CTLS, m.IA32_VMX_TRUE_EXIT_CTLS); return { must: v & LOW32, may: v >> 32n }; }
    case 'entry': { const v = pick(m.IA32_VMX_ENTRY_CTLS, m.IA32_VMX_TRUE_ENTRY_CTLS); return { must: v & LOW32, may: v >> 32n }; }
    case 'proc2': return { must: 0n, may: (m.IA32_VMX_PROCBASED_CTLS2 ?? 0n) >> 32n };
    default: return { must: 0n, may: 0n };
  }
};

/** Whether the profile's processor allows the 1-setting of `c`. */
export const supports = (profile: VtxProfile, c: ControlName): boolean =>
  ((limitsOf(profile, CONTROLS[c].vector).may >> BigInt(CONTROLS[c].bit)) & 1n) === 1n;

export interface ControlValues {
  readonly pin: bigint;
  readonly proc: bigint;
  readonly proc2: bigint;
  readonly exit: bigint;
  readonly entry: bigint;
}

/** The control vectors with `wanted` set (plus the must-be-one bits); VmmError if one is not allowed. */
export const controlValues = (profile: VtxProfile, wanted: readonly ControlName[]): ControlValues => {
  const out: Record<'pin' | 'proc' | 'proc2' | 'exit' | 'entry', bigint> = { pin: 0n, proc: 0n, proc2: 0n, exit: 0n, entry: 0n };
  for (const v of ['pin', 'proc', 'proc2', 'exit', 'entry'] as const) out[v] = limitsOf(profile, v).must;
  for (const c of wanted) {
    const { vector, bit } = CONTROLS[c];
    if (!supports(profile, c)) throw new VmmError(`the profile ${profile.name} does not allow the 1-setting of ${c}`);
    if (vector === 'pin' || vector === 'proc' || vector === 'proc2' || vector === 'exit' || vector === 'entry') out[vector] |= 1n << BigInt(bit);
  }
  return out;
};

/** Bit of a control in its vector (for the VMM's later VMWRITEs that toggle one control). */
export const controlBit = (c: ControlName): bigint => 1n << BigInt(CONTROLS[c].bit);

/** The controls the configuration needs (the toggled ones — interrupt window, preemption timer — start 0). */
export const wantedControls = (profile: VtxProfile, config: VtxVmmConfig, ia32e: boolean): ControlName[] => {
  const c: ControlName[] = [
    'pin.EXTERNAL_INTERRUPT_EXITING',
    'proc.USE_TSC_OFFSETTING', 'proc.USE_IO_BITMAPS', 'proc.ACTIVATE_SECONDARY_CONTROLS',
    'exit.HOST_ADDRESS_SPACE_SIZE', 'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT', 'exit.SAVE_DEBUG_CONTROLS',
    'exit.SAVE_IA32_PAT', 'exit.LOAD_IA32_PAT', 'exit.SAVE_IA32_EFER', 'exit.LOAD_IA32_EFER',
    'entry.LOAD_DEBUG_CONTROLS', 'entry.LOAD_IA32_PAT', 'entry.LOAD_IA32_EFER',
  ];
  if (ia32e) c.push('entry.IA32E_MODE_GUEST');
  if (config.msrBitmaps) c.push('proc.USE_MSR_BITMAPS');
  if (config.tpr === 'tpr-shadow') c.push('proc.USE_TPR_SHADOW');
  else c.push('proc.CR8_LOAD_EXITING', 'proc.CR8_STORE_EXITING');
  if (config.memory === 'ept') c.push('proc2.ENABLE_EPT');
  else c.push('proc.CR3_LOAD_EXITING', 'proc.CR3_STORE_EXITING', 'proc.INVLPG_EXITING');
  // The guest is told (cpuid.ts) it has the instructions whose VMX "enable" control is supported.
  for (const e of ['proc2.ENABLE_RDTSCP', 'proc2.ENABLE_INVPCID', 'proc2.ENABLE_XSAVES_XRSTORS'] as const) if (supports(profile, e)) c.push(e);
  // Checked now so that a missing capability shows at set-up, not at the first use.
  if (config.interruptWindow === 'interrupt-window' && !supports(profile, 'proc.INTERRUPT_WINDOW_EXITING')) throw new VmmError(`the profile ${profile.name} has no interrupt-window exiting`);
  if (config.interruptWindow === 'poll' && !supports(profile, 'pin.ACTIVATE_VMX_PREEMPTION_TIMER')) throw new VmmError(`the profile ${profile.name} has no VMX-preemption timer`);
  // Shadow paging lets one instruction at a time write a page table that maps itself (shadow.ts).
  if (config.memory === 'shadow' && !supports(profile, 'pin.ACTIVATE_VMX_PREEMPTION_TIMER')) throw new VmmError(`the profile ${profile.name} has no VMX-preemption timer (shadow paging's write window)`);
  return c;
};
