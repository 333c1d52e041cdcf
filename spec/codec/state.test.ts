import { describe, expect, test } from 'vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { DEFAULT_CPU, decodeStateFile, encodeState, encodeStateFile, type StateFile } from './state.js';
import { formatErrors } from './report.js';
import { emptyVmcsImage, readField, writeFields, type VtxState } from '../vtx/state.js';

const minimal = () => ({
  vmx: 'root',
  vmxonPointer: '0x1000',
  currentVmcs: '0x2000',
  vmcs: { '0x2000': { launchState: 'clear', fields: {} as Record<string, unknown> } },
} as Record<string, unknown>);

const decode = (u: unknown): StateFile => {
  const r = decodeStateFile(u);
  if (isLeft(r)) throw new Error(formatErrors(r.left, 'state.json').join('\n'));
  return r.right;
};
const lines = (u: unknown): string[] => {
  const r = decodeStateFile(u);
  return isLeft(r) ? formatErrors(r.left, 'state.json') : ['<decoded>'];
};
const withField = (name: string, value: unknown) => {
  const s = minimal();
  (s['vmcs'] as Record<string, { fields: Record<string, unknown> }>)['0x2000']!.fields[name] = value;
  return s;
};

describe('state codec', () => {
  test('defaults: protected 64-bit mode at CPL 0, IA32_FEATURE_CONTROL = 5, nothing else', () => {
    const { state, instruction, profile } = decode(minimal());
    expect(state.cpu.cr0).toBe(0x8000_0021n);
    expect(state.cpu.cr4).toBe(0x2020n);
    expect(state.cpu.efer).toBe(0xd00n);
    expect(state.cpu.rflags).toBe(0x2n);
    expect(state.cpu.cpl).toBe(0);
    expect(state.cpu.csL).toBe(true);
    expect([...state.cpu.msrs]).toEqual([[0x3a, 0x5n]]);
    expect(state.dualMonitorActive).toBe(false);
    expect(state.memory.size).toBe(0);
    expect(state.currentVmcs).toBe(0x2000n);
    expect(state.vmcs.get(0x2000n)?.fields).toEqual(emptyVmcsImage());
    expect(instruction).toBeUndefined();
    expect(profile).toBeUndefined();
  });

  test('cpu keys and MSRs override the defaults; the MSR map merges', () => {
    const { state } = decode({ ...minimal(), cpu: { cpl: 3, csL: false, rip: 4096, msrs: { '0x174': '0x10', '0x3a': '0x0' } } });
    expect(state.cpu.cpl).toBe(3);
    expect(state.cpu.csL).toBe(false);
    expect(state.cpu.rip).toBe(0x1000n);
    expect(state.cpu.cr0).toBe(DEFAULT_CPU.cr0);
    expect(state.cpu.msrs.get(0x174)).toBe(0x10n);
    expect(state.cpu.msrs.get(0x3a)).toBe(0n);
  });

  test('VMCS fields land in the image; all-ones current VMCS means none', () => {
    const { state } = decode({ ...withField('GUEST_RIP', '0xffff_8000_0000_1000'), currentVmcs: '0xffffffffffffffff', instruction: 'VMRESUME', profile: 'bochs-skylake-x' });
    expect(readField(state.vmcs.get(0x2000n)!.fields, 'GUEST_RIP')).toBe(0xffff_8000_0000_1000n);
    expect(state.currentVmcs).toBeNull();
    expect(decode({ ...minimal(), instruction: 'VMRESUME' }).instruction).toBe('VMRESUME');
    expect(decode({ ...minimal(), profile: 'x' }).profile).toBe('x');
  });

  test('round-trips: decode(encode(s)) = s, through JSON text', () => {
    const state: VtxState = {
      vmx: 'non-root',
      cpu: { ...DEFAULT_CPU, cr3: 0x1234_5000n, rsp: 0xffff_ffff_ffff_fff8n, inSmm: true, blockingByMovSs: true, msrs: new Map([[0x3a, 5n], [0xc0000080, 0xd01n]]) },
      vmxonPointer: 0x1000n,
      currentVmcs: 0x2000n,
      dualMonitorActive: true,
      vmcs: new Map([
        [0x2000n, { launchState: 'launched', fields: writeFields(emptyVmcsImage(), { GUEST_TR_AR_BYTES: 0x8bn, GUEST_RIP: 0xffff_ffff_ffff_fff0n, GUEST_CS_SELECTOR: 0x10n }) }],
        [0x3000n, { launchState: 'clear', fields: emptyVmcsImage() }],
      ]),
      memory: new Map([[0x4000n, 0xc000_0080n], [0x4008n, 0xd00n]]),
    };
    const file: StateFile = { state, instruction: 'VMLAUNCH', profile: 'bochs-skylake-x' };
    const text = JSON.stringify(encodeStateFile(file));
    expect(decode(JSON.parse(text))).toEqual(file);
    const bare = JSON.parse(JSON.stringify(encodeState(state))) as Record<string, unknown>;
    expect(bare['instruction']).toBeUndefined();
    expect(decode(bare).state).toEqual(state);
    expect((bare['vmcs'] as Record<string, { fields: Record<string, string> }>)['0x2000']!.fields).toEqual({
      GUEST_CS_SELECTOR: '0x10', GUEST_TR_AR_BYTES: '0x8b', GUEST_RIP: '0xfffffffffffffff0',
    });
  });

  test('a value wider than its field', () => {
    expect(lines(withField('GUEST_TR_AR_BYTES', '0x100000000'))).toEqual([
      'state.json: vmcs.0x2000.fields.GUEST_TR_AR_BYTES: expected 32-bit value, got 0x100000000',
    ]);
    expect(lines(withField('GUEST_CS_SELECTOR', 0x10000))).toEqual([
      'state.json: vmcs.0x2000.fields.GUEST_CS_SELECTOR: expected 16-bit value, got 0x10000',
    ]);
  });

  test('an unknown field name', () => {
    expect(lines(withField('GUEST_BOGUS', '0x1'))).toEqual([
      'state.json: vmcs.0x2000.fields.GUEST_BOGUS: unknown VMCS field (names are those of VMCS_FIELDS, e.g. GUEST_RIP)',
    ]);
  });

  test('wrong types', () => {
    expect(lines(withField('GUEST_RIP', true))).toEqual([
      'state.json: vmcs.0x2000.fields.GUEST_RIP: expected a hex string ("0x...") or a non-negative integer, got true',
    ]);
    expect(lines({ ...minimal(), vmx: 'guest' })).toEqual(['state.json: vmx: expected one of "outside", "root", "non-root", got "guest"']);
    expect(lines({ ...minimal(), cpu: { cpl: 4 } })).toEqual(['state.json: cpu.cpl: expected an integer from 0 to 3, got 4']);
    expect(lines({ ...minimal(), cpu: { inSmm: 1 } })).toEqual(['state.json: cpu.inSmm: expected true or false, got 1']);
    expect(lines({ ...minimal(), vmcs: { '0x2000': { launchState: 'running', fields: {} } } })).toEqual([
      'state.json: vmcs.0x2000.launchState: expected one of "clear", "launched", got "running"',
    ]);
    expect(lines({ ...minimal(), vmxonPointer: 'none' })).toEqual(['state.json: vmxonPointer: expected a hex string like "0x1f", got "none"']);
    expect(lines('{}')).toEqual(['state.json: expected an object, got "{}"']);
  });

  test('unknown keys at the top level, in cpu and in a VMCS region', () => {
    expect(lines({ ...minimal(), vmcs_fields: {} })).toEqual([
      'state.json: vmcs_fields: unknown key (expected "vmx", "vmxonPointer", "currentVmcs", "vmcs", "cpu", "dualMonitorActive", "memory", "instruction", "step", "profile")',
    ]);
    expect(lines({ ...minimal(), cpu: { cr5: '0x0' } })[0]).toMatch(/^state\.json: cpu\.cr5: unknown key \(expected "cr0", /);
    expect(lines({ ...minimal(), vmcs: { '0x2000': { launchState: 'clear', fields: {}, shadow: true } } })).toEqual([
      'state.json: vmcs.0x2000.shadow: unknown key (expected "launchState", "fields")',
    ]);
  });

  test('missing required keys, bad map keys, misaligned memory', () => {
    const s = minimal();
    delete s['currentVmcs'];
    expect(lines(s)).toEqual(['state.json: currentVmcs: required, but missing (expected hex64 | null)']);
    expect(lines({ ...minimal(), memory: { '0x1004': '0x1' } })).toEqual([
      'state.json: memory.0x1004: key: expected an address aligned to 8 bytes, got 0x1004',
    ]);
    expect(lines({ ...minimal(), cpu: { msrs: { IA32_EFER: '0x0' } } })).toEqual([
      'state.json: cpu.msrs.IA32_EFER: expected a hex key like "0x1000", got key "IA32_EFER"',
    ]);
    expect(lines({ ...minimal(), cpu: { msrs: { '0x1_0000_0000': '0x0' } } })).toEqual([
      'state.json: cpu.msrs.0x1_0000_0000: key: expected 32-bit value, got 0x100000000',
    ]);
  });

  test('every problem is reported, one line each', () => {
    const s = withField('GUEST_TR_AR_BYTES', '0x100000000');
    (s['vmcs'] as Record<string, { fields: Record<string, unknown> }>)['0x2000']!.fields['NOPE'] = 0;
    expect(lines({ ...s, extra: 1, cpu: { cpl: -1 } })).toHaveLength(4);
  });
});
