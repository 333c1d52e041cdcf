import { describe, expect, test } from 'vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { DEFAULT_CHOICES, decodeProfile, encodeProfile } from './profile.js';
import { formatErrors } from './report.js';
import { BUILTIN_PROFILES } from '../vtx/profiles/index.js';

/** Bochs 2.7 corei7_skylake_x (shared/facts/bochs-vmx-msrs.md). */
const skylakeJson = () => ({
  name: 'bochs-skylake-x',
  description: 'Bochs 2.7 corei7_skylake_x',
  msrs: {
    IA32_VMX_BASIC: '0x00D810000000002B',
    IA32_VMX_PINBASED_CTLS: '0x0000007F00000016',
    IA32_VMX_PROCBASED_CTLS: '0xF7F9FFFE0401E172',
    IA32_VMX_EXIT_CTLS: '0x007FFFFF00036DFF',
    IA32_VMX_ENTRY_CTLS: '0x0000FFFF000011FF',
    IA32_VMX_MISC: '0x00000000600401E0',
    IA32_VMX_CR0_FIXED0: '0x0000000080000021',
    IA32_VMX_CR0_FIXED1: '0x00000000FFFFFFFF',
    IA32_VMX_CR4_FIXED0: '0x0000000000002000',
    IA32_VMX_CR4_FIXED1: '0x00000000003727FF',
    IA32_VMX_VMCS_ENUM: '0x0000000000000034',
    IA32_VMX_PROCBASED_CTLS2: '0x02177FFF00000000',
    IA32_VMX_EPT_VPID_CAP: '0x00000F0106334141',
    IA32_VMX_TRUE_PINBASED_CTLS: '0x0000007F00000016',
    IA32_VMX_TRUE_PROCBASED_CTLS: '0xF7F9FFFE04006172',
    IA32_VMX_TRUE_EXIT_CTLS: '0x007FFFFF00036DFB',
    IA32_VMX_TRUE_ENTRY_CTLS: '0x0000FFFF000011FB',
    IA32_VMX_VMFUNC: '0x0000000000000001',
  } as Record<string, unknown>,
  maxPhysAddr: 40,
  linearAddressWidth: 48,
  intel64: true,
  cpuid: { sgx: false, rtm: false },
} as Record<string, unknown>);

const lines = (u: unknown): string[] => {
  const r = decodeProfile(u);
  return isLeft(r) ? formatErrors(r.left, 'profile.json') : ['<decoded>'];
};

