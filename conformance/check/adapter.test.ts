/**
 * The adapter protocol end to end with the example Python adapter: it passes a suite; an adapter that
 * crashes on every tenth vector, one that hangs, and one that prints garbage each complete, with those
 * vectors marked as adapter errors and every other vector's result kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { encodeVector, type Vector } from '../../spec/vector/v1.js';
import { generateSuite } from '../vtx/suite/generate.js';
import { adapterImplementation } from './adapter.js';
import { readResults } from './results-file.js';
import { runCheck } from './run.js';

let dir: string;
let suitePath: string;
let vectors: Vector[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vtspec-adapter-'));
  vectors = generateSuite({ profile: 'bochs-skylake-x', seed: 5, count: 0 }).vectors.slice(0, 60);
  suitePath = join(dir, 'suite.jsonl');
  writeFileSync(suitePath, vectors.map((v) => `${JSON.stringify(encodeVector(v))}\n`).join(''));
});

const adapter = (flags: string, timeoutMs = 2000) => {
  const stateDir = mkdtempSync(join(dir, 'state-'));
  return adapterImplementation({
    command: `python3 examples/adapters/table_adapter.py --suite ${suitePath} --state-dir ${stateDir} ${flags}`,
    jobs: 1, timeoutMs, vtspecVersion: 'test',
  });
};

describe('the example adapter', () => {
  test('passes the suite', async () => {
    const s = await runCheck(vectors, adapter(''), {});
    expect(s.passed).toBe(vectors.length);
  });

  const contained = (name: string, flags: string, reason: RegExp, timeoutMs?: number) =>
    test(`${name}: every 10th vector is an adapter error, the others pass, no result is lost`, async () => {
      const results = join(dir, `${name}.jsonl`);
      const s = await runCheck(vectors, adapter(flags, timeoutMs), { resultsPath: results });
      expect(s.failed).toBe(vectors.length / 10);
      expect(s.passed).toBe(vectors.length - vectors.length / 10);
      for (const d of s.divergences) {
        expect(d.result.verdict).toBe('error');
        expect(d.result.reason).toMatch(reason);
      }
      const written = readResults(results);
      expect(written.size).toBe(vectors.length);
      expect(readFileSync(results, 'utf8').trim().split('\n').length).toBe(vectors.length);
      // Killed adapters leave nothing behind (the shell's children included).
      const leftovers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(suitePath) && l.includes('table_adapter'));
      expect(leftovers).toEqual([]);
    });

  contained('crash', '--crash-every 10', /adapter exited with status 3/);
  contained('hang', '--hang-every 10', /did not answer within 300 ms/, 300);
  contained('garbage', '--garbage-every 10', /not JSON/);
});
