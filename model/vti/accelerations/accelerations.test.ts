import { describe, expect, it } from 'vitest';
import { PSR_MOV_FROM_MASK } from '../../../spec/vti/psr.js';
import { PSR, gr, guest, next, obs, run, vpdOf, withGr, withPsr } from '../testing.js';

const VAC = { a_int: 1n, a_from_int_cr: 2n, a_to_int_cr: 4n, a_from_psr: 8n, a_from_cpuid: 16n, a_cover: 32n, a_bsw: 64n } as const;
/** A guest interruption handler: vpsr.ic = 0, as when guest handlers touch the interruption CRs. */
const HANDLER_VPSR = PSR.dt | PSR.rt | PSR.it | PSR.bn;

describe('vac accelerations (SDM rev 2.3 §11.7.4.2)', () => {
  it('VTI.VAC.a_from_int_cr: a guest read of cr.iip returns VPD vcr[19] without an intercept', () => {
    const s = guest({ vac: VAC.a_from_int_cr, vpsr: HANDLER_VPSR, vcr: new Map([[19, 0x4000_0010n]]) });
    const o = run(s, { op: 'mov-from-cr', r1: 33, cr: 19 });
    expect(obs(o)).toEqual({ kind: 'executed', value: 0x4000_0010n });
    expect(gr(next(o), 33).value).toBe(0x4000_0010n);
    expect(o.rules).toContain('VTI.VAC.a_from_int_cr');
    expect(obs(run(guest({ vpsr: HANDLER_VPSR }), { op: 'mov-from-cr', r1: 33, cr: 19 })).kind).toBe('intercept');
  });
  it('VTI.VAC.a_from_int_cr: CRs outside CR16-CR25 still intercept (cr.pta)', () => {
    expect(obs(run(guest({ vac: VAC.a_from_int_cr, vpsr: HANDLER_VPSR }), { op: 'mov-from-cr', r1: 33, cr: 8 })).kind).toBe('intercept');
  });
  it('VTI.VAC.a_to_int_cr: a guest write of cr.ifa goes to VPD vcr[20], not the physical CR', () => {
    const s = withGr(guest({ vac: VAC.a_to_int_cr, vpsr: HANDLER_VPSR }), { 33: 0x1234_5678n });
    const o = run(s, { op: 'mov-to-cr', cr: 20, r2: 33 });
    expect(obs(o).kind).toBe('executed');
    expect(vpdOf(next(o)).vcr.get(20)).toBe(0x1234_5678n);
    expect(next(o).cr.get(20)).toBe(s.cr.get(20));
  });
  it('VTI.VAC.a_from_psr: mov r1 = psr returns vpsr{31:6, 36:35} and the user mask PSR{5:0} of the real PSR, the only permitted value', () => {
    const vpsr = HANDLER_VPSR | PSR.i | PSR.ic | PSR.up | (1n << 40n);
    // The guest's own mov psr.um set ac and cleared up on the real PSR; vpsr still has the VMM's copy.
    const s = withPsr(guest({ vac: VAC.a_from_psr, vpsr }), PSR.ac, PSR.up);
    const o = run(s, { op: 'mov-from-psr', r1: 33 });
    expect(obs(o)).toEqual({ kind: 'executed', value: ((vpsr & ~PSR.up) | PSR.ac) & PSR_MOV_FROM_MASK });
    expect(o.permitted).toHaveLength(1);
  });
  it('VTI.VAC.a_from_psr: after a guest mov psr.um the accelerated read sees the new user mask', () => {
    const s = withGr(guest({ vac: VAC.a_from_psr, vpsr: HANDLER_VPSR | PSR.ic }), { 33: PSR.ac | PSR.mfl });
    const after = next(run(s, { op: 'mov-to-psr-um', r2: 33 }));
    expect(vpdOf(after).vpsr).toBe(HANDLER_VPSR | PSR.ic);
    const v = obs(run(after, { op: 'mov-from-psr', r1: 34 }));
    expect(v.kind === 'executed' ? (v.value ?? 0n) & 0x3fn : null).toBe(PSR.ac | PSR.mfl);
  });
  it('VTI.VAC.a_from_cpuid: mov r1 = cpuid[r3] returns VPD vcpuid[r3] at any cpl', () => {
    const base = guest({ vac: VAC.a_from_cpuid, cpl: 3 });
    const vps = new Map(base.pal.status === 'initialised' ? base.pal.vps : []);
    const [addr, vp] = [...vps][0] ?? [];
    if (addr === undefined || vp === undefined || base.pal.status !== 'initialised') throw new Error('no VP');
    vps.set(addr, { ...vp, vpd: { ...vp.vpd, vcpuid: [1n, 2n, 0xabcn, 4n, 5n] } });
    const s = withGr({ ...base, pal: { ...base.pal, vps } }, { 34: 2n });
    expect(obs(run(s, { op: 'mov-from-cpuid', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 0xabcn });
    expect(obs(run(withGr(s, { 34: 5n }), { op: 'mov-from-cpuid', r1: 33, r3: 34 }))).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0x30 });
  });
  it('VTI.VAC.a_cover: cover at guest cpl 0 writes the virtual IFS when vpsr.ic = 0, without an intercept', () => {
    const s = guest({ vac: VAC.a_cover, vpsr: HANDLER_VPSR, cfm: { sof: 10, sol: 4 } });
    const o = run(s, { op: 'cover' });
    expect(obs(o).kind).toBe('executed');
    expect(vpdOf(next(o)).vcr.get(23)).toBe((1n << 63n) | 10n | (4n << 7n));
    expect(next(o).rse.cfm).toEqual({ sof: 0, sol: 0 });
    expect(next(o).cr.get(23)).toBe(s.cr.get(23));
  });
  it('VTI.VAC.a_cover: with vpsr.ic = 1 the virtual IFS is left alone', () => {
    const s = guest({ vac: VAC.a_cover, cfm: { sof: 10, sol: 4 } });
    expect(vpdOf(next(run(s, { op: 'cover' }))).vcr.get(23)).toBe(vpdOf(s).vcr.get(23));
  });
  it('VTI.VAC.a_bsw: bsw.0 saves the guest bank-1 GR16-31 in vgr, loads vbgr, and clears vpsr.bn', () => {
    const s = withGr(guest({ vac: VAC.a_bsw }), { 16: 0x16n, 31: 0x31n });
    const o = run(s, { op: 'bsw', bank: 0 });
    const after = next(o);
    expect(obs(o).kind).toBe('executed');
    expect(vpdOf(after).vgr[0]?.value).toBe(0x16n);
    expect(vpdOf(after).vgr[15]?.value).toBe(0x31n);
    expect(gr(after, 16).value).toBe(0n);
    expect(vpdOf(after).vpsr & PSR.bn).toBe(0n);
    expect(after.psr & PSR.bn).toBe(PSR.bn);
    const back = next(run(after, { op: 'bsw', bank: 1 }));
    expect(gr(back, 16).value).toBe(0x16n);
    expect(vpdOf(back).vpsr & PSR.bn).toBe(PSR.bn);
  });
});