describe('profile codec', () => {
  test('decodes a profile; choices default when absent', () => {
    const r = decodeProfile(skylakeJson());
    if (isLeft(r)) throw new Error(formatErrors(r.left, 'profile.json').join('\n'));
    expect(r.right.msrs.IA32_VMX_BASIC).toBe(0x00D810000000002Bn);
    expect(r.right.msrs.IA32_VMX_VMFUNC).toBe(1n);
    expect(r.right.msrs.IA32_VMX_PROCBASED_CTLS3).toBeUndefined();
    expect(r.right.choices).toEqual({
      entryErrorCodeReservedMask: 0xffff8000, debugctlValidMask: 0xffc3n, perfGlobalCtrlValidMask: 0x7_0000_000fn, msrLoadRejected: [0x79, 0x8b],
    });
    expect(DEFAULT_CHOICES.entryErrorCodeReservedMask).toBe(0xffff8000);
  });

  test('a choice given overrides only that default', () => {
    const r = decodeProfile({ ...skylakeJson(), choices: { entryErrorCodeReservedMask: '0xffff0000', msrLoadRejected: ['0x79'] } });
    if (isLeft(r)) throw new Error('did not decode');
    expect(r.right.choices.entryErrorCodeReservedMask).toBe(0xffff0000);
    expect(r.right.choices.msrLoadRejected).toEqual([0x79]);
    expect(r.right.choices.debugctlValidMask).toBe(0xffc3n);
  });

  test('round-trips: decode(encode(p)) = p', () => {
    const r = decodeProfile(skylakeJson());
    if (isLeft(r)) throw new Error('did not decode');
    const json = JSON.parse(JSON.stringify(encodeProfile(r.right))) as unknown;
    const again = decodeProfile(json);
    if (isLeft(again)) throw new Error(formatErrors(again.left, 'encoded').join('\n'));
    expect(again.right).toEqual(r.right);
    expect((json as { msrs: Record<string, string> }).msrs['IA32_VMX_BASIC']).toBe('0xd810000000002b');
  });

  test('unknown top-level key, unknown MSR, unknown choice', () => {
    expect(lines({ ...skylakeJson(), extra: 1 })).toEqual([
      'profile.json: extra: unknown key (expected "name", "description", "msrs", "maxPhysAddr", "linearAddressWidth", "intel64", "cpuid", "choices")',
    ]);
    const j = skylakeJson();
    (j['msrs'] as Record<string, unknown>)['IA32_VMX_BOGUS'] = '0x1';
    expect(lines(j)[0]).toMatch(/^profile\.json: msrs\.IA32_VMX_BOGUS: unknown key \(expected "IA32_VMX_BASIC", /);
    expect(lines({ ...skylakeJson(), choices: { foo: 1 } })).toEqual([
      'profile.json: choices.foo: unknown key (expected "entryErrorCodeReservedMask", "debugctlValidMask", "perfGlobalCtrlValidMask", "msrLoadRejected")',
    ]);
  });

  test('missing required MSR and missing required key', () => {
    const j = skylakeJson();
    delete (j['msrs'] as Record<string, unknown>)['IA32_VMX_MISC'];
    expect(lines(j)).toEqual(['profile.json: msrs.IA32_VMX_MISC: required, but missing (expected hex64)']);
    const k = skylakeJson();
    delete k['intel64'];
    expect(lines(k)).toEqual(['profile.json: intel64: required, but missing (expected boolean)']);
  });

  test('wrong types and out-of-range numbers', () => {
    expect(lines({ ...skylakeJson(), intel64: 'yes' })).toEqual(['profile.json: intel64: expected true or false, got "yes"']);
    expect(lines({ ...skylakeJson(), maxPhysAddr: 64 })).toEqual(['profile.json: maxPhysAddr: expected an integer from 32 to 52, got 64']);
    expect(lines({ ...skylakeJson(), choices: { msrLoadRejected: ['0x79', 'x'] } })).toEqual([
      'profile.json: choices.msrLoadRejected.1: expected a hex string like "0x1f", got "x"',
    ]);
    expect(lines({ ...skylakeJson(), choices: { entryErrorCodeReservedMask: '0x1_0000_0000' } })).toEqual([
      'profile.json: choices.entryErrorCodeReservedMask: expected 32-bit value, got 0x100000000',
    ]);
    expect(lines([])).toEqual(['profile.json: expected an object, got an array']);
  });

  test('an optional MSR must be present exactly when the others say it exists', () => {
    const j = skylakeJson();
    delete (j['msrs'] as Record<string, unknown>)['IA32_VMX_VMFUNC'];
    expect(lines(j)).toEqual([
      'profile.json: msrs.IA32_VMX_VMFUNC: missing: this MSR exists because IA32_VMX_PROCBASED_CTLS2 exists and its bit 45 (enable VM functions) is 1',
    ]);
    const k = skylakeJson();
    (k['msrs'] as Record<string, unknown>)['IA32_VMX_PROCBASED_CTLS3'] = '0x1';
    expect(lines(k)).toEqual([
      'profile.json: msrs.IA32_VMX_PROCBASED_CTLS3: present, but this MSR exists only when IA32_VMX_PROCBASED_CTLS bit 49 = 1 (the "activate tertiary controls" control may be 1)',
    ]);
  });
});

describe('profile values no processor reports are rejected', () => {
  const base = JSON.parse(JSON.stringify(encodeProfile(BUILTIN_PROFILES['bochs-skylake-x'])));
  test.each([
    ['a control that must be 1 and may not be', { IA32_VMX_PINBASED_CTLS: '0x16' }, /msrs\.IA32_VMX_PINBASED_CTLS: controls 0x16 must be 1/],
    ['a VMCS region size of 0', { IA32_VMX_BASIC: '0xd800000000002b' }, /msrs\.IA32_VMX_BASIC: VMCS region size \(bits 44:32\) is 0/],
  ])('%s', (_name, msrs, message) => {
    const r = decodeProfile({ ...base, msrs: { ...base.msrs, ...msrs } });
    expect(r._tag).toBe('Left');
    if (r._tag === 'Left') expect(formatErrors(r.left, 'p.json').join('\n')).toMatch(message);
  });
});

test.each(Object.keys(BUILTIN_PROFILES))('built-in profile %s round-trips through the profile codec', (name) => {
  const p = BUILTIN_PROFILES[name as keyof typeof BUILTIN_PROFILES];
  const r = decodeProfile(JSON.parse(JSON.stringify(encodeProfile(p))));
  expect(r._tag === 'Right' ? r.right.msrs : formatErrors(r.left, name)).toEqual(p.msrs);
});
