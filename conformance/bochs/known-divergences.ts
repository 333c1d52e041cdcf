/**
 * Where Debian's Bochs 2.7 is known to depart from the SDM, as data: each entry is judged in
 * docs/bochs-divergences.md (a test keeps the two in step). `vtspec conform` uses it to tell a
 * documented departure from a new divergence, and judges by what Bochs did, not by the rule's name:
 * - `unchecked`: Bochs does not check the rule. Its outcome must be one the SDM permits for a processor
 *   that skips the rule (the model without it) — so a vector that also breaks another rule must still
 *   give that other rule's outcome;
 * - `panic`: Bochs stops instead of failing the entry (the harness reports an error);
 * - `qualification 0`: Bochs fails the entry with qualification 0 where the SDM gives 3.
 */
import type { ReportedObservation } from '../../spec/vtx/observation.js';
import { readField } from '../../spec/vtx/state.js';
import type { Vector } from '../../spec/vector/v1.js';
import { decodeCapabilities } from '../../model/vtx/capabilities.js';
import { conforms } from '../../model/vtx/outcome.js';
import { vmEntryWithout } from '../../model/vtx/vm-entry/index.js';
import { resolveProfile } from '../check/implementation.js';

export type Departure = 'unchecked' | 'panic' | 'qualification 0';

export const KNOWN_BOCHS_DEPARTURES = {
  'BASIC.NOTSHADOW': 'unchecked',
  'HOST.PERFGLOBAL.RSVD': 'unchecked',
  'GUEST.PERFGLOBAL.RSVD': 'unchecked',
  'GUEST.DEBUGCTL.RSVD': 'unchecked',
  'GUEST.RIP.CANON': 'unchecked',
  'GUEST.RFLAGS.VM.REAL': 'unchecked',
  'GUEST.ACT.INJ.HLT': 'unchecked',
  'GUEST.INTR.VNMI': 'unchecked',
  'GUEST.PDBG.BS.SET': 'unchecked',
  'GUEST.PDBG.BS.CLEAR': 'unchecked',
  // Only bits 63:32 go unchecked; a vector with a low reserved bit set still fails on Bochs.
  'GUEST.PDBG.RSVD': 'unchecked',
  // Without MTF support type 7 passes Bochs' control checks; Bochs then panics at injection, or a
  // later guest check fails first (exit 33) — both are "unchecked" outcomes or a panic.
  'CTL.INJ.TYPE7': 'panic',
  'CTL.INJ.OTHER.VEC': 'panic',
  'GUEST.IA32E.PG': 'panic',
  'GUEST.INTR.NMI.STI': 'qualification 0',
} as const satisfies Record<string, Departure>;

export const KNOWN_DEPARTURES = Object.keys(KNOWN_BOCHS_DEPARTURES).filter((r) => KNOWN_BOCHS_DEPARTURES[r as keyof typeof KNOWN_BOCHS_DEPARTURES] !== 'panic');
export const KNOWN_PANICS = Object.keys(KNOWN_BOCHS_DEPARTURES).filter((r) => KNOWN_BOCHS_DEPARTURES[r as keyof typeof KNOWN_BOCHS_DEPARTURES] === 'panic');

const kindOf = (rule: string): Departure | undefined => KNOWN_BOCHS_DEPARTURES[rule as keyof typeof KNOWN_BOCHS_DEPARTURES];

/**
 * Bochs applies the pre-unrestricted-guest rule "non-conforming CS: DPL = RPL" (older SDM §22.3.1.2)
 * to a real-mode guest under unrestricted guest, where the 2016 SDM has no such rule.
 */
const csRplDeparture = (v: Vector, observed: ReportedObservation): boolean => {
  if (v.violates.length > 0 || observed.kind !== 'vm-exit' || observed.reason !== 0x8000_0021) return false;
  const fields = v.state.currentVmcs === null ? undefined : v.state.vmcs.get(v.state.currentVmcs)?.fields;
  if (fields === undefined) return false;
  const ar = readField(fields, 'GUEST_CS_AR_BYTES');
  const type = ar & 0xfn;
  return (readField(fields, 'GUEST_CR0') & 1n) === 0n && (type === 9n || type === 11n) &&
    (readField(fields, 'GUEST_CS_SELECTOR') & 3n) !== ((ar >> 5n) & 3n);
};

/**
 * The documented departure that explains what Bochs did on this vector, if one does: `observed` is
 * undefined when the harness reported an error (Bochs stopped).
 */
export const documentedDeparture = (v: Vector, observed: ReportedObservation | undefined): string | null => {
  const known = v.violates.filter((r) => kindOf(r) !== undefined);
  if (observed === undefined) return known.find((r) => kindOf(r) === 'panic') ?? null;
  if (csRplDeparture(v, observed)) return 'CS.DPL = CS.RPL under unrestricted guest';
  if (known.length === 0 || (v.operation.op !== 'VMLAUNCH' && v.operation.op !== 'VMRESUME')) return null;
  const profile = resolveProfile(v.profile);
  if (profile === undefined) return null;
  // Skipping one rule can expose the next one a later phase would have checked: skip every known
  // unchecked rule the model then reports, until none is left.
  const caps = decodeCapabilities(profile);
  const skipped = new Set(known.filter((r) => kindOf(r) !== 'qualification 0'));
  let without = vmEntryWithout(caps, v.state, v.operation.op, skipped);
  for (let exposed = without.failedRules.filter((r) => kindOf(r) !== undefined && kindOf(r) !== 'qualification 0' && !skipped.has(r));
    exposed.length > 0;
    exposed = without.failedRules.filter((r) => kindOf(r) !== undefined && kindOf(r) !== 'qualification 0' && !skipped.has(r))) {
    for (const r of exposed) skipped.add(r);
    without = vmEntryWithout(caps, v.state, v.operation.op, skipped);
  }
  if (conforms(observed, without)) return [...skipped].join(', ');
  // A processor that refuses NMI injection under STI blocking but reports qualification 0.
  if (known.some((r) => kindOf(r) === 'qualification 0') && observed.kind === 'vm-exit' && observed.reason === 0x8000_0021 && observed.qualification === 0n) {
    return known.join(', ');
  }
  return null;
};
