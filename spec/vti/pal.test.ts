import { describe, expect, test } from 'vitest';
import {
  PAL_PROC_FEATURE_BITS, PAL_STATUS, PAL_VP_CONFIG_OPTIONS, PAL_VP_PROCEDURES, PAL_VPS_SERVICES, VMM_CONFIG_OPTIONS,
} from './pal.js';

describe('PAL_VP_* procedures (shared/facts/vti-vpd-and-pal.md §5)', () => {
  test('every procedure number of the facts table is present, once, with its name', () => {
    expect(Object.fromEntries(PAL_VP_PROCEDURES.map((p) => [p.index, p.name]))).toEqual({
      50: 'PAL_VP_INFO', 265: 'PAL_VP_CREATE', 266: 'PAL_VP_ENV_INFO', 267: 'PAL_VP_EXIT_ENV', 268: 'PAL_VP_INIT_ENV',
      269: 'PAL_VP_REGISTER', 270: 'PAL_VP_RESTORE', 271: 'PAL_VP_SAVE', 272: 'PAL_VP_TERMINATE',
    });
    expect(PAL_VP_PROCEDURES).toHaveLength(9);
  });

  test('old names: 270 was PAL_VP_RESUME, 271 PAL_VP_SUSPEND', () => {
    const old = (n: number) => PAL_VP_PROCEDURES.find((p) => p.index === n);
    expect(old(270)).toMatchObject({ oldName: 'PAL_VP_RESUME' });
    expect(old(271)).toMatchObject({ oldName: 'PAL_VP_SUSPEND' });
  });

  test('statuses are PAL status values; 265-272 return 0/-1/-2/-3/-9, PAL_VP_INFO -8 instead of -9', () => {
    for (const p of PAL_VP_PROCEDURES) for (const s of p.statuses) expect(PAL_STATUS, `${p.name} ${s}`).toHaveProperty(String(s));
    for (const p of PAL_VP_PROCEDURES.filter((x) => x.index >= 265)) expect([...p.statuses], p.name).toEqual([0, -1, -2, -3, -9]);
    expect([...PAL_VP_PROCEDURES.find((p) => p.index === 50)!.statuses]).toEqual([0, -1, -2, -3, -8]);
  });

  test('argument lists from the facts', () => {
    const args = (name: string) => PAL_VP_PROCEDURES.find((p) => p.name === name)!.args.map((a) => a.name);
    expect(args('PAL_VP_CREATE')).toEqual(['vpd', 'host_iva', 'opt_handler']);
    expect(args('PAL_VP_INIT_ENV')).toEqual(['config_options', 'pbase_addr', 'vbase_addr']);
    expect(args('PAL_VP_TERMINATE')).toEqual(['vpd', 'iva']);
    expect(PAL_VP_PROCEDURES.find((p) => p.name === 'PAL_VP_INIT_ENV')!.returns.map((r) => r.name)).toEqual(['vsa_base']);
    expect(PAL_VP_PROCEDURES.find((p) => p.name === 'PAL_VP_ENV_INFO')!.returns.map((r) => r.name)).toEqual(['buffer_size', 'vp_env_info']);
  });
});

describe('PAL_VPS_* services (shared/facts/vti-vpd-and-pal.md §6)', () => {
  test('nine services at 0x0000-0x2000, 0x400 apart, in the facts order', () => {
    expect(PAL_VPS_SERVICES.map((s) => [s.offset, s.name])).toEqual([
      [0x0000, 'PAL_VPS_RESUME_NORMAL'], [0x0400, 'PAL_VPS_RESUME_HANDLER'], [0x0800, 'PAL_VPS_SYNC_READ'],
      [0x0c00, 'PAL_VPS_SYNC_WRITE'], [0x1000, 'PAL_VPS_SET_PENDING_INTERRUPT'], [0x1400, 'PAL_VPS_THASH'],
      [0x1800, 'PAL_VPS_TTAG'], [0x1c00, 'PAL_VPS_RESTORE'], [0x2000, 'PAL_VPS_SAVE'],
    ]);
  });

  test('only the RESUME services do not return; VPD-based services take the VPD in GR25', () => {
    expect(PAL_VPS_SERVICES.filter((s) => !s.returnsToCaller).map((s) => s.name)).toEqual(['PAL_VPS_RESUME_NORMAL', 'PAL_VPS_RESUME_HANDLER']);
    for (const s of PAL_VPS_SERVICES.filter((x) => !/THASH|TTAG/.test(x.name))) expect(s.inputs.GR25, s.name).toMatch(/VPD/);
  });

  test('RESUME_HANDLER takes vac | CFLE<<63 in GR26 and records the LK r27 disagreement', () => {
    const rh = PAL_VPS_SERVICES.find((s) => s.name === 'PAL_VPS_RESUME_HANDLER')!;
    expect(rh.inputs.GR26).toMatch(/bit 63/);
    expect(rh.confidence).toBe('!');
    expect(rh.note).toMatch(/r27/);
  });
});

describe('config_options and PAL_PROC feature bits', () => {
  test('named config_options bits are unique; the VMMs\' values use only named bits', () => {
    const bits = PAL_VP_CONFIG_OPTIONS.flatMap((o) => (o.bit === null ? [] : [o.bit]));
    expect(bits).toEqual([0, 1, 8, 9, 10, 63]);
    const named = bits.reduce((m, b) => m | (1n << BigInt(b)), 0n);
    expect(VMM_CONFIG_OPTIONS.first & ~named).toBe(0n);
    expect(VMM_CONFIG_OPTIONS.first ^ VMM_CONFIG_OPTIONS.others).toBe(1n);
  });

  test('PAL_PROC_GET_FEATURES bit 40 = vm, bit 54 = vmsw', () => {
    expect(PAL_PROC_FEATURE_BITS.map((f) => [f.bit, f.name])).toEqual([[40, 'vm'], [54, 'vmsw']]);
  });
});
