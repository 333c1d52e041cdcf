import { describe, expect, it } from 'vitest';
import { DEFAULT_GUEST, initialVtiState } from '../../../spec/vti/machine/initial.js';
import { NO_VT_PROFILE } from '../../../spec/vti/machine/profile.js';
import type { PalCall } from '../../../spec/vti/machine/events.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { VMM_CONFIG_OPTIONS } from '../../../spec/vti/pal.js';
import { P, gr, next, obs, pal } from '../testing.js';

const VPD = DEFAULT_GUEST.vpdAddress;
const VBASE = DEFAULT_GUEST.bufferVirtual;
const IVT = DEFAULT_GUEST.hostIva;

const INIT: PalCall = { name: 'PAL_VP_INIT_ENV', configOptions: VMM_CONFIG_OPTIONS.first, pbaseAddr: 0x0800_0000n, vbaseAddr: VBASE };
const CREATE: PalCall = { name: 'PAL_VP_CREATE', vpd: VPD, hostIva: IVT, optHandler: 0n };

/** Memory holding a VPD at `base` with vac, vdc and virt_env_vaddr set, as a VMM prepares it. */
const withVpdMemory = (s: VtiState, base: bigint, vac = 0x7fn, vdc = 1n, env: bigint = VBASE): VtiState => {
  const memory = new Map(s.memory);
  memory.set(base, vac);
  memory.set(base + 8n, vdc);
  memory.set(base + 0x10n, env);
  memory.set(base + 0x590n, 0x2000n);
  return { ...s, memory };
};

const status = (s: VtiState, c: PalCall, profile = P) => {
  const o = obs(pal(s, c, profile));
  return o.kind === 'pal-return' ? o.status : null;
};
const rules = (s: VtiState, c: PalCall, profile = P) => pal(s, c, profile).rules;

const fresh = () => withVpdMemory(initialVtiState(P), VPD);
const inEnv = () => next(pal(fresh(), INIT));
const created = () => next(pal(inEnv(), CREATE));
const restored = () => next(pal(created(), { name: 'PAL_VP_RESTORE', vpd: VPD, palProcVector: 0n }));

describe('PAL_VP_INIT_ENV', () => {
  it('VTI.PAL.VP_INIT_ENV.OK: enters the environment, returns vsa_base in GR9', () => {
    const o = pal(fresh(), INIT);
    expect(obs(o)).toEqual({ kind: 'pal-return', status: 0, values: [P.vsaBase] });
    expect(next(o).pal).toMatchObject({ status: 'initialised', configOptions: VMM_CONFIG_OPTIONS.first, bufferVirtual: VBASE, current: null });
    expect(gr(next(o), 8).value).toBe(0n);
    expect(gr(next(o), 9).value).toBe(P.vsaBase);
  });
  it('VTI.PAL.VP_INIT_ENV.VM_DISABLED: -1 without the VM features', () => {
    expect(status(fresh(), INIT, NO_VT_PROFILE)).toBe(-1);
    expect(rules(fresh(), INIT, NO_VT_PROFILE)).toEqual(['VTI.PAL.VP_INIT_ENV.VM_DISABLED']);
  });
  it('VTI.PAL.VP_INIT_ENV.BAD_OPTIONS: opcode = 0 or a reserved bit is an error', () => {
    expect(status(fresh(), { ...INIT, configOptions: VMM_CONFIG_OPTIONS.first & ~(1n << 8n) })).toBe(-2);
    expect(pal(fresh(), { ...INIT, configOptions: VMM_CONFIG_OPTIONS.first & ~(1n << 8n) }).permitted.map((p) => p.observation)).toContainEqual({ kind: 'pal-return', status: -3, values: [] });
    expect(status(fresh(), { ...INIT, configOptions: VMM_CONFIG_OPTIONS.first | (1n << 20n) })).toBe(-2);
    expect(status(fresh(), { ...INIT, configOptions: VMM_CONFIG_OPTIONS.first | (1n << 10n) })).toBe(-2);
  });
  it('VTI.PAL.VP_INIT_ENV.BAD_BUFFER: a buffer not 4 KiB aligned is -2', () => {
    expect(status(fresh(), { ...INIT, vbaseAddr: VBASE + 8n })).toBe(-2);
    expect(rules(fresh(), { ...INIT, vbaseAddr: VBASE + 8n })).toEqual(['VTI.PAL.VP_INIT_ENV.BAD_BUFFER']);
  });
  it('VTI.PAL.VP_INIT_ENV.ALREADY: a second call on this processor fails (-3; -2 permitted)', () => {
    const o = pal(inEnv(), INIT);
    expect(obs(o)).toMatchObject({ status: -3 });
    expect(o.permitted[1]?.observation).toMatchObject({ status: -2 });
  });
});

