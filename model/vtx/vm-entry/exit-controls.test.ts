// §26.2.1.2: the MSR-area end address (address + 16·count − 1, no wrap) against the address width.
import { describe, expect, it } from 'vitest';
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import { writeFields } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { decodeCapabilities } from '../capabilities.js';
import { loOf, hiOf } from '../u64.js';
import { makeEntryEnv } from './env.js';
import { EXIT_CONTROLS_IMPL, msrAreaEndWithin } from './exit-controls.js';

const end = (address: bigint, count: number, width: number) => msrAreaEndWithin(loOf(address), hiOf(address), count, width);

const storeEndHolds = (profile: VtxProfile, fields: Partial<Record<FieldName, bigint>>): boolean => {
  const s = baselineState(profile, 'ia32e');
  const e = makeEntryEnv(decodeCapabilities(profile), s, 'VMLAUNCH', writeFields(s.vmcs.get(s.currentVmcs!)!.fields, fields));
  const rule = EXIT_CONTROLS_IMPL['CTL.EXIT.MSRSTORE.END'];
  return !rule.applies(e) || rule.holds(e);
};

describe('MSR-area end address', () => {
  it('accepts an area whose last byte is the last byte below 2^width', () => {
    expect(end((1n << 46n) - 16n, 1, 46)).toBe(true);
    expect(end((1n << 46n) - 16n, 2, 46)).toBe(false);
  });

  it('is exact for the largest count near the top of a 52-bit space', () => {
    // 16 · (2^32 − 1) = 2^36 − 16: the last byte is address + 2^36 − 17.
    expect(end((1n << 52n) - (1n << 36n) + 16n, 0xffff_ffff, 52)).toBe(true);
    expect(end((1n << 52n) - (1n << 36n) + 32n, 0xffff_ffff, 52)).toBe(false);
  });

  it('does not wrap around 2^64', () => {
    expect(end(0xffff_ffff_ffff_fff0n, 2, 52)).toBe(false);
  });

  it('uses 32 bits as the width when IA32_VMX_BASIC[48] = 1', () => {
    const max = BUILTIN_PROFILES['vtx-max'];
    const narrow: VtxProfile = { ...max, msrs: { ...max.msrs, IA32_VMX_BASIC: max.msrs.IA32_VMX_BASIC | (1n << 48n) } };
    const area = { VM_EXIT_MSR_STORE_ADDR: 0xffff_fff0n };
    expect(storeEndHolds(narrow, { ...area, VM_EXIT_MSR_STORE_COUNT: 1n })).toBe(true);
    expect(storeEndHolds(narrow, { ...area, VM_EXIT_MSR_STORE_COUNT: 2n })).toBe(false);
    expect(storeEndHolds(max, { ...area, VM_EXIT_MSR_STORE_COUNT: 2n })).toBe(true);
  });

  it('does not apply with a count of 0, whatever the address', () => {
    expect(storeEndHolds(BUILTIN_PROFILES['vtx-max'], { VM_EXIT_MSR_STORE_ADDR: 0xffff_ffff_ffff_fff0n, VM_EXIT_MSR_STORE_COUNT: 0n })).toBe(true);
  });
});
