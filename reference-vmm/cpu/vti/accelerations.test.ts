/**
 * vac accelerations and vdc disables (VTI.VAC.*, VTI.VDC.*, VTI.MOV_CR.INTERRUPTION_CR_IC): the
 * accelerated access completes without an intercept on the VPD copy; a disabled resource is accessed
 * directly.
 */
import { describe, expect, test } from 'vitest';
import { guestState, PSR } from '../../../spec/vti/machine/initial.js';
import { PSR_MOV_FROM_MASK } from '../../../spec/vti/psr.js';
import { currentVp, type VtiState } from '../../../spec/vti/machine/state.js';
import { cr, fault, gr, ins, P, run, withCr, withGr } from './test-support.js';

const vpdOf = (s: VtiState) => currentVp(s)!.vp.vpd;
const HANDLER_VPSR = PSR.dt | PSR.rt | PSR.it; // a guest interruption handler: vpsr.ic = 0, bank 0

describe('vac', () => {
  test('VTI.VAC.a_from_int_cr: mov r1 = cr.ifa returns VPD vcr[20] in a guest handler', () => {
    const s = guestState(P, { vac: 0b10n, vpsr: HANDLER_VPSR, vcr: new Map([[20, 0x1234n]]) });
    const r = run(s, [ins({ op: 'mov-from-cr', r1: 8, cr: 20 })]);
    expect(r.last).toEqual({ kind: 'executed', value: 0x1234n });
    expect(gr(r.state, 8)).toBe(0x1234n);
  });
  test('VTI.MOV_CR.INTERRUPTION_CR_IC: an accelerated access with vpsr.ic = 1 is an Illegal Operation fault', () => {
    const s = guestState(P, { vac: 0b110n });
    expect(run(s, [ins({ op: 'mov-from-cr', r1: 8, cr: 20 })]).last).toMatchObject(fault('illegalOperation'));
    expect(run(s, [ins({ op: 'mov-to-cr', cr: 16, r2: 8 })]).last).toMatchObject(fault('illegalOperation'));
  });
  test('VTI.VAC.a_to_int_cr: mov cr.iip = r2 writes VPD vcr[19], not the physical IIP', () => {
    const s = withGr(guestState(P, { vac: 0b100n, vpsr: HANDLER_VPSR }), 8, 0x4000n);
    const r = run(s, [ins({ op: 'mov-to-cr', cr: 19, r2: 8 })]);
    expect(r.last).toEqual({ kind: 'executed' });
    expect(vpdOf(r.state).vcr.get(19)).toBe(0x4000n);
    expect(cr(r.state, 19)).toBe(cr(s, 19));
  });
  test('without a_to_int_cr the same write intercepts (cause 4)', () => {
    expect(run(guestState(P, { vpsr: HANDLER_VPSR }), [ins({ op: 'mov-to-cr', cr: 19, r2: 8 })]).last).toMatchObject({ kind: 'intercept', cause: 4 });
  });
  test('VTI.VAC.a_from_psr: mov r1 = psr returns vpsr masked to {36:35} and {31:0}, the user mask from the PSR', () => {
    const vpsr = HANDLER_VPSR | PSR.bn | PSR.mc | PSR.pk | PSR.up;
    const s = guestState(P, { vac: 0b1000n, vpsr });
    // The guest's mov psr.um: ac set, up cleared on the PSR, vpsr untouched.
    const r = run({ ...s, psr: (s.psr | PSR.ac) & ~PSR.up }, [ins({ op: 'mov-from-psr', r1: 8 })]);
    expect(r.last).toEqual({ kind: 'executed', value: ((vpsr & ~PSR.up) | PSR.ac) & PSR_MOV_FROM_MASK });
  });
  test('VTI.VAC.a_from_psr: a guest mov psr.um leaves vpsr alone and is seen by the next mov r1 = psr', () => {
    const s = withGr(guestState(P, { vac: 0b1000n, vpsr: HANDLER_VPSR | PSR.ic }), 9, PSR.be | PSR.mfl);
    const r = run(s, [ins({ op: 'mov-to-psr-um', r2: 9 }), ins({ op: 'mov-from-psr', r1: 8 })]);
    expect(vpdOf(r.state).vpsr).toBe(HANDLER_VPSR | PSR.ic);
    expect(gr(r.state, 8) & 0x3fn).toBe(PSR.be | PSR.mfl);
  });
  test('VTI.VAC.a_from_cpuid: mov r1 = cpuid[r3] returns VPD vcpuid[]', () => {
    const s = guestState(P, { vac: 0b1_0000n });
    const r = run(withGr(s, 9, 1n), [ins({ op: 'mov-from-cpuid', r1: 8, r3: 9 })]);
    expect(r.last).toEqual({ kind: 'executed', value: vpdOf(s).vcpuid[1] });
  });
  test('VTI.VAC.a_cover: cover covers the frame and writes the virtual IFS when vpsr.ic = 0', () => {
    const s = guestState(P, { vac: 0b10_0000n, vpsr: HANDLER_VPSR, cfm: { sof: 10, sol: 4 } });
    const r = run(s, [ins({ op: 'cover' })]);
    expect(r.last).toEqual({ kind: 'executed' });
    expect(r.state.rse.cfm).toEqual({ sof: 0, sol: 0 });
    expect(vpdOf(r.state).vcr.get(23)).toBe((1n << 63n) | 10n | (4n << 7n));
    expect(cr(r.state, 23)).toBe(cr(s, 23));
  });
  test('VTI.VAC.a_bsw: bsw.0 saves the guest bank-1 registers in vgr, loads vbgr and clears vpsr.bn', () => {
    let s = guestState(P, { vac: 0b100_0000n });
    s = withGr(withGr(s, 16, 0x16n), 31, 0x31n, true);
    const vpd = vpdOf(s);
    const vbgr = vpd.vbgr.map((_g, i) => ({ value: 0x100n + BigInt(i), nat: i === 2 }));
    const vps = new Map([...(s.pal.status === 'initialised' ? s.pal.vps : [])].map(([k, v]) => [k, { ...v, vpd: { ...v.vpd, vbgr } }]));
    s = { ...s, pal: s.pal.status === 'initialised' ? { ...s.pal, vps } : s.pal };
    const r = run(s, [ins({ op: 'bsw', bank: 0 })]);
    expect(r.last).toEqual({ kind: 'executed' });
    const after = vpdOf(r.state);
    expect(after.vgr[0]).toEqual({ value: 0x16n, nat: false });
    expect(after.vgr[15]).toEqual({ value: 0x31n, nat: true });
    expect(r.state.gr[16]).toEqual({ value: 0x100n, nat: false });
    expect(r.state.gr[18]).toEqual({ value: 0x102n, nat: true });
    expect((after.vpsr & PSR.bn) === 0n).toBe(true);
    // The physical bank did not change: PSR.bn is still 1.
    expect((r.state.psr & PSR.bn) !== 0n).toBe(true);
  });
});

