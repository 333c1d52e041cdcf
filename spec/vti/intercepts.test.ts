import { describe, expect, test } from 'vitest';
import { INTERCEPT_CAUSES, VIRTUALIZED_INSTRUCTIONS } from './intercepts.js';
import { VAC_BITS, VDC_BITS } from './vpd.js';

describe('intercept causes (shared/facts/vti-architecture.md §8)', () => {
  test('codes 0-41 each exactly once, in order', () => {
    expect(INTERCEPT_CAUSES.map((c) => c.code)).toEqual(Array.from({ length: 42 }, (_, i) => i));
  });

  test('LK/XEN names of the current (VMAL 2.0) numbering', () => {
    const names = [
      'MOV_TO_AR', 'MOV_TO_AR_IMM', 'MOV_FROM_AR', 'MOV_TO_CR', 'MOV_FROM_CR', 'MOV_TO_PSR', 'MOV_FROM_PSR', 'ITC_D', 'ITC_I',
      'MOV_TO_RR', 'MOV_TO_DBR', 'MOV_TO_IBR', 'MOV_TO_PKR', 'MOV_TO_PMC', 'MOV_TO_PMD', 'ITR_D', 'ITR_I', 'MOV_FROM_RR',
      'MOV_FROM_DBR', 'MOV_FROM_IBR', 'MOV_FROM_PKR', 'MOV_FROM_PMC', 'MOV_FROM_CPUID', 'SSM', 'RSM', 'PTC_L', 'PTC_G',
      'PTC_GA', 'PTR_D', 'PTR_I', 'THASH', 'TTAG', 'TPA', 'TAK', 'PTC_E', 'COVER', 'RFI', 'BSW_0', 'BSW_1', 'VMSW',
    ].map((n) => `EVENT_${n}`);
    expect(INTERCEPT_CAUSES.filter((c) => c.code >= 1 && c.code <= 40).map((c) => c.name)).toEqual(names);
  });

  test('SDM Table 11-22 names for 27-41 match the LK/XEN names', () => {
    for (const c of INTERCEPT_CAUSES.filter((x) => x.code >= 27 && x.code <= 40)) {
      expect(c.sdmName, `cause ${c.code}`).not.toBeNull();
      expect(`EVENT_${c.sdmName!.toUpperCase()}`).toBe(c.name);
    }
  });

  test('VMAL 1.0 codes: 1-22 identical, 23-40 one higher (vmsw 41); 0 and probe have none', () => {
    for (const c of INTERCEPT_CAUSES) {
      const expected = c.code === 0 || c.code === 41 ? null : c.code <= 22 ? c.code : c.code + 1;
      expect(c.vmal1Code, `cause ${c.code}`).toBe(expected);
    }
  });
});

describe('virtualized instructions (shared/facts/vti-architecture.md §4)', () => {
  test('one instruction per cause 1-41, and every cause names an existing code', () => {
    expect(VIRTUALIZED_INSTRUCTIONS.map((i) => i.cause)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });

  test('the non-privileged virtualized instructions are mov-from-ar.itc, mov-from-cpuid, thash, ttag, cover, vmsw and probe', () => {
    const unprivileged = VIRTUALIZED_INSTRUCTIONS.filter((i) => !i.privileged).map((i) => i.cause);
    expect(unprivileged).toEqual([3, 23, 31, 32, 36, 40, 41]);
    expect(VIRTUALIZED_INSTRUCTIONS.find((i) => i.cause === 31)?.condition).toBe('any-cpl');
    expect(VIRTUALIZED_INSTRUCTIONS.find((i) => i.cause === 23)?.condition).toBe('any-cpl');
  });

  test('vac accelerations act on the instructions the facts name', () => {
    const by = (name: string) => VIRTUALIZED_INSTRUCTIONS.filter((i) => (i.acceleratedBy as readonly string[]).includes(name)).map((i) => i.cause);
    expect(by('a_to_int_cr')).toEqual([4]);
    expect(by('a_from_int_cr')).toEqual([5]);
    expect(by('a_from_psr')).toEqual([7]);
    expect(by('a_from_cpuid')).toEqual([23]);
    expect(by('a_cover')).toEqual([36]);
    expect(by('a_bsw')).toEqual([38, 39]);
    expect(by('a_int')).toEqual([]);
  });

  test('vdc disables act on the instructions the facts name; d_vmsw forces vmsw to intercept', () => {
    const by = (name: string) => VIRTUALIZED_INSTRUCTIONS.filter((i) => (i.disabledBy as readonly string[]).includes(name)).map((i) => i.cause);
    expect(by('d_extint')).toEqual([4, 5]);
    expect(by('d_itm')).toEqual([4, 5]);
    expect(by('d_ibr_dbr')).toEqual([11, 12, 19, 20]);
    expect(by('d_pmc')).toEqual([14, 22]);
    expect(by('d_to_pmd')).toEqual([15]);
    expect(VIRTUALIZED_INSTRUCTIONS.filter((i) => i.forcedBy.length > 0).map((i) => [i.cause, [...i.forcedBy]])).toEqual([[40, ['d_vmsw']]]);
  });

  test('every vac/vdc name an instruction uses is a positioned bit of the VPD tables', () => {
    const vac = new Set(VAC_BITS.filter((b) => b.bit !== null).map((b) => b.name));
    const vdc = new Set(VDC_BITS.filter((b) => b.bit !== null).map((b) => b.name));
    for (const i of VIRTUALIZED_INSTRUCTIONS) {
      for (const a of i.acceleratedBy) expect(vac.has(a), `${i.mnemonic}: ${a}`).toBe(true);
      for (const d of [...i.disabledBy, ...i.forcedBy]) expect(vdc.has(d), `${i.mnemonic}: ${d}`).toBe(true);
    }
  });
});
