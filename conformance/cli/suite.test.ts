/**
 * Suites from the command line: `gen` is deterministic and its coverage report shows every rule both
 * violated and satisfied; shards partition a suite; `check --impl reference` conforms on the default
 * suite; results are appended and `--resume` skips what is done.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'vtspec-suite-'));
const run = (...args: string[]) => spawnSync(process.execPath, ['bin/vtspec.js', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });

describe('vtspec gen', () => {
  test('the same seed gives the same bytes; the coverage report shows every rule violated and satisfied', () => {
    const a = run('gen', '--arch', 'vtx', '--seed', '42', '--count', '2000', '--out', join(dir, 'a.jsonl'), '--json');
    const b = run('gen', '--arch', 'vtx', '--seed', '42', '--count', '2000', '--out', join(dir, 'b.jsonl'));
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'b.jsonl'), 'utf8'));
    const report = JSON.parse(a.stdout);
    expect(report.vectors).toBe(2000);
    expect(report.notViolated).toEqual([]);
    expect(report.notSatisfied).toEqual([]);
    // Every VM-instruction error this model can produce, and every exit reason in its scope.
    expect(report.instructionErrors).toEqual([2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 15, 23, 26]);
    expect(report.exitReasons).toEqual([19, 20, 21, 22, 23, 24, 25, 26, 27, 33, 34]);
  });

  test('shards partition the suite', () => {
    const whole = readFileSync(join(dir, 'a.jsonl'), 'utf8').trim().split('\n').sort();
    const parts = [1, 2, 3].flatMap((k) => {
      const r = run('gen', '--seed', '42', '--count', '2000', '--shard', `${k}/3`, '--out', join(dir, `s${k}.jsonl`));
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(dir, `s${k}.jsonl`), 'utf8').trim().split('\n');
    });
    expect(parts.sort()).toEqual(whole);
  });
});

describe('vtspec check', () => {
  test('--impl reference on the default suite: all conform, results written, JUnit written', () => {
    const r = run('check', join(dir, 'a.jsonl'), '--impl', 'reference', '--results', join(dir, 'r.jsonl'), '--junit', join(dir, 'r.xml'));
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('conform: 2000 passed, 0 failed, 0 skipped');
    expect(readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2000);
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(/<testsuite name="vtspec check --impl reference" tests="2000" failures="0"/);
  });

  test('--resume skips the vectors already judged (a killed run loses nothing)', () => {
    const lines = readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n');
    // A run killed after 700 vectors, mid-line.
    writeFileSync(join(dir, 'partial.jsonl'), `${lines.slice(0, 700).join('\n')}\n{"id": "v1-tor`);
    const r = run('check', join(dir, 'a.jsonl'), '--impl', 'reference', '--results', join(dir, 'partial.jsonl'), '--resume');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('conform: 2000 passed, 0 failed, 0 skipped');
    const ids = new Set<string>();
    for (const line of readFileSync(join(dir, 'partial.jsonl'), 'utf8').split('\n').filter((l) => l !== '')) {
      try {
        ids.add((JSON.parse(line) as { id: string }).id);
      } catch {
        expect(line).toBe('{"id": "v1-tor'); // only the torn line is unreadable
      }
    }
    expect(ids.size).toBe(2000);
  });

  test('a malformed suite line names the file, the line and the path inside it', () => {
    const good = readFileSync(join(dir, 'a.jsonl'), 'utf8').split('\n')[0]!;
    writeFileSync(join(dir, 'bad.jsonl'), `${good}\n${good.replace('"arch":"vtx"', '"arch":"ia64"')}\nnot json\n`);
    const r = run('check', join(dir, 'bad.jsonl'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.jsonl:2: arch: /);
    expect(r.stderr).toMatch(/bad\.jsonl:3: not valid JSON/);
  });
});

test('vtspec conform (the README main job) checks the reference CPU on the default suite and ends with the conform: line', () => {
  const r = run('conform', '--no-bochs', '--count', '300');
  expect(r.status, r.stdout.slice(-1500)).toBe(0);
  expect(r.stdout).toMatch(/^== reference$/m);
  // The coverage-directed part of the suite (one witness per rule …) is kept even above --count.
  expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^conform: \d{3} passed, 0 failed, 0 skipped$/);
});