describe('vdc', () => {
  test('VTI.VDC.d_extint: the guest reads IVR directly (acknowledging the physical interrupt)', () => {
    let s = guestState(P, { vdc: 0b10n });
    s = withCr(s, 68, 1n << 40n);
    const r = run({ ...s, psr: s.psr & ~PSR.i }, [ins({ op: 'mov-from-cr', r1: 8, cr: 65 })]);
    expect(r.last).toEqual({ kind: 'executed', value: 40n });
    expect(r.state.inService).toBe(1n << 40n);
  });
  test('VTI.VDC.d_itm: the guest writes ITM directly', () => {
    const r = run(withGr(guestState(P, { vdc: 0b10_0000n }), 8, 77n), [ins({ op: 'mov-to-cr', cr: 1, r2: 8 })]);
    expect(r.last).toEqual({ kind: 'executed' });
    expect(cr(r.state, 1)).toBe(77n);
  });
  test('VTI.VDC.d_ibr_dbr, VTI.VDC.d_pmc, VTI.VDC.d_to_pmd: the registers are written directly', () => {
    const s = withGr(withGr(guestState(P, { vdc: 0b1_1100n }), 8, 3n), 9, 0x55n);
    for (const file of ['ibr', 'dbr', 'pmc', 'pmd'] as const) {
      const r = run(s, [ins({ op: 'mov-to-ind', file, r3: 8, r2: 9 })]);
      expect(r.last).toEqual({ kind: 'executed' });
      expect(r.state[file].get(3)).toBe(0x55n);
    }
  });
  test('VTI.VDC.d_vmsw: every vmsw intercepts (cause 40)', () => {
    expect(run(guestState(P, { vdc: 1n }), [ins({ op: 'vmsw', to: 0 })]).last).toMatchObject({ kind: 'intercept', cause: 40 });
  });
});
