/**
 * A witness for one VM-entry rule: a state that violates exactly that rule, built from a valid
 * baseline (./baseline.ts) by a small edit. Property (a) of the conformance suite runs every witness
 * and requires the catalog's outcome, with that rule as the only failing one.
 */
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { BuiltinProfileName } from '../../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { BaselineKind } from '../baseline.js';

export interface EntryWitness {
  /**
   * Profile to evaluate on: a built-in name (default 'vtx-max', where nearly every rule is reachable)
   * or a synthetic profile for the rare rule no real processor lets fail alone.
   */
  readonly profile?: BuiltinProfileName | VtxProfile;
  /** Valid starting point; default 'ia32e' (64-bit guest). */
  readonly baseline?: BaselineKind;
  /** VMCS field values written over the baseline (values are truncated to the field width). */
  readonly fields?: Partial<Record<FieldName, bigint>>;
  /** Any further edit of the state (memory, CPU registers, launch state), applied after `fields`. */
  readonly edit?: (s: VtxState) => VtxState;
  /**
   * Rules that necessarily fail together with this one: the SDM states some rules that other rules
   * already imply, so no state violates them alone. The witness property accepts exactly these extra
   * failures, and requires the witnessed rule to be among the failing ones.
   */
  readonly alsoFails?: readonly string[];
  /** Default: VMLAUNCH (the baseline VMCS is clear). */
  readonly instruction?: 'VMLAUNCH' | 'VMRESUME';
}
