/**
 * Native execution (PSR.vm = 0): interruption delivery, the register stack, branches, computation
 * (VTI.INTERRUPTION.DELIVERY, VTI.NATIVE.*).
 */
import { describe, expect, test } from 'vitest';
import { initialVtiState, PSR } from '../../../spec/vti/machine/initial.js';
import { NO_VT_PROFILE } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { cr, fault, gr, ins, P, run, withCr, withGr } from './test-support.js';

const IVA = 0x10_0000n;
/** The VMM at 0x4000, slot 0, PSR.ic = `ic`, a frame of 16 with 8 locals. */
const vmm = (ic = true): VtiState => {
  const s = initialVtiState(P);
  return withCr({ ...s, ip: 0x4000n, psr: ic ? s.psr : s.psr & ~PSR.ic, rse: { ...s.rse, cfm: { sof: 16, sol: 8 } } }, 2, IVA);
};

describe('interruption delivery', () => {
  test('VTI.INTERRUPTION.DELIVERY: with PSR.ic = 1, IPSR / IIP / IIPA / ISR / IIM are written and the PSR is cleared but for the kept bits', () => {
    const s = vmm();
    const r = run(s, [ins({ op: 'nop' }), ins({ op: 'break', imm21: 0x42 })]);
    expect(r.last).toMatchObject(fault('breakInstruction'));
    expect(cr(r.state, 16)).toBe(s.psr | (1n << 41n));
    expect(cr(r.state, 19)).toBe(0x4000n);
    expect(cr(r.state, 22)).toBe(0x4000n);
    expect(cr(r.state, 17)).toBe(1n << 41n);
    expect(cr(r.state, 24)).toBe(0x42n);
    expect(r.state.psr).toBe(PSR.dt | PSR.rt | PSR.it);
    expect(r.state.ip).toBe(IVA + 0x2c00n);
  });
  test('VTI.INTERRUPTION.DELIVERY: with PSR.ic = 0 only ISR is written (ni = 1), and IIPA does not move (SDM 3.3.5.6)', () => {
    const s = vmm(false);
    const r = run(s, [ins({ op: 'nop' }), ins({ op: 'break', imm21: 0x42 })]);
    expect(r.state.lastIp).toBe(s.lastIp);
    expect(cr(r.state, 19)).toBe(0n);
    expect(cr(r.state, 24)).toBe(0n);
    expect(cr(r.state, 17)).toBe((1n << 39n) | (1n << 41n));
  });
  test('VTI.INTERRUPTION.DELIVERY: the RSE keeps the frame but stops loading into it: CFLE = 0 in the handler, until rfi', () => {
    const s = vmm();
    expect(s.rse.cfle).toBe(true);
    const r = run(s, [ins({ op: 'break', imm21: 1 })]);
    expect(r.state.rse.cfle).toBe(false);
    expect(r.state.rse.cfm).toEqual({ sof: 16, sol: 8 });
    const back = run(withCr(withCr(r.state, 16, PSR.ic | PSR.dt | PSR.it | PSR.rt), 19, 0x9000n), [ins({ op: 'rfi' })]);
    expect(back.state.rse.cfle).toBe(true);
  });
});

describe('register stack and branches', () => {
  test('VTI.NATIVE.BRANCH: br.call saves the caller frame in AR.PFS and br.ret restores it', () => {
    let s = withGr(withGr(vmm(), 32, 0x11n), 40, 0x22n);
    s = { ...s, ar: new Map([[66, 5n]]) };
    const r = run(s, [ins({ op: 'br-call', b1: 0, target: 0x8000n })]);
    expect(r.state.rse.cfm).toEqual({ sof: 8, sol: 0 });
    expect(gr(r.state, 32)).toBe(0x22n);
    expect(r.state.br[0]).toBe(0x4010n);
    expect(r.state.ar.get(64)).toBe(16n | (8n << 7n) | (5n << 52n));
    expect(r.state.ip).toBe(0x8000n);
    const back = run(r.state, [ins({ op: 'br-ret', b2: 0 })]);
    expect(back.state.rse.cfm).toEqual({ sof: 16, sol: 8 });
    expect(gr(back.state, 32)).toBe(0x11n);
    expect(gr(back.state, 40)).toBe(0x22n);
    expect(back.state.ip).toBe(0x4010n);
  });
  test('VTI.NATIVE.RFI: IPSR.vm sets PSR.vm only where the VM features are implemented', () => {
    const s = withCr(withCr(vmm(false), 16, PSR.dt | PSR.rt | PSR.it | PSR.vm), 19, 0x8000n);
    expect(run(s, [ins({ op: 'rfi' })], NO_VT_PROFILE).state.psr).toBe(PSR.dt | PSR.rt | PSR.it);
    expect(run(s, [ins({ op: 'rfi' })]).state.psr).toBe(PSR.dt | PSR.rt | PSR.it | PSR.vm);
  });
  test('VTI.NATIVE.COVER, VTI.NATIVE.RFI: cover (PSR.ic = 0) writes IFS; rfi restores the frame, PSR = IPSR, IP = IIP', () => {
    const s = withCr(withCr(withGr(vmm(false), 33, 0x33n), 16, PSR.ic | PSR.dt | PSR.it | PSR.rt | (2n << 41n)), 19, 0x9000n);
    const r = run(s, [ins({ op: 'cover' }), ins({ op: 'rfi' })]);
    expect(r.obs).toEqual([{ kind: 'executed' }, { kind: 'executed' }]);
    expect(r.state.rse.cfm).toEqual({ sof: 16, sol: 8 });
    expect(gr(r.state, 33)).toBe(0x33n);
    expect(r.state.ip).toBe(0x9000n);
    expect(r.state.psr).toBe(PSR.ic | PSR.dt | PSR.it | PSR.rt | (2n << 41n));
    expect(r.state.rse.cfle).toBe(true);
  });
  test('VTI.NATIVE.ALLOC, VTI.NATIVE.REGISTER_FRAME: alloc resizes the frame; a register beyond it is illegal', () => {
    const r = run(vmm(), [ins({ op: 'alloc', r1: 35, sof: 4, sol: 2 }), ins({ op: 'add', r1: 8, r2: 36, r3: 0 })]);
    expect(r.obs[0]).toMatchObject({ kind: 'executed' });
    expect(r.obs[1]).toMatchObject(fault('illegalOperation'));
    expect(run(vmm(), [ins({ op: 'alloc', r1: 8, sof: 97, sol: 0 })]).last).toMatchObject(fault('illegalOperation'));
  });
});

