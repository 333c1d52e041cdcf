/** Turn a witness into the concrete (profile, state, instruction) it describes. */
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import { writeFields, type VtxState } from '../../../spec/vtx/state.js';
import { baselineState } from '../baseline.js';
import type { EntryWitness } from './witness.js';

export interface RealisedWitness {
  readonly profile: VtxProfile;
  readonly state: VtxState;
  readonly instruction: 'VMLAUNCH' | 'VMRESUME';
}

export const realiseWitness = (w: EntryWitness): RealisedWitness => {
  const profile = typeof w.profile === 'object' ? w.profile : BUILTIN_PROFILES[w.profile ?? 'vtx-max'];
  const base = baselineState(profile, w.baseline ?? 'ia32e');
  const at = base.currentVmcs!;
  const region = base.vmcs.get(at)!;
  const withFields: VtxState = w.fields
    ? { ...base, vmcs: new Map([...base.vmcs, [at, { ...region, fields: writeFields(region.fields, w.fields) }]]) }
    : base;
  return { profile, state: w.edit ? w.edit(withFields) : withFields, instruction: w.instruction ?? 'VMLAUNCH' };
};
