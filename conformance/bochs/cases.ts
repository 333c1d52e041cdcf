/**
 * VM-entry cases for a Bochs run: every rule witness (conformance/vtx/witnesses) applied to the
 * baseline of a given profile. A witness written for another profile is still applied: the model
 * says what the edited state must do on this one, and the Bochs result is judged against that.
 */
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import { writeFields } from '../../spec/vtx/state.js';
import type { VtxState } from '../../spec/vtx/state.js';
import { ENTRY_CHECK_IDS } from '../../spec/vtx/vm-entry/index.js';
import { baselineState, baselineSupported, type BaselineKind } from '../vtx/baseline.js';
import { ENTRY_WITNESSES } from '../vtx/witnesses/index.js';
import type { BochsCase } from './realise.js';

export const baselineCase = (profile: BuiltinProfileName, kind: BaselineKind = 'ia32e'): BochsCase => ({
  id: `baseline:${kind}`, profile, state: baselineState(BUILTIN_PROFILES[profile], kind), instruction: { op: 'VMLAUNCH' },
});

/** The witness of `rule` on `profile`'s baseline, or undefined when the profile cannot run its kind of guest. */
export const witnessCase = (profile: BuiltinProfileName, rule: (typeof ENTRY_CHECK_IDS)[number]): BochsCase | undefined => {
  const w = ENTRY_WITNESSES[rule];
  const p = BUILTIN_PROFILES[profile];
  const kind = w.baseline ?? 'ia32e';
  if (!baselineSupported(p, kind)) return undefined;
  const base = baselineState(p, kind);
  const at = base.currentVmcs!;
  const region = base.vmcs.get(at)!;
  const withFields: VtxState = w.fields ? { ...base, vmcs: new Map(base.vmcs).set(at, { ...region, fields: writeFields(region.fields, w.fields) }) } : base;
  return { id: `witness:${rule}`, profile, state: w.edit ? w.edit(withFields) : withFields, instruction: { op: w.instruction ?? 'VMLAUNCH' } };
};

export const witnessCases = (profile: BuiltinProfileName): BochsCase[] =>
  ENTRY_CHECK_IDS.flatMap((rule) => witnessCase(profile, rule) ?? []);