describe('PAL_VP_ENV_INFO and PAL_VP_INFO', () => {
  it('VTI.PAL.VP_ENV_INFO.OK: returns buffer_size and vp_env_info', () => {
    expect(obs(pal(fresh(), { name: 'PAL_VP_ENV_INFO' }))).toEqual({ kind: 'pal-return', status: 0, values: [P.envBufferSize, P.vpEnvInfo] });
  });
  it('VTI.PAL.VP_ENV_INFO.VM_DISABLED: -1 without the VM features', () => {
    expect(status(fresh(), { name: 'PAL_VP_ENV_INFO' }, NO_VT_PROFILE)).toBe(-1);
  });
  it('VTI.PAL.VP_INFO.PHYSICAL: a physical processor answers -1', () => {
    expect(status(created(), { name: 'PAL_VP_INFO', featureSet: 0n, vpBuffer: 0n })).toBe(-1);
  });
});

describe('PAL_VP_CREATE', () => {
  it('VTI.PAL.VP_CREATE.OK: the VPD in memory becomes a VP record', () => {
    const s = next(pal(inEnv(), CREATE));
    expect(s.pal.status === 'initialised' && s.pal.vps.get(VPD)).toMatchObject({ hostIva: IVT, optHandler: 0n, vpd: { vac: 0x7fn, vdc: 1n, vpsr: 0x2000n } });
    expect(s.memory.has(VPD)).toBe(false);
  });
  it('VTI.PAL.VP_CREATE.VM_DISABLED: -1 without the VM features', () => expect(status(inEnv(), CREATE, NO_VT_PROFILE)).toBe(-1));
  it('VTI.PAL.VP_CREATE.NO_ENV: -9 before PAL_VP_INIT_ENV', () => expect(status(fresh(), CREATE)).toBe(-9));
  it('VTI.PAL.VP_CREATE.BAD_VPD: -2 for a VPD not 32 KiB aligned, or one already created', () => {
    expect(status(inEnv(), { ...CREATE, vpd: VPD + 0x1000n })).toBe(-2);
    expect(rules(created(), CREATE)).toEqual(['VTI.PAL.VP_CREATE.BAD_VPD']);
  });
  it('VTI.PAL.VP_CREATE.BAD_CONTROLS: -2 for a_int with d_extint, or a reserved vac bit', () => {
    expect(status(withVpdMemory(inEnv(), VPD, 1n, 2n), CREATE)).toBe(-2);
    expect(rules(withVpdMemory(inEnv(), VPD, 1n << 7n, 0n), CREATE)).toEqual(['VTI.PAL.VP_CREATE.BAD_CONTROLS']);
    expect(status(withVpdMemory(inEnv(), VPD, 1n, 1n), CREATE)).toBe(0);
  });
  it('VTI.PAL.VP_CREATE.BAD_ENV_ADDR: -2 when virt_env_vaddr is not the environment buffer', () => {
    expect(rules(withVpdMemory(inEnv(), VPD, 0n, 0n, VBASE + 0x1000n), CREATE)).toEqual(['VTI.PAL.VP_CREATE.BAD_ENV_ADDR']);
  });
});

describe('PAL_VP_REGISTER', () => {
  const REG: PalCall = { name: 'PAL_VP_REGISTER', vpd: VPD, hostIva: IVT + 0x8000n, optHandler: 0x9000n };
  it('VTI.PAL.VP_REGISTER.OK: a new host IVT and intercept handler', () => {
    const s = next(pal(created(), REG));
    expect(s.pal.status === 'initialised' && s.pal.vps.get(VPD)).toMatchObject({ hostIva: IVT + 0x8000n, optHandler: 0x9000n });
  });
  it('VTI.PAL.VP_REGISTER.VM_DISABLED: -1 without the VM features', () => expect(status(created(), REG, NO_VT_PROFILE)).toBe(-1));
  it('VTI.PAL.VP_REGISTER.NO_ENV: -9 outside the environment', () => expect(status(fresh(), REG)).toBe(-9));
  it('VTI.PAL.VP_REGISTER.UNKNOWN_VP: -2 for a VPD never created', () => expect(status(inEnv(), REG)).toBe(-2));
  it('VTI.PAL.VP_REGISTER.BAD_CONTROLS: -2 when the VMM has since set an unsupported combination', () => {
    const s = created();
    const vp = s.pal.status === 'initialised' ? s.pal.vps.get(VPD) : undefined;
    if (vp === undefined || s.pal.status !== 'initialised') throw new Error('no VP');
    const bad = { ...s, pal: { ...s.pal, vps: new Map([[VPD, { ...vp, vpd: { ...vp.vpd, vac: 1n, vdc: 2n } }]]) } };
    expect(rules(bad, REG)).toEqual(['VTI.PAL.VP_REGISTER.BAD_CONTROLS']);
  });
});

