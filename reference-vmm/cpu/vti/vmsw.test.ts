/** vmsw (VTI.VMSW.ILLEGAL, VTI.VMSW.SWITCH, VTI.INTERCEPT.VMSW). */
import { describe, expect, test } from 'vitest';
import { guestState, PSR } from '../../../spec/vti/machine/initial.js';
import { NO_VT_PROFILE, DEFAULT_VTI_PROFILE, PAL_FEATURE_VMSW } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { fault, ins, P, run } from './test-support.js';

/** The guest's code page in the ITC with access rights `ar`. */
const codePage = (s: VtiState, ar: bigint): VtiState => ({
  ...s, tlb: { ...s.tlb, itc: [{ vadr: s.ip & ~0x3fffn, rid: 0n, ps: 14, pte: 1n | (ar << 9n), key: 0n }] },
});

describe('vmsw', () => {
  test('VTI.VMSW.ILLEGAL: Illegal Operation without VT-i or without vmsw', () => {
    const noVmsw = { ...DEFAULT_VTI_PROFILE, palProcFeatures: DEFAULT_VTI_PROFILE.palProcFeatures & ~(1n << PAL_FEATURE_VMSW) };
    expect(run(guestState(P), [ins({ op: 'vmsw', to: 0 })], noVmsw).last).toMatchObject(fault('illegalOperation'));
    expect(run(guestState(P, { cpl: 3 }), [ins({ op: 'vmsw', to: 0 })], NO_VT_PROFILE).last).toMatchObject(fault('illegalOperation'));
  });
  test('VTI.ORDER.PRIVILEGED_FIRST: Privileged Operation at cpl > 0', () => {
    expect(run(codePage(guestState(P, { cpl: 2 }), 7n), [ins({ op: 'vmsw', to: 0 })]).last).toMatchObject(fault('privilegedOperation'));
  });
  test('VTI.VMSW.SWITCH: on a page with access rights 7, PSR.it = 1 and d_vmsw = 0, vmsw.0 leaves the guest without an intercept', () => {
    const r = run(codePage(guestState(P), 7n), [ins({ op: 'vmsw', to: 0 })]);
    expect(r.last).toEqual({ kind: 'executed' });
    expect(r.state.psr & PSR.vm).toBe(0n);
    const back = run(r.state, [ins({ op: 'vmsw', to: 1 })]);
    expect(back.state.psr & PSR.vm).toBe(PSR.vm);
  });
  test('VTI.INTERCEPT.VMSW: another access right, or PSR.it = 0, intercepts with cause 40', () => {
    expect(run(codePage(guestState(P), 3n), [ins({ op: 'vmsw', to: 0 })]).last).toMatchObject({ kind: 'intercept', cause: 40 });
    const s = codePage(guestState(P), 7n);
    expect(run({ ...s, psr: s.psr & ~PSR.it }, [ins({ op: 'vmsw', to: 0 })]).last).toMatchObject({ kind: 'intercept', cause: 40 });
  });
});
