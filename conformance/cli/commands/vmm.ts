/**
 * `vtspec vmm run --arch vtx|vti --guest NAME [--without FEATURE ...]` and `vtspec vmm compare
 * [--arch vtx|vti] [--svg FILE]`: the paper's efficiency claims, measured. Each workload is a guest
 * kernel run under the reference VMM of its architecture; `run` prints its VMM entries (VM exits on
 * VT-x, virtualization intercepts on VT-i) by cause, `compare` runs every workload with and without
 * the feature that helps it and prints the counts and their ratio (and writes them as an SVG chart).
 */
import { writeFileSync } from 'node:fs';
import { ALL_WORKLOADS } from '../../../reference-vmm/vmm/workloads.js';
import type { ExitTable, Workload } from '../../../reference-vmm/vmm/workload.js';
import { fail } from '../errors.js';
import { renderChart } from '../svg-chart.js';

const ARCHES = ['vtx', 'vti'] as const;

const archOf = (arch: string | undefined): 'vtx' | 'vti' | undefined => {
  if (arch === undefined) return undefined;
  if ((ARCHES as readonly string[]).includes(arch)) return arch as 'vtx' | 'vti';
  return fail(`--arch ${arch}: expected vtx or vti`);
};

const table = (t: ExitTable): string[] => {
  const rows = Object.entries(t.byCause).sort((a, b) => b[1] - a[1]);
  const w = Math.max(5, ...rows.map(([c]) => c.length));
  return [
    ...rows.map(([c, n]) => `  ${c.padEnd(w)}  ${String(n).padStart(7)}`),
    `  ${'total'.padEnd(w)}  ${String(t.total).padStart(7)}   (${t.guestInstructions} guest instructions retired)`,
    ...Object.entries(t.notes ?? {}).map(([k, n]) => `  of which ${k}: ${n}`),
  ];
};

const findWorkload = (arch: 'vtx' | 'vti', name: string): Workload => {
  const w = ALL_WORKLOADS.find((x) => x.arch === arch && x.name === name);
  if (w !== undefined) return w;
  return fail(`--guest ${name}: no ${arch} workload of that name; use one of ${ALL_WORKLOADS.filter((x) => x.arch === arch).map((x) => x.name).join(', ')}`);
};

export const vmmRunCommand = (opts: { arch?: string; guest: string; without?: string[]; json?: boolean }): void => {
  const arch = archOf(opts.arch) ?? 'vtx';
  const w = findWorkload(arch, opts.guest);
  const without = opts.without ?? [];
  const t = w.run({ without });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ arch, guest: w.name, feature: w.feature, without, exits: t }, null, 2)}\n`);
    return;
  }
  const what = arch === 'vtx' ? 'VM exits' : 'virtualization intercepts (VMM entries)';
  process.stdout.write(`${[
    `${w.name} (${arch}): ${w.description}`,
    without.length === 0 ? `all features on (this workload's helping feature: ${w.feature})` : `without: ${without.join(', ')}`,
    `${what} by cause:`, ...table(t),
  ].join('\n')}\n`);
};

interface Comparison { readonly workload: Workload; readonly with: ExitTable; readonly without: ExitTable }

export const vmmCompareCommand = (opts: { arch?: string; svg?: string; json?: boolean }): void => {
  const arch = archOf(opts.arch);
  const rows: Comparison[] = ALL_WORKLOADS.filter((w) => arch === undefined || w.arch === arch)
    .map((w) => ({ workload: w, with: w.run({ without: [] }), without: w.run({ without: [w.feature] }) }));
  const ratio = (c: Comparison): string => (c.with.total === 0 ? (c.without.total === 0 ? '1' : '∞') : (c.without.total / c.with.total).toFixed(1));
  if (opts.svg !== undefined) {
    const svg = renderChart('VMM entries per workload, with and without the helping feature',
      rows.map((c) => ({ label: `${c.workload.arch} ${c.workload.name} (${c.workload.feature})`, with: c.with.total, without: c.without.total })));
    try {
      writeFileSync(opts.svg, svg);
    } catch (e) {
      fail(`--svg ${opts.svg}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows.map((c) => ({
      arch: c.workload.arch, guest: c.workload.name, feature: c.workload.feature, fallback: c.workload.fallback,
      with: c.with, without: c.without,
    })), null, 2)}\n`);
    return;
  }
  const out = ['arch  workload            feature            with  without   ratio  without it the VMM uses'];
  for (const c of rows) {
    out.push(`${c.workload.arch.padEnd(5)} ${c.workload.name.padEnd(19)} ${c.workload.feature.padEnd(16)} ${String(c.with.total).padStart(6)} ${String(c.without.total).padStart(8)} ${ratio(c).padStart(7)}  ${c.workload.fallback}`);
  }
  out.push('', 'per cause (with → without):');
  for (const c of rows) {
    const causes = [...new Set([...Object.keys(c.with.byCause), ...Object.keys(c.without.byCause)])];
    out.push(`  ${c.workload.arch} ${c.workload.name}: ${causes.map((k) => `${k} ${c.with.byCause[k] ?? 0} → ${c.without.byCause[k] ?? 0}`).join('; ')}`);
  }
  if (opts.svg !== undefined) out.push('', `chart written to ${opts.svg}`);
  process.stdout.write(`${out.join('\n')}\n`);
};
