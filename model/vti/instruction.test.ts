import { describe, expect, it } from 'vitest';
import { DEFAULT_GUEST } from '../../spec/vti/machine/initial.js';
import { conformsVti } from './outcome.js';
import { PSR, gr, guest, native, next, obs, run, withCr, withGr, withPsr } from './testing.js';

describe('the order of checks (SDM Vol. 3 pseudo-code)', () => {
  it('VTI.ORDER.PRIVILEGED_FIRST: a guest mov from cr at cpl 3 takes the Privileged Operation fault, not an intercept', () => {
    const o = run(guest({ cpl: 3 }), { op: 'mov-from-cr', r1: 33, cr: 8 });
    expect(obs(o)).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0x10 });
    expect(o.rules[0]).toBe('VTI.ORDER.PRIVILEGED_FIRST');
    expect(next(o).cr.get(19)).toBe(guest().ip);
  });
  it('VTI.ORDER.PRIVILEGED_FIRST: an accelerated privileged instruction also faults first (bsw at cpl 2 with vac.a_bsw)', () => {
    expect(obs(run(guest({ cpl: 2, vac: 64n }), { op: 'bsw', bank: 0 }))).toMatchObject({ vector: 0x5400, isrCode: 0x10 });
  });
  it('VTI.ORDER.PRIVILEGED_REGISTER: a guest write of ar.itc at cpl 3 is a Privileged Register fault (0x20)', () => {
    expect(obs(run(guest({ cpl: 3 }), { op: 'mov-to-ar', ar: 44, r2: 33 }))).toMatchObject({ vector: 0x5400, isrCode: 0x20 });
    const si = withPsr(guest({ cpl: 3 }), PSR.si);
    expect(obs(run(si, { op: 'mov-from-ar', r1: 33, ar: 44 }))).toMatchObject({ vector: 0x5400, isrCode: 0x20 });
  });
  it('VTI.ORDER.OPERAND_CHECKS_FIRST: a register outside the frame faults Illegal Operation before privilege and intercept', () => {
    const o = run(guest({ cpl: 3, cfm: { sof: 2, sol: 0 } }), { op: 'mov-from-cr', r1: 40, cr: 8 });
    expect(obs(o)).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0 });
    expect(o.rules).toContain('VTI.ORDER.OPERAND_CHECKS_FIRST');
    expect(obs(run(guest(), { op: 'mov-from-cr', r1: 33, cr: 3 }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
  });
  it('VTI.MOV_CR.INTERRUPTION_CR_IC: natively, cr.iip with PSR.ic = 1 is an Illegal Operation fault; with ic = 0 it reads', () => {
    const s = native(guest());
    expect(obs(run(s, { op: 'mov-from-cr', r1: 33, cr: 19 }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
    const off = withCr(withPsr(s, 0n, PSR.ic), { 19: 0x5550n });
    expect(obs(run(off, { op: 'mov-from-cr', r1: 33, cr: 19 }))).toEqual({ kind: 'executed', value: 0x5550n });
  });
  it('VTI.MOV_CR.INTERRUPTION_CR_IC: accelerated with vpsr.ic = 1 the model faults and also permits the completed read', () => {
    const o = run(guest({ vac: 2n }), { op: 'mov-from-cr', r1: 33, cr: 19 });
    expect(obs(o)).toMatchObject({ vector: 0x5400, isrCode: 0 });
    const done = o.permitted[1];
    expect(done?.observation.kind).toBe('executed');
    expect(done !== undefined && conformsVti(done, o)).toBe(true);
  });
  it('VTI.GUEST.NO_VP: PSR.vm = 1 without a restored VP is undefined', () => {
    const s = guest();
    const none = { ...s, pal: s.pal.status === 'initialised' ? { ...s.pal, current: null } : s.pal };
    const o = run(none, { op: 'mov-from-cr', r1: 33, cr: 8 });
    expect(o.undefinedBehaviour).toBe(true);
    expect(run(s, { op: 'mov-from-cr', r1: 33, cr: 8 }).undefinedBehaviour).toBe(false);
  });
});

describe('VTI.INTERRUPTION.DELIVERY', () => {
  it('VTI.INTERRUPTION.DELIVERY: IPSR, IIP, IIPA and ISR are written; PSR keeps only up/mfl/mfh/pk/dt/rt/mc/it; IP = IVA + vector', () => {
    const s = { ...withPsr(guest({ cpl: 3 }), PSR.up | PSR.ac), lastIp: 0x3330n };
    const o = run(s, { op: 'mov-from-cr', r1: 33, cr: 8 });
    const a = next(o);
    expect(a.cr.get(16)).toBe(s.psr);
    expect(a.cr.get(19)).toBe(s.ip);
    expect(a.cr.get(22)).toBe(0x3330n);
    expect(a.cr.get(17)).toBe(0x10n);
    expect(a.psr).toBe(PSR.up | PSR.dt | PSR.rt | PSR.it);
    expect(a.ip).toBe(DEFAULT_GUEST.hostIva + 0x5400n);
  });
  it('VTI.INTERRUPTION.DELIVERY: with PSR.ic = 0 only ISR is written, with ISR.ni = 1', () => {
    const s = withPsr(native(guest()), 0n, PSR.ic);
    const o = run(s, { op: 'break', imm21: 5 });
    const a = next(o);
    expect(a.cr.get(19)).toBe(s.cr.get(19));
    expect(a.cr.get(17)).toBe(1n << 39n);
    expect(gr(a, 33)).toEqual(gr(s, 33));
    expect(a.cr.get(24)).toBe(s.cr.get(24));
  });
  it('VTI.INTERRUPTION.DELIVERY: the handler runs on the interrupted frame with CFLE = 0 (SDM 2:§6.7-6.8); its rfi sets CFLE again', () => {
    const s = native(guest());
    expect(s.rse.cfle).toBe(true);
    const a = next(run(s, { op: 'break', imm21: 5 }));
    expect(a.rse.cfle).toBe(false);
    expect(a.rse.cfm).toEqual(s.rse.cfm);
    expect(a.rse.frames).toEqual(s.rse.frames);
    // Also an intercept, which the processor delivers like a fault (the VMM's entry loses the guest's CFLE).
    expect(next(run(guest(), { op: 'mov-from-cr', r1: 33, cr: 8 })).rse.cfle).toBe(false);
    expect(next(run(a, { op: 'rfi' })).rse.cfle).toBe(true);
  });
  it('VTI.INTERRUPTION.DELIVERY: delivery switches to bank 0 keeping bank 1 intact', () => {
    const s = withGr(guest({ cpl: 1 }), { 20: 0x20n });
    const a = next(run(s, { op: 'rfi' }));
    expect(a.psr & PSR.bn).toBe(0n);
    expect(a.grInactiveBank[4]?.value).toBe(0x20n);
  });
});
