/**
 * The results file: one JSON line per checked vector, appended as soon as its verdict is known, so a
 * killed run loses nothing and `--resume` can skip what is done.
 *   {"id": "v1-…", "impl": "reference", "verdict": "pass" | "fail" | "skip" | "error",
 *    "observed"?: {observation}, "reason"?: "…"}
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ObservationCodec } from '../../spec/codec/observation.js';
import type { ReportedObservation } from '../../spec/vtx/observation.js';

export type Verdict = 'pass' | 'fail' | 'skip' | 'error';

export interface CaseResult {
  readonly id: string;
  readonly impl: string;
  readonly verdict: Verdict;
  readonly observed?: ReportedObservation;
  readonly reason?: string;
}

export const encodeResult = (r: CaseResult): string =>
  JSON.stringify({
    id: r.id, impl: r.impl, verdict: r.verdict,
    ...(r.observed === undefined ? {} : { observed: ObservationCodec.encode(r.observed) }),
    ...(r.reason === undefined ? {} : { reason: r.reason }),
  });

export const appendResult = (path: string, r: CaseResult): void => appendFileSync(path, `${encodeResult(r)}\n`);

/**
 * Results already in the file (for --resume). A torn last line (a killed run) is ignored, and a newline
 * is added after it so that the results appended next start on a line of their own.
 */
export const readResults = (path: string): Map<string, CaseResult> => {
  const done = new Map<string, CaseResult>();
  if (!existsSync(path)) return done;
  const text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) appendFileSync(path, '\n');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let u: Record<string, unknown>;
    try {
      u = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const verdict = u['verdict'];
    if (typeof u['id'] !== 'string' || !['pass', 'fail', 'skip', 'error'].includes(String(verdict))) continue;
    const observed = u['observed'] === undefined ? undefined : ObservationCodec.decode(u['observed']);
    done.set(u['id'], {
      id: u['id'], impl: String(u['impl'] ?? ''), verdict: verdict as Verdict,
      ...(observed !== undefined && !isLeft(observed) ? { observed: observed.right } : {}),
      ...(typeof u['reason'] === 'string' ? { reason: u['reason'] } : {}),
    });
  }
  return done;
};
