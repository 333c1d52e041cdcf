import { describe, expect, it } from 'vitest';
import { DEFAULT_GUEST } from '../../../spec/vti/machine/initial.js';
import type { PalCall } from '../../../spec/vti/machine/events.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { conformsVti } from '../outcome.js';
import { PSR, VMM_SERVICE_PSR, gr, guest, next, obs, pal, withCr } from '../testing.js';

const VPD = DEFAULT_GUEST.vpdAddress;
const GUEST_IPSR = PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.bn | PSR.vm;

/** The VMM after an intercept of this guest, about to resume it: IPSR/IIP/IFS set up, PSR per the service convention. */
const vmm = (setup: Parameters<typeof guest>[0] = {}): VtiState =>
  withCr({ ...guest(setup), psr: VMM_SERVICE_PSR }, { 16: GUEST_IPSR, 19: 0x0000_0000_0040_0020n, 23: 0n });

const undefinedWith = (s: VtiState, c: PalCall, rule: string) => {
  const o = pal(s, c);
  expect(o.undefinedBehaviour).toBe(true);
  expect(o.rules).toEqual([rule]);
};

describe('PAL_VPS_RESUME_NORMAL / RESUME_HANDLER (SDM 2:489, 2:492)', () => {
  const NORMAL: PalCall = { name: 'PAL_VPS_RESUME_NORMAL', vbr0: 0x77n, vpd: VPD };
  it('VTI.PAL.VPS_RESUME_NORMAL.OK: enters the guest at IIP with PSR = IPSR, BR0 = vbr0, CFLE = 1', () => {
    const o = pal({ ...vmm(), rse: { ...vmm().rse, cfle: false } }, NORMAL);
    expect(obs(o)).toEqual({ kind: 'guest-resumed', ip: 0x0000_0000_0040_0020n });
    expect(next(o).psr).toBe(GUEST_IPSR);
    expect(next(o).br[0]).toBe(0x77n);
    expect(next(o).rse.cfle).toBe(true);
  });
  it('VTI.PAL.VPS_RESUME_NORMAL.PSR: undefined when called with PSR.i = 1 or PSR.bn = 1', () => {
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | PSR.i }, NORMAL, 'VTI.PAL.VPS_RESUME_NORMAL.PSR');
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | PSR.bn }, NORMAL, 'VTI.PAL.VPS_RESUME_NORMAL.PSR');
  });
  it('VTI.PAL.VPS_RESUME_NORMAL.NOT_CURRENT: undefined for a VPD that is not the restored VP', () =>
    undefinedWith(vmm(), { ...NORMAL, vpd: VPD + 0x10000n }, 'VTI.PAL.VPS_RESUME_NORMAL.NOT_CURRENT'));
  it('VTI.PAL.VPS_RESUME_NORMAL.VPSR_IC: undefined with vpsr.ic = 0 while accelerations are on', () => {
    undefinedWith(vmm({ vac: 2n, vpsr: PSR.dt }), NORMAL, 'VTI.PAL.VPS_RESUME_NORMAL.VPSR_IC');
    expect(pal(vmm({ vac: 0n, vpsr: PSR.dt }), NORMAL).undefinedBehaviour).toBe(false);
  });
  const HANDLER = (vacCfle: bigint): PalCall => ({ name: 'PAL_VPS_RESUME_HANDLER', vbr0: 0n, vpd: VPD, vacCfle });
  it('VTI.PAL.VPS_RESUME_HANDLER.OK: CFLE takes GR26 bit 63 — the only way to resume with CFLE = 0 (ITJ)', () => {
    const s = vmm({ vac: 0x7en, vpsr: PSR.dt });
    expect(next(pal(s, HANDLER(0x7en))).rse.cfle).toBe(false);
    expect(next(pal(s, HANDLER(0x7en | (1n << 63n)))).rse.cfle).toBe(true);
    expect(obs(pal(s, HANDLER(0x7en))).kind).toBe('guest-resumed');
  });
  it('VTI.PAL.VPS_RESUME_HANDLER.PSR: undefined with PSR.vm = 1', () =>
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | PSR.vm }, HANDLER(0n), 'VTI.PAL.VPS_RESUME_HANDLER.PSR'));
  it('VTI.PAL.VPS_RESUME_HANDLER.NOT_CURRENT: undefined for a VPD that is not the restored VP', () =>
    undefinedWith(vmm(), { name: 'PAL_VPS_RESUME_HANDLER', vbr0: 0n, vpd: 0x8000n, vacCfle: 0n }, 'VTI.PAL.VPS_RESUME_HANDLER.NOT_CURRENT'));
  it('VTI.PAL.VPS_RESUME_HANDLER.VAC_MISMATCH: undefined when GR26 carries another vac than the VPD', () =>
    undefinedWith(vmm({ vac: 0x7en }), HANDLER(0x7fn), 'VTI.PAL.VPS_RESUME_HANDLER.VAC_MISMATCH'));
});

