/**
 * Suite throughput: vectors per second of the default suite (2,000 vectors on bochs-skylake-x) run
 * through `check` by the model, the reference CPU and Bochs, measured in one run, with their ratios.
 * Bochs' figure includes booting it (once per batch) and the model checks of every substitution the
 * harness makes; vectors it skips are not counted.
 */
import { bochsStatus, bochsImplementation } from '../check/bochs.js';
import { modelImplementation, referenceImplementation, type Implementation } from '../check/implementation.js';
import { runCheck } from '../check/run.js';
import { defaultSuite } from './conform.js';

export interface SuiteBench {
  readonly vectors: number;
  readonly perSecond: Readonly<Record<string, number>>;
  readonly bochsSkipped?: number;
  readonly note?: string;
}

/** Vectors judged (passed or failed) per second; skipped vectors cost almost nothing and are not counted. */
const timed = async (impl: Implementation, vectors: Parameters<typeof runCheck>[0]) => {
  const start = performance.now();
  const s = await runCheck(vectors, impl, {});
  return { perSecond: ((s.passed + s.failed) * 1000) / (performance.now() - start), skipped: s.skipped };
};

export const runSuiteBench = async (withBochs: boolean): Promise<SuiteBench> => {
  const vectors = defaultSuite('bochs-skylake-x', 1, 2000);
  const perSecond: Record<string, number> = {
    model: (await timed(modelImplementation(), vectors)).perSecond,
    reference: (await timed(referenceImplementation(), vectors)).perSecond,
  };
  if (!withBochs) return { vectors: vectors.length, perSecond, note: 'Bochs not measured (--no-bochs)' };
  const status = bochsStatus();
  if (!status.ok) return { vectors: vectors.length, perSecond, note: `Bochs not measured: ${status.reason}` };
  const bochs = await timed(bochsImplementation({ jobs: 1, timeoutMs: 20_000 }), vectors);
  perSecond['bochs'] = bochs.perSecond;
  return { vectors: vectors.length, perSecond, bochsSkipped: bochs.skipped };
};
