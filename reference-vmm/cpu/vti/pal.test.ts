/** The PAL_VP_* procedures and PAL_VPS_* services (VTI.PAL.*). */
import { describe, expect, test } from 'vitest';
import { DEFAULT_GUEST, guestState, initialVtiState, PSR } from '../../../spec/vti/machine/initial.js';
import { NO_VT_PROFILE } from '../../../spec/vti/machine/profile.js';
import { currentVp, VPD_OFFSETS, type VtiState } from '../../../spec/vti/machine/state.js';
import { VMM_CONFIG_OPTIONS } from '../../../spec/vti/pal.js';
import { bit, cr, gr, pal, P, run, withCr } from './test-support.js';

const VPD = 0xfffc_0000_0400_0000n;
const INIT = pal({ name: 'PAL_VP_INIT_ENV', configOptions: VMM_CONFIG_OPTIONS.first, pbaseAddr: DEFAULT_GUEST.bufferPhysical, vbaseAddr: DEFAULT_GUEST.bufferVirtual });
const CREATE = pal({ name: 'PAL_VP_CREATE', vpd: VPD, hostIva: DEFAULT_GUEST.hostIva, optHandler: 0n });

/** A VMM after reset with a VPD image in memory: vac, vdc, virt_env_vaddr, vhpi. */
const withImage = (vac: bigint, vdc: bigint, env: bigint = DEFAULT_GUEST.bufferVirtual): VtiState => {
  const s = initialVtiState(P);
  return {
    ...s,
    memory: new Map([[VPD, vac], [VPD + 8n, vdc], [VPD + 0x10n, env], [VPD + 0x100n, 7n], [VPD + 0x590n, PSR.ic]]),
  };
};

