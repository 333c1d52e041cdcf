import { describe, expect, it } from 'vitest';
import { NO_VT_PROFILE } from '../../spec/vti/machine/profile.js';
import { initialVtiState } from '../../spec/vti/machine/initial.js';
import { P, PSR, guest, next, obs, run } from './testing.js';

const page = (ar: bigint) => ({ vadr: 0x0000_0000_0040_0000n, rid: 0n, ps: 14, pte: ar << 9n, key: 0n });

describe('vmsw (SDM 3:273, §11.7.4.3.1)', () => {
  it('VTI.VMSW.SWITCH: vmsw.0 from a guest on an access-rights-7 page with PSR.it = 1 clears PSR.vm without an intercept', () => {
    const s = guest();
    const o = run({ ...s, tlb: { ...s.tlb, itc: [page(7n)] } }, { op: 'vmsw', to: 0 });
    expect(obs(o).kind).toBe('executed');
    expect(next(o).psr & PSR.vm).toBe(0n);
  });
  it('VTI.VMSW.SWITCH: vmsw.1 from the VMM sets PSR.vm; on a page with other rights it intercepts even with PSR.vm = 0', () => {
    const s = { ...initialVtiState(P), ip: 0x0000_0000_0040_0000n };
    const ok = run({ ...s, tlb: { ...s.tlb, itc: [page(7n)] } }, { op: 'vmsw', to: 1 });
    expect(next(ok).psr & PSR.vm).toBe(PSR.vm);
    expect(obs(run({ ...s, tlb: { ...s.tlb, itc: [page(3n)] } }, { op: 'vmsw', to: 1 }))).toMatchObject({ kind: 'intercept', cause: null });
  });
  it('VTI.VMSW.SWITCH: with PSR.it = 0 vmsw does not switch', () => {
    const s = guest();
    const o = run({ ...s, psr: s.psr & ~PSR.it, tlb: { ...s.tlb, itc: [page(7n)] } }, { op: 'vmsw', to: 0 });
    expect(obs(o)).toMatchObject({ kind: 'intercept', cause: 40 });
  });
  it('VTI.VMSW.ILLEGAL: without the VM features vmsw is an Illegal Operation fault, before the cpl check', () => {
    const s = { ...initialVtiState(NO_VT_PROFILE), psr: initialVtiState(NO_VT_PROFILE).psr | (3n << 32n) };
    expect(obs(run(s, { op: 'vmsw', to: 1 }, NO_VT_PROFILE))).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0 });
  });
  it('VTI.ORDER.PRIVILEGED_FIRST: vmsw at cpl 3 is a Privileged Operation fault', () => {
    expect(obs(run(guest({ cpl: 3 }), { op: 'vmsw', to: 0 }))).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0x10 });
  });
});
