/**
 * An implementation under test: given vectors, it reports for each what it observed, that it cannot
 * run it (skip, with the reason), or that running it failed (error: a crashed or hung adapter …).
 */
import type { Vector } from '../../spec/vector/v1.js';
import type { ReportedObservation } from '../../spec/vtx/observation.js';
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../spec/vtx/profile.js';
import { decodeCapabilities } from '../../model/vtx/capabilities.js';
import { step } from '../../model/vtx/step.js';
import { ReferenceVtxCpu } from '../../reference-vmm/cpu/vtx/index.js';

export type Report =
  | { readonly kind: 'observed'; readonly observation: ReportedObservation }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string };

export interface Implementation {
  readonly name: string;
  /** Reports in the order of `vectors`; `onReport` is called as each arrives. */
  run(vectors: readonly Vector[], onReport: (index: number, report: Report) => void): Promise<void>;
  close(): Promise<void>;
}

export const resolveProfile = (p: string | VtxProfile): VtxProfile | undefined =>
  typeof p === 'string' ? BUILTIN_PROFILES[p as BuiltinProfileName] : p;

const inProcess = (name: string, observe: (v: Vector, profile: VtxProfile) => ReportedObservation): Implementation => ({
  name,
  run: async (vectors, onReport) => {
    vectors.forEach((v, i) => {
      const profile = resolveProfile(v.profile);
      onReport(i, profile === undefined
        ? { kind: 'error', reason: `unknown built-in profile '${String(v.profile)}'` }
        : { kind: 'observed', observation: observe(v, profile) });
    });
  },
  close: async () => {},
});

/** The model itself (a self-check of a suite: every vector must conform). */
export const modelImplementation = (): Implementation =>
  inProcess('model', (v, profile) => step(decodeCapabilities(profile), v.state, v.operation).canonical);

/** The independent reference CPU. */
export const referenceImplementation = (): Implementation =>
  inProcess('reference', (v, profile) => new ReferenceVtxCpu(profile, v.state).execute(v.operation).observation);
