/**
 * A grouped bar chart as a standalone SVG document (no dependencies: the format is a few elements):
 * one group per workload, one bar with the helping feature and one without, on a log scale since
 * exit counts span orders of magnitude. Labels carry the numbers, so the chart can be pasted into a
 * paper as it is.
 */
export interface ChartRow {
  readonly label: string;
  readonly with: number;
  readonly without: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const renderChart = (title: string, rows: readonly ChartRow[]): string => {
  const barH = 14, gap = 10, labelW = 260, plotW = 420, top = 40;
  const max = Math.max(1, ...rows.flatMap((r) => [r.with, r.without]));
  const scale = (v: number): number => (v <= 0 ? 0 : (Math.log10(v + 1) / Math.log10(max + 1)) * plotW);
  const height = top + rows.length * (2 * barH + gap) + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 90}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${labelW}" y="26" width="10" height="10" fill="#2b6cb0"/><text x="${labelW + 14}" y="35">with the feature</text>`,
    `<rect x="${labelW + 120}" y="26" width="10" height="10" fill="#c53030"/><text x="${labelW + 134}" y="35">without (log scale)</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * (2 * barH + gap);
    parts.push(`<text x="8" y="${y + barH + 4}">${esc(r.label)}</text>`);
    parts.push(`<rect x="${labelW}" y="${y}" width="${scale(r.with).toFixed(1)}" height="${barH - 2}" fill="#2b6cb0"/>`);
    parts.push(`<text x="${labelW + scale(r.with) + 4}" y="${y + barH - 4}">${r.with}</text>`);
    parts.push(`<rect x="${labelW}" y="${y + barH}" width="${scale(r.without).toFixed(1)}" height="${barH - 2}" fill="#c53030"/>`);
    parts.push(`<text x="${labelW + scale(r.without) + 4}" y="${y + 2 * barH - 4}">${r.without}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
};