describe('PAL_VP_RESTORE and PAL_VP_SAVE', () => {
  it('VTI.PAL.VP_RESTORE.OK: the VP becomes current, IVA = its host IVT, its vhpi is latched', () => {
    const s = restored();
    expect(s.pal.status === 'initialised' && s.pal.current).toBe(VPD);
    expect(s.cr.get(2)).toBe(IVT);
  });
  it('VTI.PAL.VP_RESTORE.VM_DISABLED: -1 without the VM features', () => expect(status(created(), { name: 'PAL_VP_RESTORE', vpd: VPD, palProcVector: 0n }, NO_VT_PROFILE)).toBe(-1));
  it('VTI.PAL.VP_RESTORE.NO_ENV: -9 outside the environment', () => expect(status(fresh(), { name: 'PAL_VP_RESTORE', vpd: VPD, palProcVector: 0n })).toBe(-9));
  it('VTI.PAL.VP_RESTORE.UNKNOWN_VP: -2 for a VPD never created', () => expect(status(inEnv(), { name: 'PAL_VP_RESTORE', vpd: VPD, palProcVector: 0n })).toBe(-2));
  it('VTI.PAL.VP_SAVE.OK: no VP is current afterwards; IVA is left as it was', () => {
    const s = next(pal(restored(), { name: 'PAL_VP_SAVE', vpd: VPD, palProcVector: 0n }));
    expect(s.pal.status === 'initialised' && s.pal.current).toBe(null);
    expect(s.cr.get(2)).toBe(IVT);
  });
  it('VTI.PAL.VP_SAVE.VM_DISABLED: -1 without the VM features', () => expect(status(restored(), { name: 'PAL_VP_SAVE', vpd: VPD, palProcVector: 0n }, NO_VT_PROFILE)).toBe(-1));
  it('VTI.PAL.VP_SAVE.NO_ENV: -9 outside the environment', () => expect(status(fresh(), { name: 'PAL_VP_SAVE', vpd: VPD, palProcVector: 0n })).toBe(-9));
  it('VTI.PAL.VP_SAVE.NOT_CURRENT: -2 for a VP that is not restored', () => expect(status(created(), { name: 'PAL_VP_SAVE', vpd: VPD, palProcVector: 0n })).toBe(-2));
});

describe('PAL_VP_TERMINATE and PAL_VP_EXIT_ENV', () => {
  it('VTI.PAL.VP_TERMINATE.OK: the VP is gone, its VPD is memory again, IVA = iva when non-zero', () => {
    const s = next(pal(restored(), { name: 'PAL_VP_TERMINATE', vpd: VPD, iva: 0x4000n }));
    expect(s.pal.status === 'initialised' && s.pal.vps.size).toBe(0);
    expect(s.pal.status === 'initialised' && s.pal.current).toBe(null);
    expect(s.memory.get(VPD)).toBe(0x7fn);
    expect(s.cr.get(2)).toBe(0x4000n);
  });
  it('VTI.PAL.VP_TERMINATE.VM_DISABLED: -1 without the VM features', () => expect(status(created(), { name: 'PAL_VP_TERMINATE', vpd: VPD, iva: 0n }, NO_VT_PROFILE)).toBe(-1));
  it('VTI.PAL.VP_TERMINATE.NO_ENV: -9 outside the environment', () => expect(status(fresh(), { name: 'PAL_VP_TERMINATE', vpd: VPD, iva: 0n })).toBe(-9));
  it('VTI.PAL.VP_TERMINATE.UNKNOWN_VP: -2 for a VPD never created', () => expect(status(inEnv(), { name: 'PAL_VP_TERMINATE', vpd: VPD, iva: 0n })).toBe(-2));
  it('VTI.PAL.VP_EXIT_ENV.OK: the processor leaves; the environment can be entered again', () => {
    const s = next(pal(created(), { name: 'PAL_VP_EXIT_ENV', iva: 0x4000n }));
    expect(s.pal.status).toBe('not-initialised');
    expect(s.cr.get(2)).toBe(0x4000n);
    expect(s.memory.get(VPD + 8n)).toBe(1n);
    expect(status(s, INIT)).toBe(0);
  });
  it('VTI.PAL.VP_EXIT_ENV.VM_DISABLED: -1 without the VM features', () => expect(status(inEnv(), { name: 'PAL_VP_EXIT_ENV', iva: 0n }, NO_VT_PROFILE)).toBe(-1));
  it('VTI.PAL.VP_EXIT_ENV.NO_ENV: -9 outside the environment', () => expect(status(fresh(), { name: 'PAL_VP_EXIT_ENV', iva: 0n })).toBe(-9));
});
