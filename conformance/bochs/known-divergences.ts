/**
 * Where Debian's Bochs 2.7 is known to depart from the SDM, as data: each entry is judged in
 * docs/bochs-divergences.md (a test keeps the two in step). `vtspec conform` uses it to tell a
 * documented Bochs departure from a new divergence, which would need a look.
 */
import type { ReportedObservation } from '../../spec/vtx/observation.js';
import { readField } from '../../spec/vtx/state.js';
import type { Vector } from '../../spec/vector/v1.js';

/** Rules Bochs does not check (the entry succeeds, or fails differently). */
export const KNOWN_DEPARTURES = [
  'BASIC.NOTSHADOW', 'HOST.PERFGLOBAL.RSVD', 'GUEST.PERFGLOBAL.RSVD', 'GUEST.DEBUGCTL.RSVD', 'GUEST.RIP.CANON',
  'GUEST.RFLAGS.VM.REAL', 'GUEST.ACT.INJ.HLT', 'GUEST.INTR.VNMI', 'GUEST.INTR.NMI.STI', 'GUEST.PDBG.BS.SET',
  'GUEST.PDBG.BS.CLEAR', 'GUEST.PDBG.RSVD',
] as const;

/** Rules on which Bochs panics and exits instead of failing the entry. */
export const KNOWN_PANICS = ['CTL.INJ.TYPE7', 'CTL.INJ.OTHER.VEC', 'GUEST.IA32E.PG'] as const;

const KNOWN: ReadonlySet<string> = new Set([...KNOWN_DEPARTURES, ...KNOWN_PANICS]);

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

/** The documented departure that explains Bochs failing this vector, if there is one. */
export const documentedDeparture = (v: Vector, observed: ReportedObservation | undefined): string | null => {
  const rule = v.violates.find((r) => KNOWN.has(r));
  if (rule !== undefined) return rule;
  return observed !== undefined && csRplDeparture(v, observed) ? 'CS.DPL = CS.RPL under unrestricted guest' : null;
};