describe('PAL_VPS_SYNC_*, SET_PENDING_INTERRUPT, SAVE, RESTORE', () => {
  it('VTI.PAL.VPS_SYNC_READ.OK: returns and changes nothing (the model keeps no VPD state elsewhere)', () => {
    const s = vmm();
    const o = pal(s, { name: 'PAL_VPS_SYNC_READ', vpd: VPD });
    expect(obs(o)).toEqual({ kind: 'pal-return', status: 0, values: [] });
    expect(conformsVti({ observation: obs(o), state: s }, o)).toBe(true);
  });
  it('VTI.PAL.VPS_SYNC_READ.PSR: undefined with PSR.it = 0', () =>
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR & ~PSR.it }, { name: 'PAL_VPS_SYNC_READ', vpd: VPD }, 'VTI.PAL.VPS_SYNC_READ.PSR'));
  it('VTI.PAL.VPS_SYNC_READ.NOT_CURRENT: undefined for another VPD', () =>
    undefinedWith(vmm(), { name: 'PAL_VPS_SYNC_READ', vpd: 0n }, 'VTI.PAL.VPS_SYNC_READ.NOT_CURRENT'));
  it('VTI.PAL.VPS_SYNC_WRITE.OK: returns', () => expect(obs(pal(vmm(), { name: 'PAL_VPS_SYNC_WRITE', vpd: VPD }))).toMatchObject({ status: 0 }));
  it('VTI.PAL.VPS_SYNC_WRITE.PSR: undefined at cpl 3', () =>
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | (3n << 32n) }, { name: 'PAL_VPS_SYNC_WRITE', vpd: VPD }, 'VTI.PAL.VPS_SYNC_WRITE.PSR'));
  it('VTI.PAL.VPS_SYNC_WRITE.NOT_CURRENT: undefined for another VPD', () =>
    undefinedWith(vmm(), { name: 'PAL_VPS_SYNC_WRITE', vpd: 0n }, 'VTI.PAL.VPS_SYNC_WRITE.NOT_CURRENT'));
  it('VTI.PAL.VPS_SET_PENDING_INTERRUPT.OK: latches the VPD vhpi for the a_int logic', () => {
    const s = { ...vmm({ vhpi: 7n }), pendingVirtualInterrupt: 0n };
    expect(next(pal(s, { name: 'PAL_VPS_SET_PENDING_INTERRUPT', vpd: VPD })).pendingVirtualInterrupt).toBe(7n);
  });
  it('VTI.PAL.VPS_SET_PENDING_INTERRUPT.PSR: undefined with PSR.ss = 1', () =>
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | PSR.ss }, { name: 'PAL_VPS_SET_PENDING_INTERRUPT', vpd: VPD }, 'VTI.PAL.VPS_SET_PENDING_INTERRUPT.PSR'));
  it('VTI.PAL.VPS_SET_PENDING_INTERRUPT.NOT_CURRENT: undefined for another VPD', () =>
    undefinedWith(vmm(), { name: 'PAL_VPS_SET_PENDING_INTERRUPT', vpd: 0n }, 'VTI.PAL.VPS_SET_PENDING_INTERRUPT.NOT_CURRENT'));
  it('VTI.PAL.VPS_SAVE.OK: the VP is no longer current; IVA still its host IVT', () => {
    const s = next(pal(vmm(), { name: 'PAL_VPS_SAVE', vpd: VPD, skipSync: 1n }));
    expect(s.pal.status === 'initialised' && s.pal.current).toBe(null);
    expect(s.cr.get(2)).toBe(DEFAULT_GUEST.hostIva);
  });
  it('VTI.PAL.VPS_SAVE.PSR: undefined with PSR.db = 1', () =>
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | PSR.db }, { name: 'PAL_VPS_SAVE', vpd: VPD, skipSync: 0n }, 'VTI.PAL.VPS_SAVE.PSR'));
  it('VTI.PAL.VPS_SAVE.NOT_CURRENT: undefined for a VP that is not restored', () =>
    undefinedWith(vmm(), { name: 'PAL_VPS_SAVE', vpd: 0n, skipSync: 0n }, 'VTI.PAL.VPS_SAVE.NOT_CURRENT'));
  it('VTI.PAL.VPS_RESTORE.OK: the VP becomes current; IVA = its host IVT', () => {
    const saved = next(pal(vmm(), { name: 'PAL_VPS_SAVE', vpd: VPD, skipSync: 1n }));
    const s = next(pal(withCr(saved, { 2: 0n }), { name: 'PAL_VPS_RESTORE', vpd: VPD, gr26: 1n }));
    expect(s.pal.status === 'initialised' && s.pal.current).toBe(VPD);
    expect(s.cr.get(2)).toBe(DEFAULT_GUEST.hostIva);
  });
  it('VTI.PAL.VPS_RESTORE.PSR: undefined with PSR.dt = 0', () =>
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR & ~PSR.dt }, { name: 'PAL_VPS_RESTORE', vpd: VPD, gr26: 1n }, 'VTI.PAL.VPS_RESTORE.PSR'));
  it('VTI.PAL.VPS_RESTORE.UNKNOWN_VP: undefined for a VPD never created', () =>
    undefinedWith(vmm(), { name: 'PAL_VPS_RESTORE', vpd: 0x8000n, gr26: 1n }, 'VTI.PAL.VPS_RESTORE.UNKNOWN_VP'));
});

