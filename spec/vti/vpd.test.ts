import { describe, expect, test } from 'vitest';
import { CONTROL_REGISTERS } from './control-registers.js';
import { VAC_BITS, VAC_VDC_EXCLUSIONS, VDC_BITS, VPD_FIELDS, VPD_SIZE, vcrOffset } from './vpd.js';

describe('VPD layout (shared/facts/vti-vpd-and-pal.md §1)', () => {
  test('fields start at 0, are strictly increasing, contiguous, non-overlapping, and fill 64 KiB', () => {
    expect(VPD_SIZE).toBe(65536);
    let next = 0;
    for (const f of VPD_FIELDS) {
      expect(f.offset, f.name).toBe(next);
      expect(f.size, f.name).toBeGreaterThan(0);
      expect(f.size % 8, f.name).toBe(0);
      next = f.offset + f.size;
    }
    expect(next).toBe(VPD_SIZE);
    expect(new Set(VPD_FIELDS.map((f) => f.name)).size).toBe(VPD_FIELDS.length);
  });

  test('named offsets of the facts table', () => {
    const expected: Record<string, [number, number]> = {
      vac: [0, 8], vdc: [8, 8], virt_env_vaddr: [16, 8], vhpi: [256, 8], vgr: [1024, 128], vbgr: [1152, 128],
      vnat: [1280, 8], vbnat: [1288, 8], vcpuid: [1296, 40], vpsr: [1424, 8], vpr: [1432, 8], vrse_cfle: [1440, 8],
      vcr: [2048, 1024], reserved5: [3072, 1024], vmm_avail: [31744, 1024], reserved7: [32768, 32768],
    };
    for (const [name, [offset, size]] of Object.entries(expected)) {
      const f = VPD_FIELDS.find((x) => x.name === name);
      expect(f, name).toBeDefined();
      expect([f!.offset, f!.size], name).toEqual([offset, size]);
    }
  });

  test('the VPD_*_START_OFFSET rows that are doubtful carry their doubt', () => {
    expect(VPD_FIELDS.find((f) => f.name === 'reserved5')?.confidence).toBe('!');
    expect(VPD_FIELDS.find((f) => f.name === 'vrse_cfle')?.confidence).toBe('1');
  });

  test('vcr[n] offsets of the facts table, and every named CR has a slot inside vcr', () => {
    const expected: Record<number, number> = {
      0: 2048, 1: 2056, 2: 2064, 8: 2112, 16: 2176, 17: 2184, 19: 2200, 20: 2208, 21: 2216, 22: 2224, 23: 2232,
      24: 2240, 25: 2248, 64: 2560, 65: 2568, 66: 2576, 67: 2584, 68: 2592, 71: 2616, 72: 2624, 73: 2632, 74: 2640,
      80: 2688, 81: 2696,
    };
    for (const [cr, offset] of Object.entries(expected)) expect(vcrOffset(Number(cr)), `CR${cr}`).toBe(offset);
    const vcr = VPD_FIELDS.find((f) => f.name === 'vcr')!;
    for (const c of CONTROL_REGISTERS) {
      expect(vcrOffset(c.number)).toBeGreaterThanOrEqual(vcr.offset);
      expect(vcrOffset(c.number) + 8).toBeLessThanOrEqual(vcr.offset + vcr.size);
    }
  });
});

describe('vac and vdc (shared/facts/vti-vpd-and-pal.md §3-4)', () => {
  const positioned = <T extends { bit: number | null }>(rows: readonly T[]) => rows.filter((r) => r.bit !== null);

  test('vac: 7 positioned bits, 0-6, named as LK/XEN name them, all set by both VMMs', () => {
    expect(positioned(VAC_BITS).map((b) => [b.bit, b.name])).toEqual([
      [0, 'a_int'], [1, 'a_from_int_cr'], [2, 'a_to_int_cr'], [3, 'a_from_psr'], [4, 'a_from_cpuid'], [5, 'a_cover'], [6, 'a_bsw'],
    ]);
    expect(positioned(VAC_BITS).every((b) => b.setByVmms)).toBe(true);
  });

  test('vdc: 6 positioned bits, 0-5; only d_vmsw set by the VMMs', () => {
    expect(positioned(VDC_BITS).map((b) => [b.bit, b.name])).toEqual([
      [0, 'd_vmsw'], [1, 'd_extint'], [2, 'd_ibr_dbr'], [3, 'd_pmc'], [4, 'd_to_pmd'], [5, 'd_itm'],
    ]);
    expect(VDC_BITS.filter((b) => b.setByVmms).map((b) => b.name)).toEqual(['d_vmsw']);
  });

  test('SDM rev 2.3 controls without a retrieved position are kept, marked ?', () => {
    const unpositioned = [...VAC_BITS, ...VDC_BITS].filter((b) => b.bit === null);
    expect(unpositioned.map((b) => b.name ?? b.title)).toEqual(['a_tf', 'a_ic_um', 'Disable PSR Interrupt-bit Virtualization']);
    for (const b of unpositioned) expect(b.confidence).toBe('?');
  });

  test('a_int and d_extint are mutually exclusive', () => {
    expect(VAC_VDC_EXCLUSIONS.map((e) => [e.vac, e.vdc])).toEqual([['a_int', 'd_extint']]);
  });
});