describe('PAL_VP_* procedures', () => {
  test('VTI.PAL.VP_ENV_INFO.OK, VTI.PAL.VP_INFO.PHYSICAL, VTI.PAL.VP_ENV_INFO.VM_DISABLED', () => {
    const r = run(initialVtiState(P), [pal({ name: 'PAL_VP_ENV_INFO' }), pal({ name: 'PAL_VP_INFO', featureSet: 0n, vpBuffer: 0n })]);
    expect(r.obs[0]).toEqual({ kind: 'pal-return', status: 0, values: [P.envBufferSize, P.vpEnvInfo] });
    expect(r.obs[1]).toEqual({ kind: 'pal-return', status: -1, values: [] });
    expect(run(initialVtiState(NO_VT_PROFILE), [pal({ name: 'PAL_VP_ENV_INFO' })], NO_VT_PROFILE).last).toMatchObject({ status: -1 });
  });
  test('VTI.PAL.VP_INIT_ENV.OK / BAD_OPTIONS / BAD_BUFFER / ALREADY', () => {
    const s = initialVtiState(P);
    expect(run(s, [pal({ name: 'PAL_VP_INIT_ENV', configOptions: VMM_CONFIG_OPTIONS.first & ~(1n << 8n), pbaseAddr: 0n, vbaseAddr: 0n })]).last).toMatchObject({ status: -2 });
    expect(run(s, [pal({ name: 'PAL_VP_INIT_ENV', configOptions: VMM_CONFIG_OPTIONS.first | (1n << 10n), pbaseAddr: 0n, vbaseAddr: 0n })]).last).toMatchObject({ status: -2 });
    expect(run(s, [pal({ name: 'PAL_VP_INIT_ENV', configOptions: VMM_CONFIG_OPTIONS.first, pbaseAddr: 0x800n, vbaseAddr: 0n })]).last).toMatchObject({ status: -2 });
    const r = run(s, [INIT, INIT]);
    expect(r.obs[0]).toEqual({ kind: 'pal-return', status: 0, values: [P.vsaBase] });
    expect(gr(r.state, 9)).toBe(P.vsaBase);
    expect(r.obs[1]).toMatchObject({ status: -3 });
    expect(gr(r.state, 8)).toBe(0xffff_ffff_ffff_fffdn);
  });
  test('VTI.PAL.VP_CREATE.NO_ENV / BAD_VPD / BAD_CONTROLS / BAD_ENV_ADDR', () => {
    expect(run(withImage(0n, 0n), [CREATE]).last).toMatchObject({ status: -9 });
    expect(run(withImage(0n, 0n), [INIT, pal({ name: 'PAL_VP_CREATE', vpd: VPD + 0x100n, hostIva: 0n, optHandler: 0n })]).last).toMatchObject({ status: -2 });
    expect(run(withImage(1n << 7n, 0n), [INIT, CREATE]).last).toMatchObject({ status: -2 });
    expect(run(withImage(1n, 2n), [INIT, CREATE]).last).toMatchObject({ status: -2 });
    expect(run(withImage(0n, 0n, 0x1000n), [INIT, CREATE]).last).toMatchObject({ status: -2 });
    expect(run(withImage(0n, 0n), [INIT, CREATE, CREATE]).last).toMatchObject({ status: -2 });
  });
  test('VTI.PAL.VP_CREATE.OK, VTI.PAL.VP_RESTORE.OK: the VPD moves out of memory into the VP; restore sets IVA and latches vhpi', () => {
    const r = run(withImage(0x7fn, 1n), [INIT, CREATE, pal({ name: 'PAL_VP_RESTORE', vpd: VPD, palProcVector: 0n })]);
    expect(r.obs.map((o) => (o.kind === 'pal-return' ? o.status : null))).toEqual([0, 0, 0]);
    const vp = currentVp(r.state)!;
    expect(vp.address).toBe(VPD);
    expect(vp.vp.vpd.vac).toBe(0x7fn);
    expect(vp.vp.vpd.vhpi).toBe(7n);
    expect(r.state.memory.size).toBe(0);
    expect(cr(r.state, 2)).toBe(DEFAULT_GUEST.hostIva);
    expect(r.state.pendingVirtualInterrupt).toBe(7n);
  });
  test('VTI.PAL.VP_SAVE.NOT_CURRENT, VTI.PAL.VP_SAVE.OK, VTI.PAL.VP_TERMINATE.OK, VTI.PAL.VP_EXIT_ENV.OK', () => {
    const restored = run(withImage(0n, 0n), [INIT, CREATE]).state;
    expect(run(restored, [pal({ name: 'PAL_VP_SAVE', vpd: VPD, palProcVector: 0n })]).last).toMatchObject({ status: -2 });
    const r = run(restored, [
      pal({ name: 'PAL_VP_RESTORE', vpd: VPD, palProcVector: 0n }), pal({ name: 'PAL_VP_SAVE', vpd: VPD, palProcVector: 0n }),
      pal({ name: 'PAL_VP_TERMINATE', vpd: VPD, iva: 0x20_0000n }), pal({ name: 'PAL_VP_RESTORE', vpd: VPD, palProcVector: 0n }),
      pal({ name: 'PAL_VP_EXIT_ENV', iva: 0x30_0000n }),
    ]);
    expect(r.obs.map((o) => (o.kind === 'pal-return' ? o.status : null))).toEqual([0, 0, 0, -2, 0]);
    expect(r.state.pal.status).toBe('not-initialised');
    expect(cr(r.state, 2)).toBe(0x30_0000n);
    // The terminated VP's VPD is plain memory again.
    expect(r.state.memory.get(VPD + BigInt(VPD_OFFSETS.vhpi))).toBe(7n);
  });
  test('VTI.PAL.VP_REGISTER.UNKNOWN_VP, VTI.PAL.VP_REGISTER.OK', () => {
    const s = guestState(P);
    expect(run(s, [pal({ name: 'PAL_VP_REGISTER', vpd: VPD + 0x2_0000n, hostIva: 0n, optHandler: 0n })]).last).toMatchObject({ status: -2 });
    const r = run(s, [pal({ name: 'PAL_VP_REGISTER', vpd: VPD, hostIva: 0xfffc_0000_0020_0000n, optHandler: 0x1230n })]);
    expect(currentVp(r.state)!.vp).toMatchObject({ hostIva: 0xfffc_0000_0020_0000n, optHandler: 0x1230n });
  });
});