describe('vdc disables (SDM rev 2.3 §11.7.4.3)', () => {
  const VDC = { d_vmsw: 1n, d_extint: 2n, d_ibr_dbr: 4n, d_pmc: 8n, d_to_pmd: 16n, d_itm: 32n } as const;
  it('VTI.VDC.d_extint: guest reads of cr.tpr act on the real register without an intercept', () => {
    const s = { ...guest({ vdc: VDC.d_extint }), cr: new Map([[66, 0x20n], [2, 0xfffc_0000_0010_0000n]]) };
    expect(obs(run(s, { op: 'mov-from-cr', r1: 33, cr: 66 }))).toEqual({ kind: 'executed', value: 0x20n });
    expect(obs(run(guest(), { op: 'mov-from-cr', r1: 33, cr: 66 })).kind).toBe('intercept');
  });
  it('VTI.VDC.d_ibr_dbr: guest writes of ibr reach the real IBR', () => {
    const s = withGr(guest({ vdc: VDC.d_ibr_dbr }), { 33: 3n, 34: 0x77n });
    const o = run(s, { op: 'mov-to-ind', file: 'ibr', r3: 33, r2: 34 });
    expect(obs(o).kind).toBe('executed');
    expect(next(o).ibr.get(3)).toBe(0x77n);
  });
  it('VTI.VDC.d_pmc: guest reads of pmc reach the real PMC', () => {
    const s = { ...withGr(guest({ vdc: VDC.d_pmc }), { 33: 4n }), pmc: new Map([[4, 0x99n]]) };
    expect(obs(run(s, { op: 'mov-from-ind', file: 'pmc', r1: 34, r3: 33 }))).toEqual({ kind: 'executed', value: 0x99n });
  });
  it('VTI.VDC.d_to_pmd: guest writes of pmd reach the real PMD', () => {
    const s = withGr(guest({ vdc: VDC.d_to_pmd }), { 33: 4n, 34: 5n });
    const o = run(s, { op: 'mov-to-ind', file: 'pmd', r3: 33, r2: 34 });
    expect(next(o).pmd.get(4)).toBe(5n);
  });
  it('VTI.VDC.d_itm: guest writes of cr.itm reach the real ITM', () => {
    const s = withGr(guest({ vdc: VDC.d_itm }), { 33: 0x5000n });
    const o = run(s, { op: 'mov-to-cr', cr: 1, r2: 33 });
    expect(obs(o).kind).toBe('executed');
    expect(next(o).cr.get(1)).toBe(0x5000n);
  });
  it('VTI.VDC.d_vmsw: with vdc.d_vmsw = 1 a vmsw that could switch intercepts instead', () => {
    const page = { vadr: 0x0000_0000_0040_0000n, rid: 0n, ps: 14, pte: 7n << 9n, key: 0n };
    const base = guest();
    const s = { ...base, tlb: { ...base.tlb, itc: [page] } };
    expect(obs(run(s, { op: 'vmsw', to: 0 })).kind).toBe('executed');
    const d = guest({ vdc: VDC.d_vmsw });
    const o = run({ ...d, tlb: { ...d.tlb, itc: [page] } }, { op: 'vmsw', to: 0 });
    expect(obs(o)).toMatchObject({ kind: 'intercept', cause: 40 });
    expect(o.rules).toContain('VTI.VDC.d_vmsw');
  });
});
