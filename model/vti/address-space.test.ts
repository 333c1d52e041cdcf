import { describe, expect, it } from 'vitest';
import { isImplementedVa } from './address-space.js';
import { conformsVti } from './outcome.js';
import { P, PSR, gr, guest, native, next, obs, run, withGr } from './testing.js';

/** Region 7 with bits 60:50 set and bit 49 clear: implemented for the VMM (IMPL_VA_MSB = 50), not for a guest. */
const VMM_ONLY = 0xfffc_0000_0000_1000n;
/** Bits 60:49 all clear: implemented for both. */
const SHARED = 0xe000_0000_0000_1000n;

describe('the uppermost implemented VA bit (ITJ; SDM 2:70, 3:265)', () => {
  it('VTI.UNIMPL_VA.VMM: with PSR.vm = 0 every implemented bit is usable; bits above IMPL_VA_MSB must repeat it', () => {
    expect(isImplementedVa(VMM_ONLY, P.implVaMsb)).toBe(true);
    expect(isImplementedVa(SHARED, P.implVaMsb)).toBe(true);
    expect(isImplementedVa(0xe008_0000_0000_0000n, P.implVaMsb)).toBe(false);
    const s = { ...withGr(native(guest()), { 34: VMM_ONLY }), memory: new Map([[VMM_ONLY, 0x42n]]) };
    expect(obs(run(s, { op: 'ld8', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 0x42n });
  });
  it('VTI.UNIMPL_VA.DATA: a guest load from the VMM-only half takes the Unimplemented Data Address fault (0x5400, ISR 0x30)', () => {
    const s = { ...withGr(guest(), { 34: VMM_ONLY }), memory: new Map([[VMM_ONLY, 0x42n]]) };
    const o = run(s, { op: 'ld8', r1: 33, r3: 34 });
    expect(obs(o)).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0x30 });
    expect(next(o).cr.get(20)).toBe(VMM_ONLY);
    expect(gr(next(o), 33).value).toBe(0n);
  });
  it('VTI.UNIMPL_VA.DATA: a guest store there changes nothing in memory', () => {
    const s = withGr(guest(), { 34: VMM_ONLY, 35: 7n });
    const o = run(s, { op: 'st8', r3: 34, r2: 35 });
    expect(obs(o)).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0x30 });
    expect(next(o).memory.size).toBe(0);
    expect(obs(run(withGr(guest(), { 34: SHARED, 35: 7n }), { op: 'st8', r3: 34, r2: 35 })).kind).toBe('executed');
  });
  it('VTI.UNIMPL_VA.INSTRUCTION: a guest branch into the VMM-only half traps at the target (0x5e00, ISR 0x10); the fault form is permitted', () => {
    const s = { ...guest(), psr: guest().psr | (2n << 41n) };
    const o = run(s, { op: 'br-cond', qp: 0, target: VMM_ONLY });
    expect(obs(o)).toMatchObject({ kind: 'interruption', vector: 0x5e00, isrCode: 0x10 });
    expect(next(o).cr.get(19)).toBe(VMM_ONLY);
    expect(next(o).cr.get(22)).toBe(s.ip);
    // The trap reports the branch's slot in ISR.ei; the fault form the target's (slot 0).
    expect(next(o).cr.get(17)).toBe(0x10n | (2n << 41n));
    expect(o.permitted).toHaveLength(2);
    expect(o.permitted[1]?.state.cr.get(17)).toBe(0x10n);
    expect(o.permitted.every((p) => conformsVti(p, o))).toBe(true);
    expect(obs(run(native(s), { op: 'br-cond', qp: 0, target: VMM_ONLY })).kind).toBe('executed');
  });
  it('VTI.UNIMPL_VA.PROBE: a guest probe of the VMM-only half returns 0 without a fault (SDM 3:217)', () => {
    for (const access of ['r', 'w'] as const) {
      const o = run(withGr(guest(), { 33: 7n, 34: VMM_ONLY, 35: 0n }), { op: 'probe', access, r1: 33, r3: 34, r2: 35 });
      expect(obs(o)).toEqual({ kind: 'executed', value: 0n });
      expect(gr(next(o), 33)).toEqual({ value: 0n, nat: false });
      expect(o.permitted).toHaveLength(1);
    }
  });
  it('VTI.UNIMPL_VA.PROBE: natively too, and a NaT address still faults first', () => {
    const s = withGr(native(guest()), { 33: 7n, 34: 0xe008_0000_0000_0000n, 35: 0n });
    expect(obs(run(s, { op: 'probe', access: 'r', r1: 33, r3: 34, r2: 35 }))).toEqual({ kind: 'executed', value: 0n });
    const nat = withGr(s, { 34: { value: 0xe008_0000_0000_0000n, nat: true } });
    expect(obs(run(nat, { op: 'probe', access: 'r', r1: 33, r3: 34, r2: 35 }))).toMatchObject({ kind: 'interruption', vector: 0x5600 });
  });
  it('VTI.UNIMPL_VA.THASH_TTAG: thash of an unimplemented address gives NaT and an open value, no fault', () => {
    const s = withGr({ ...native(guest()) }, { 34: 0xe008_0000_0000_0000n });
    const o = run(s, { op: 'thash', r1: 33, r3: 34 });
    expect(obs(o)).toMatchObject({ kind: 'executed', nat: true });
    expect(gr(next(o), 33).nat).toBe(true);
    expect(o.anyValue).toContainEqual({ where: 'gr', index: 33 });
    const t = run(s, { op: 'ttag', r1: 33, r3: 34 });
    expect(gr(next(t), 33).nat).toBe(true);
    expect(next(t).psr & PSR.vm).toBe(0n);
  });
});