describe('PAL_VPS_THASH / PAL_VPS_TTAG', () => {
  const THASH: PalCall = { name: 'PAL_VPS_THASH', vadr: 0x2000_0000_0004_0000n, vrr: 14n << 2n, vpta: 0x100_0000n | (15n << 2n) | (1n << 8n) };
  it('VTI.PAL.VPS_THASH.OK: the long-format hash comes back in GR31; any value conforms', () => {
    const s = vmm();
    const o = pal(s, THASH);
    expect(obs(o)).toMatchObject({ kind: 'pal-return', status: 0 });
    const other = { observation: { kind: 'pal-return' as const, status: 0, values: [0x1234n] }, state: { ...next(o), gr: next(o).gr.map((g, i) => (i === 31 ? { value: 0x1234n, nat: false } : g)) } };
    expect(conformsVti(other, o)).toBe(true);
    expect(gr(next(o), 31).value).not.toBe(gr(s, 31).value);
  });
  it('VTI.PAL.VPS_THASH.PSR: undefined with PSR.tb = 1', () => undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | PSR.tb }, THASH, 'VTI.PAL.VPS_THASH.PSR'));
  it('VTI.PAL.VPS_TTAG.OK: the tag comes back in GR31; any value conforms, but not a changed GR30', () => {
    const o = pal(vmm(), { name: 'PAL_VPS_TTAG', vadr: 0x4000n, vrr: 14n << 2n });
    expect(o.anyValue).toContainEqual({ where: 'gr', index: 31 });
    const wrong = { observation: obs(o), state: { ...next(o), gr: next(o).gr.map((g, i) => (i === 30 ? { value: 1n, nat: false } : g)) } };
    expect(conformsVti(wrong, o)).toBe(false);
  });
  it('VTI.PAL.VPS_TTAG.PSR: undefined with PSR.is = 1', () =>
    undefinedWith({ ...vmm(), psr: VMM_SERVICE_PSR | PSR.is }, { name: 'PAL_VPS_TTAG', vadr: 0n, vrr: 0n }, 'VTI.PAL.VPS_TTAG.PSR'));
});
