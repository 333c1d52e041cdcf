/** Shared fixtures of the reference CPU's unit tests (states built from spec/ data and the baseline). */
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { CpuRegisters, VtxState } from '../../../spec/vtx/state.js';
import { readField, type VmcsImage } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { ReferenceVtxCpu } from './index.js';

export const SKYLAKE: VtxProfile = BUILTIN_PROFILES['bochs-skylake-x'];
export const PENRYN: VtxProfile = BUILTIN_PROFILES['bochs-penryn'];
export const MAX: VtxProfile = BUILTIN_PROFILES['vtx-max'];

export const VMXON_REGION = 0x1000n;
export const VMCS_REGION = 0x2000n;
export const OTHER_REGION = 0x5000n;

/** VMX root operation with a current, clear, valid VMCS at 2000H (the ia32e baseline). */
export const rootState = (profile: VtxProfile = SKYLAKE): VtxState => baselineState(profile, 'ia32e');

/** Outside VMX operation, ready for a VMXON of the region at 1000H. */
export const outsideState = (profile: VtxProfile = SKYLAKE): VtxState => ({
  ...rootState(profile), vmx: 'outside', vmxonPointer: null, currentVmcs: null,
});

export const withCpu = (s: VtxState, cpu: Partial<CpuRegisters>): VtxState => ({ ...s, cpu: { ...s.cpu, ...cpu } });

export const withMemory = (s: VtxState, words: ReadonlyArray<readonly [bigint, bigint]>): VtxState => {
  const memory = new Map(s.memory);
  for (const [a, v] of words) memory.set(a, v);
  return { ...s, memory };
};

export const cpuFor = (s: VtxState, profile: VtxProfile = SKYLAKE): ReferenceVtxCpu => new ReferenceVtxCpu(profile, s);

export const fieldOf = (s: VtxState, address: bigint, name: FieldName): bigint => {
  const image: VmcsImage | undefined = s.vmcs.get(address)?.fields;
  if (image === undefined) throw new Error(`no VMCS region at ${address}`);
  return readField(image, name);
};
