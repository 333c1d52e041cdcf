import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { VTI_CATALOG } from './index.js';

const REQUIRED = [
  'psrBits', 'controlRegisters', 'ivtVectors', 'vpdFields', 'vacBits', 'vdcBits', 'palProcedures', 'palServices',
  'interceptCauses', 'virtualizedInstructions',
] as const;

type Row = { source: string; confidence?: string; note?: string; name?: string | null; title?: string | null; mnemonic?: string };

describe('VTI_CATALOG', () => {
  test('has every required array, none empty', () => {
    for (const key of REQUIRED) expect(VTI_CATALOG[key].length, key).toBeGreaterThan(0);
  });

  test('every entry has a source; every ! or ? entry has a note saying why', () => {
    for (const [key, rows] of Object.entries(VTI_CATALOG)) {
      (rows as readonly Row[]).forEach((row, i) => {
        expect(row.source.trim().length, `${key}[${i}]`).toBeGreaterThan(0);
        if (row.confidence === '!' || row.confidence === '?') expect(row.note?.trim().length ?? 0, `${key}[${i}]`).toBeGreaterThan(0);
      });
    }
  });

  test('spec/vti/README.md names every row whose sources disagree (!)', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    for (const [key, rows] of Object.entries(VTI_CATALOG)) {
      for (const row of rows as readonly Row[]) {
        if (row.confidence !== '!') continue;
        const label = row.name ?? row.mnemonic ?? row.title ?? '';
        expect(readme.includes(label), `${key}: ${label}`).toBe(true);
      }
    }
  });
});
