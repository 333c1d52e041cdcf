/**
 * `--impl bochs`: Debian's Bochs 2.7 as the implementation under test (conformance/bochs). Vectors are
 * batched into as few Bochs boots as possible; Bochs runs the CPU model whose built-in profile the
 * vectors were generated for, and vectors for another processor are skipped with that reason.
 */
import { bochsAvailable, CPU_MODEL_PROFILES, profileForCpuModel, runOnBochs } from '../bochs/index.js';
import { BUILTIN_PROFILES } from '../../spec/vtx/profiles/index.js';
import type { Implementation } from './implementation.js';
import { fail } from '../cli/errors.js';

export const DEFAULT_BOCHS_CPU = 'corei7_skylake_x';

export const bochsStatus = (): { ok: true; version: string } | { ok: false; reason: string } => bochsAvailable();

export const bochsImplementation = (o: { jobs: number; timeoutMs: number; cpuModel?: string }): Implementation => {
  const cpuModel = o.cpuModel ?? DEFAULT_BOCHS_CPU;
  if (cpuModel.trim() === '') fail('--bochs-cpu: expected a Bochs CPU model, e.g. corei7_skylake_x');
  const profileName = profileForCpuModel(cpuModel);
  if (profileName === undefined) {
    fail(`--bochs-cpu ${cpuModel}: suites are generated for built-in profiles, and none records this model; use one of ${Object.keys(CPU_MODEL_PROFILES).join(', ')}`);
  }
  const status = bochsAvailable();
  if (!status.ok) fail(`--impl bochs: ${status.reason}`);
  return {
    name: `bochs (${cpuModel})`,
    run: async (vectors, onReport) => {
      const mine = vectors.map((v, i) => ({ v, i })).filter(({ v, i }) => {
        const same = v.profile === profileName || v.profile === BUILTIN_PROFILES[profileName!];
        if (!same) onReport(i, { kind: 'skip', reason: `vector is for profile ${typeof v.profile === 'string' ? v.profile : v.profile.name}; Bochs runs ${cpuModel} (${profileName})` });
        return same;
      });
      const results = await runOnBochs(mine.map(({ v }) => ({ id: v.id, profile: BUILTIN_PROFILES[profileName!], state: v.state, instruction: v.operation })), {
        cpuModel, jobs: o.jobs, timeoutMs: o.timeoutMs,
      });
      results.forEach((r, k) => {
        const i = mine[k]!.i;
        if (r.kind === 'observed') onReport(i, { kind: 'observed', observation: r.observation });
        else if (r.kind === 'skipped') onReport(i, { kind: 'skip', reason: `bochs: ${r.reason}` });
        else onReport(i, { kind: 'error', reason: `bochs: ${r.reason}` });
      });
    },
    close: async () => {},
  };
};
