/**
 * `vtspec vmm`: the paper's efficiency claims as the CLI reports them — for every workload of both
 * architectures, fewer VMM entries with its helping feature than without — plus the SVG chart and
 * clear errors for unknown workloads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_WORKLOADS } from '../../reference-vmm/vmm/workloads.js';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/vtspec.js', ...args], { encoding: 'utf8' });

describe('vtspec vmm', () => {
  const rows = JSON.parse(run('vmm', 'compare', '--json').stdout) as { arch: string; guest: string; feature: string; with: { total: number }; without: { total: number } }[];

  it('compare covers every workload of both architectures', () => {
    expect(rows.map((r) => `${r.arch}/${r.guest}`).sort()).toEqual(ALL_WORKLOADS.map((w) => `${w.arch}/${w.name}`).sort());
    expect(new Set(rows.map((r) => r.arch))).toEqual(new Set(['vtx', 'vti']));
  });

  for (const w of ALL_WORKLOADS) {
    it(`${w.arch} ${w.name}: fewer VMM entries with ${w.feature} than without`, () => {
      const r = rows.find((x) => x.arch === w.arch && x.guest === w.name)!;
      expect(r.with.total, `${r.with.total} with, ${r.without.total} without`).toBeLessThan(r.without.total);
    });
  }

  it('writes the comparison as an SVG chart with the numbers in it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vtspec-')), 'chart.svg');
    const r = run('vmm', 'compare', '--arch', 'vti', '--svg', file);
    expect(r.status).toBe(0);
    const svg = readFileSync(file, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const x of rows.filter((y) => y.arch === 'vti')) expect(svg).toContain(`>${x.without.total}<`);
  });

  it('VT-i acceptance: the interruption-handler guest makes N > 0 interruption-CR intercepts without the accelerations and 0 with them', () => {
    const count = (...extra: string[]) => Number(/interruption-CR \(CR16–CR25\) intercepts: (\d+)/.exec(run('vmm', 'run', '--arch', 'vti', '--guest', 'interruption-handler', ...extra).stdout)?.[1]);
    expect(count('--without', 'accelerations')).toBeGreaterThan(0);
    expect(count()).toBe(0);
  });

  it('run prints the exits by cause; an unknown workload is a one-line error with status 2', () => {
    const ok = run('vmm', 'run', '--arch', 'vtx', '--guest', 'tpr', '--without', 'tpr-shadow');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Control-register accesses\s+\d+/);
    const bad = run('vmm', 'run', '--arch', 'vtx', '--guest', 'nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--guest nope: no vtx workload of that name; use one of tpr, /);
  });
});
