import { describe, expect, test } from 'vitest';
import { CAPABILITY_MSRS, REQUIRED_CAPABILITY_MSRS, type CapabilityMsrName } from './profile.js';
import { CAPABILITY_MSR_LAYOUTS, capabilityMsrExists, decodeCapabilityMsr, type CapabilityMsrValues } from './capability-msrs.js';

/** Bochs 2.7 values (shared/facts/bochs-vmx-msrs.md). */
const SKYLAKE_X: CapabilityMsrValues = {
  IA32_VMX_BASIC: 0x00D810000000002Bn,
  IA32_VMX_PINBASED_CTLS: 0x0000007F00000016n,
  IA32_VMX_PROCBASED_CTLS: 0xF7F9FFFE0401E172n,
  IA32_VMX_EXIT_CTLS: 0x007FFFFF00036DFFn,
  IA32_VMX_ENTRY_CTLS: 0x0000FFFF000011FFn,
  IA32_VMX_MISC: 0x00000000600401E0n,
  IA32_VMX_PROCBASED_CTLS2: 0x02177FFF00000000n,
  IA32_VMX_EPT_VPID_CAP: 0x00000F0106334141n,
};
const PENRYN: CapabilityMsrValues = {
  ...SKYLAKE_X,
  IA32_VMX_PROCBASED_CTLS2: 0x0000004100000000n,
};
const SANDY_BRIDGE: CapabilityMsrValues = { ...SKYLAKE_X, IA32_VMX_PROCBASED_CTLS2: 0x000000FF00000000n };

const field = (name: Parameters<typeof decodeCapabilityMsr>[0], value: bigint, f: string) =>
  decodeCapabilityMsr(name, value).find((d) => d.name === f)?.value;

describe('capability MSR layouts (App. A)', () => {
  test('one layout per capability MSR, plus IA32_FEATURE_CONTROL, at the right index', () => {
    const names = Object.keys(CAPABILITY_MSR_LAYOUTS).filter((n) => n !== 'IA32_FEATURE_CONTROL').sort();
    expect(names).toEqual(Object.keys(CAPABILITY_MSRS).sort());
    for (const [name, index] of Object.entries(CAPABILITY_MSRS)) {
      expect(CAPABILITY_MSR_LAYOUTS[name as CapabilityMsrName].index).toBe(index);
    }
    expect(CAPABILITY_MSR_LAYOUTS.IA32_FEATURE_CONTROL.index).toBe(0x3a);
  });

  test('each layout covers bits 63:0 exactly once, low fields first', () => {
    for (const layout of Object.values(CAPABILITY_MSR_LAYOUTS)) {
      let next = 0;
      for (const f of layout.fields) {
        expect(f.bits[1], `${layout.name}.${f.name}`).toBe(next);
        expect(f.bits[0], `${layout.name}.${f.name}`).toBeGreaterThanOrEqual(f.bits[1]);
        next = f.bits[0] + 1;
      }
      expect(next, layout.name).toBe(64);
    }
  });

  test('decodes Bochs skylake IA32_VMX_BASIC 0x00D810000000002B', () => {
    const v = 0x00D810000000002Bn;
    expect(field('IA32_VMX_BASIC', v, 'revisionId')).toBe(0x2bn);
    expect(field('IA32_VMX_BASIC', v, 'regionSize')).toBe(4096n);
    expect(field('IA32_VMX_BASIC', v, 'memoryType')).toBe(6n);
    expect(field('IA32_VMX_BASIC', v, 'trueControls')).toBe(1n);
    expect(field('IA32_VMX_BASIC', v, 'insOutsInfo')).toBe(1n);
    expect(field('IA32_VMX_BASIC', v, 'dualMonitor')).toBe(0n);
    expect(field('IA32_VMX_BASIC', v, 'physAddr32')).toBe(0n);
    const decoded = decodeCapabilityMsr('IA32_VMX_BASIC', v);
    expect(decoded.filter((d) => d.name === 'reserved').every((d) => d.value === 0n)).toBe(true);
    expect(decoded[0]).toEqual({ name: 'revisionId', bits: [30, 0], value: 0x2bn, meaning: expect.any(String) });
  });

  test('decodes IA32_VMX_MISC and the allowed-0/allowed-1 halves of a control MSR', () => {
    const misc = 0x00000000600401E0n;
    expect(field('IA32_VMX_MISC', misc, 'cr3TargetCount')).toBe(4n);
    expect(field('IA32_VMX_MISC', misc, 'activityHlt')).toBe(1n);
    expect(field('IA32_VMX_MISC', misc, 'activityWaitForSipi')).toBe(1n);
    expect(field('IA32_VMX_MISC', misc, 'vmwriteAnyField')).toBe(1n);
    expect(field('IA32_VMX_MISC', misc, 'preemptionTimerRate')).toBe(0n);
    expect(field('IA32_VMX_PINBASED_CTLS', 0x0000007F00000016n, 'allowed0')).toBe(0x16n);
    expect(field('IA32_VMX_PINBASED_CTLS', 0x0000007F00000016n, 'allowed1')).toBe(0x7fn);
  });

  test('exists-when predicates agree with what Bochs enumerates', () => {
    expect(capabilityMsrExists('IA32_VMX_TRUE_PROCBASED_CTLS', SKYLAKE_X)).toBe(true);
    expect(capabilityMsrExists('IA32_VMX_TRUE_PROCBASED_CTLS', { ...SKYLAKE_X, IA32_VMX_BASIC: 0x0058_1000_0000_002Bn })).toBe(false);
    expect(capabilityMsrExists('IA32_VMX_PROCBASED_CTLS2', SKYLAKE_X)).toBe(true);
    expect(capabilityMsrExists('IA32_VMX_PROCBASED_CTLS2', { ...SKYLAKE_X, IA32_VMX_PROCBASED_CTLS: 0x77F9FFFE0401E172n })).toBe(false);
    expect(capabilityMsrExists('IA32_VMX_EPT_VPID_CAP', SKYLAKE_X)).toBe(true);
    expect(capabilityMsrExists('IA32_VMX_EPT_VPID_CAP', PENRYN)).toBe(false);
    expect(capabilityMsrExists('IA32_VMX_VMFUNC', SKYLAKE_X)).toBe(true);
    expect(capabilityMsrExists('IA32_VMX_VMFUNC', SANDY_BRIDGE)).toBe(false);
    expect(capabilityMsrExists('IA32_VMX_PROCBASED_CTLS3', SKYLAKE_X)).toBe(false);
    expect(capabilityMsrExists('IA32_VMX_EXIT_CTLS2', SKYLAKE_X)).toBe(false);
    expect(capabilityMsrExists('IA32_VMX_EXIT_CTLS2', { ...SKYLAKE_X, IA32_VMX_EXIT_CTLS: 0x807FFFFF00036DFFn })).toBe(true);
    for (const name of REQUIRED_CAPABILITY_MSRS) expect(capabilityMsrExists(name, {})).toBe(true);
  });
});