describe('computation and memory', () => {
  test('VTI.NATIVE.COMPUTE: add propagates NaT; cmp with a NaT source clears both predicates; GR0 is not a target', () => {
    const s = withGr(vmm(), 9, 1n, true);
    expect(run(s, [ins({ op: 'add', r1: 8, r2: 9, r3: 0 })]).last).toEqual({ kind: 'executed', value: 1n, nat: true });
    const c = run({ ...s, pr: 0b110n | 1n }, [ins({ op: 'cmp', relation: 'eq', p1: 1, p2: 2, r2: 9, r3: 0 })]);
    expect(c.state.pr).toBe(1n);
    expect(run(s, [ins({ op: 'mov-imm', r1: 0, imm: 1n })]).last).toMatchObject(fault('illegalOperation'));
  });
  test('VTI.NATIVE.MEMORY: st8 / ld8 round-trip; a misaligned address is an Unaligned Reference fault', () => {
    const s = withGr(withGr(vmm(), 9, 0x5000n), 10, 0xabn);
    const r = run(s, [ins({ op: 'st8', r3: 9, r2: 10 }), ins({ op: 'ld8', r1: 8, r3: 9 })]);
    expect(r.last).toEqual({ kind: 'executed', value: 0xabn });
    expect(run(withGr(s, 9, 0x5004n), [ins({ op: 'ld8', r1: 8, r3: 9 })]).last).toMatchObject(fault('unalignedReference'));
  });
  test('VTI.NATIVE.MOV_PSR, VTI.NATIVE.SSM_RSM: reserved PSR bits are a Reserved Register/Field fault', () => {
    expect(run(vmm(), [ins({ op: 'ssm', imm24: 1 << 6 })]).last).toMatchObject(fault('reservedRegisterField'));
    expect(run(vmm(), [ins({ op: 'ssm', imm24: 1 << 14 })]).last).toEqual({ kind: 'executed' });
  });
  test('VTI.NATIVE.PROBE_DTLB_ONLY: with PSR.dt = 0 a probe miss is an Alternate Data TLB fault, whatever the walker', () => {
    // PTA.ve = 1, RR[0].ve = 1: with PSR.dt = 1 the same miss is a Data TLB fault.
    const s = { ...withGr(withCr(vmm(), 8, 0x8000_0001n), 10, 0x6010n), rr: [1n | (13n << 2n), 0n, 0n, 0n, 0n, 0n, 0n, 0n] };
    const probe = ins({ op: 'probe', access: 'w', r1: 8, r3: 10, r2: 0 });
    expect(run({ ...s, psr: s.psr | PSR.dt }, [probe]).last).toMatchObject({ kind: 'interruption', vector: 0x0800 });
    expect(run({ ...s, psr: s.psr & ~PSR.dt }, [probe]).last).toMatchObject({ kind: 'interruption', vector: 0x1000, isrCode: 2 });
  });
  test('VTI.NATIVE.ITC, VTI.NATIVE.TPA, VTI.NATIVE.PTC: itc inserts at IFA, tpa translates, ptc.e purges', () => {
    let s = withCr(withCr(vmm(false), 20, 0x6000n), 21, 13n << 2n);
    s = withGr(withGr(s, 9, 1n | (0x8000_0000n)), 10, 0x6010n);
    const r = run(s, [ins({ op: 'itc', side: 'd', r2: 9 }), ins({ op: 'tpa', r1: 8, r3: 10 }), ins({ op: 'ptc-e', r3: 0 }), ins({ op: 'tpa', r1: 8, r3: 10 })]);
    expect(r.obs[1]).toEqual({ kind: 'executed', value: 0x8000_0010n });
    expect(r.obs[3]).toMatchObject({ kind: 'interruption', vector: 0x1000 });
    expect(run(withCr(s, 8, 0n), [ins({ op: 'itc', side: 'd', r2: 9 })]).last).toEqual({ kind: 'executed' });
    expect(run({ ...s, psr: s.psr | PSR.ic }, [ins({ op: 'itc', side: 'd', r2: 9 })]).last).toMatchObject(fault('illegalOperation'));
  });
});