describe('PAL_VPS_* services', () => {
  /** The VMM inside its intercept handler, as a guest intercept leaves it. */
  const vmm = (setup: Parameters<typeof guestState>[1] = {}): VtiState => {
    const g = guestState(P, setup);
    const s = { ...g, psr: PSR.dt | PSR.rt | PSR.it, ip: DEFAULT_GUEST.hostIva + 0x6100n };
    return withCr(withCr(s, 16, g.psr), 19, g.ip);
  };
  test('VTI.PAL.VPS_RESUME_NORMAL.OK: PSR = IPSR, IP = IIP, BR0 = the guest BR0, CFLE = 1', () => {
    const r = run(vmm(), [pal({ name: 'PAL_VPS_RESUME_NORMAL', vbr0: 0x777n, vpd: VPD })]);
    expect(r.last).toEqual({ kind: 'guest-resumed', ip: DEFAULT_GUEST.ip });
    expect(bit(r.state.psr, 46)).toBe(true);
    expect(r.state.br[0]).toBe(0x777n);
    expect(r.state.rse.cfle).toBe(true);
  });
  test('VTI.PAL.VPS_RESUME_HANDLER.OK: CFLE comes from GR26 bit 63 (ITJ "Access to Hidden State")', () => {
    const s = vmm({ vac: 0x7fn, vpsr: PSR.dt | PSR.rt | PSR.it });
    const r = run(s, [pal({ name: 'PAL_VPS_RESUME_HANDLER', vbr0: 0n, vpd: VPD, vacCfle: 0x7fn })]);
    expect(r.last).toMatchObject({ kind: 'guest-resumed' });
    expect(r.state.rse.cfle).toBe(false);
  });
  test('undefined calls (VTI.PAL.VPS_RESUME_HANDLER.VAC_MISMATCH, VTI.PAL.VPS_SYNC_READ.PSR, VTI.PAL.VPS_SYNC_WRITE.NOT_CURRENT) return without an effect', () => {
    const s = vmm({ vac: 0x7fn });
    for (const call of [
      pal({ name: 'PAL_VPS_RESUME_HANDLER', vbr0: 0n, vpd: VPD, vacCfle: 0x3fn }),
      pal({ name: 'PAL_VPS_SYNC_WRITE', vpd: VPD + 0x2_0000n }),
    ]) {
      const r = run(s, [call]);
      expect(r.last).toEqual({ kind: 'pal-return', status: 0, values: [] });
      expect(r.state).toEqual(run(s, []).state);
    }
    expect(run({ ...s, psr: s.psr | PSR.i }, [pal({ name: 'PAL_VPS_SYNC_READ', vpd: VPD })]).last).toEqual({ kind: 'pal-return', status: 0, values: [] });
  });
  test('VTI.PAL.VPS_SET_PENDING_INTERRUPT.OK latches vhpi; VTI.PAL.VPS_SAVE.OK / VTI.PAL.VPS_RESTORE.OK', () => {
    const s = vmm({ vhpi: 9n });
    const r = run({ ...s, pendingVirtualInterrupt: 0n }, [pal({ name: 'PAL_VPS_SET_PENDING_INTERRUPT', vpd: VPD })]);
    expect(r.state.pendingVirtualInterrupt).toBe(9n);
    const saved = run(s, [pal({ name: 'PAL_VPS_SAVE', vpd: VPD, skipSync: 1n })]).state;
    expect(currentVp(saved)).toBeNull();
    expect(currentVp(run(saved, [pal({ name: 'PAL_VPS_RESTORE', vpd: VPD, gr26: 1n })]).state)?.address).toBe(VPD);
  });
  test('VTI.PAL.VPS_THASH.OK, VTI.PAL.VPS_TTAG.OK: the results come back in GR31', () => {
    const r = run(vmm(), [pal({ name: 'PAL_VPS_THASH', vadr: 0x4000n, vrr: 13n << 2n, vpta: (1n << 24n) | (15n << 2n) | (1n << 8n) })]);
    expect(r.last).toMatchObject({ kind: 'pal-return', status: 0 });
    expect(r.last.kind === 'pal-return' && r.last.values[0] === gr(r.state, 31)).toBe(true);
    const t = run(vmm(), [pal({ name: 'PAL_VPS_TTAG', vadr: 0x4000n, vrr: 13n << 2n })]);
    expect(t.last).toEqual({ kind: 'pal-return', status: 0, values: [gr(t.state, 31)] });
  });
});
