/**
 * fast-check arbitraries for VT-x: capability profiles, valid VM-entry states of each guest kind, and
 * near-boundary states — a valid state with one to three mutations, each either a rule's witness edit
 * (several together exercise the looseness between rules), a bit flip in a field some rule reads, or a
 * value at a typical edge (0, all ones, the canonical boundary, page-alignment boundary).
 */
import fc from 'fast-check';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_NAMES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import { readField, writeField, type VmcsRegion, type VtxState } from '../../spec/vtx/state.js';
import { fieldBits, FIELD_BY_NAME, FIELD_INDEX } from '../../spec/vtx/vmcs/encoding.js';
import { decodeCapabilities } from '../../model/vtx/capabilities.js';
import { fieldExists } from '../../model/vtx/vmcs-fields.js';
import type { FieldName } from '../../spec/vtx/vmcs/fields.js';
import { ENTRY_CHECKS, ENTRY_CHECK_IDS, type EntryCheckId } from '../../spec/vtx/vm-entry/index.js';
import { BASELINE_KINDS, baselineState, baselineSupported, type BaselineKind } from './baseline.js';
import { ENTRY_WITNESSES } from './witnesses/index.js';
import type { VtxInstruction } from '../../spec/vtx/instructions.js';

export const profileNameArb: fc.Arbitrary<BuiltinProfileName> = fc.constantFrom(...BUILTIN_PROFILE_NAMES);

/** Every field some catalog rule reads: where the boundary of validity lies. */
export const CHECKED_FIELDS: readonly FieldName[] = [...new Set(Object.values(ENTRY_CHECKS).flatMap((c) => c.reads))];

const EDGE_VALUES = [
  0n, 1n, 0xffn, 0xfffn, 0x1000n, 0xffffn, 0x1_0000n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn,
  0x0000_7fff_ffff_ffffn, 0x0000_8000_0000_0000n, 0xffff_8000_0000_0000n, 0xffff_ffff_ffff_ffffn,
] as const;

export type Mutation =
  | { readonly kind: 'witness'; readonly rule: EntryCheckId }
  | { readonly kind: 'flip'; readonly field: FieldName; readonly bit: number }
  | { readonly kind: 'set'; readonly field: FieldName; readonly value: bigint };

const mutationOf = (fields: readonly FieldName[]): fc.Arbitrary<Mutation> => fc.oneof(
  fc.record({ kind: fc.constant('witness' as const), rule: fc.constantFrom(...ENTRY_CHECK_IDS) }),
  fc.record({ kind: fc.constant('flip' as const), field: fc.constantFrom(...fields), bit: fc.nat({ max: 63 }) }),
  fc.record({ kind: fc.constant('set' as const), field: fc.constantFrom(...fields), value: fc.constantFrom(...EDGE_VALUES) }),
);

/** Mutations of any checked field, whether or not a given processor has it. */
export const mutationArb: fc.Arbitrary<Mutation> = mutationOf(CHECKED_FIELDS);

/**
 * Mutations a processor's VMCS can hold: bit flips and edge values only in fields that exist on the
 * profile (a VMCS cannot hold a value in a field its processor lacks).
 */
const MUTATIONS_FOR = new Map(BUILTIN_PROFILE_NAMES.map((n) => {
  const caps = decodeCapabilities(BUILTIN_PROFILES[n]);
  return [n, mutationOf(CHECKED_FIELDS.filter((f) => fieldExists(caps, FIELD_INDEX[f])))] as const;
}));
export const mutationArbFor = (profile: BuiltinProfileName): fc.Arbitrary<Mutation> => MUTATIONS_FOR.get(profile)!;

const editCurrent = (s: VtxState, f: (region: VmcsRegion) => VmcsRegion): VtxState => {
  const at = s.currentVmcs;
  if (at === null || !s.vmcs.has(at)) return s;
  return { ...s, vmcs: new Map([...s.vmcs, [at, f(s.vmcs.get(at)!)]]) };
};

export const applyMutation = (s: VtxState, m: Mutation): VtxState => {
  switch (m.kind) {
    case 'witness': {
      const w = ENTRY_WITNESSES[m.rule];
      const withFields = w.fields ? editCurrent(s, (r) => ({ ...r, fields: Object.entries(w.fields!).reduce((img, [k, v]) => writeField(img, k as FieldName, v as bigint), r.fields) })) : s;
      return w.edit ? w.edit(withFields) : withFields;
    }
    case 'flip': {
      const bits = fieldBits(FIELD_BY_NAME.get(m.field)!.encoding);
      if (m.bit >= bits) return s;
      return editCurrent(s, (r) => ({ ...r, fields: writeField(r.fields, m.field, readField(r.fields, m.field) ^ (1n << BigInt(m.bit))) }));
    }
    case 'set':
      return editCurrent(s, (r) => ({ ...r, fields: writeField(r.fields, m.field, m.value) }));
  }
};

export interface EntryCase {
  readonly profile: BuiltinProfileName;
  readonly kind: BaselineKind;
  readonly instruction: 'VMLAUNCH' | 'VMRESUME';
  /** Launch state of the current VMCS: usually the one the instruction needs (clear for VMLAUNCH). */
  readonly launchState: 'matching' | 'other';
  readonly mutations: readonly Mutation[];
}

export const entryCaseArb = (minMutations = 1, maxMutations = 3, profiles?: readonly BuiltinProfileName[]): fc.Arbitrary<EntryCase> =>
  fc
    .record({
      profile: profiles === undefined ? profileNameArb : fc.constantFrom(...profiles),
      kind: fc.constantFrom(...BASELINE_KINDS),
      instruction: fc.constantFrom('VMLAUNCH' as const, 'VMRESUME' as const),
      launchState: fc.constantFrom('matching' as const, 'matching' as const, 'matching' as const, 'matching' as const, 'other' as const),
    })
    .chain((c) => fc.array(mutationArbFor(c.profile), { minLength: minMutations, maxLength: maxMutations }).map((mutations) => ({ ...c, mutations })))
    .filter((c) => baselineSupported(BUILTIN_PROFILES[c.profile], c.kind));

export const realiseCase = (c: EntryCase): VtxState => {
  const launched = (c.instruction === 'VMRESUME') === (c.launchState === 'matching');
  const base = baselineState(BUILTIN_PROFILES[c.profile], c.kind);
  const start = launched ? editCurrent(base, (r) => ({ ...r, launchState: 'launched' })) : base;
  return c.mutations.reduce(applyMutation, start);
};

/** Any VMX instruction of this model, with operands drawn from the given arbitraries. */
export const vmxInstructionArb = (
  address: fc.Arbitrary<bigint>, encoding: fc.Arbitrary<bigint>, value: fc.Arbitrary<bigint>,
): fc.Arbitrary<VtxInstruction> =>
  fc.oneof(
    fc.record({ op: fc.constant('VMXON' as const), operand: address }),
    fc.constant({ op: 'VMXOFF' as const }),
    fc.record({ op: fc.constant('VMCLEAR' as const), operand: address }),
    fc.record({ op: fc.constant('VMPTRLD' as const), operand: address }),
    fc.constant({ op: 'VMPTRST' as const }),
    fc.record({ op: fc.constant('VMREAD' as const), encoding }),
    fc.record({ op: fc.constant('VMWRITE' as const), encoding, value }),
    fc.constant({ op: 'VMLAUNCH' as const }),
    fc.constant({ op: 'VMRESUME' as const }),
  );
