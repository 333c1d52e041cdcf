import { describe, expect, it } from 'vitest';
import { DEFAULT_GUEST } from '../../spec/vti/machine/initial.js';
import { PSR, P, ev, gr, guest, native, next, obs, pal, run, vpdOf, withCr, withPsr, VMM_SERVICE_PSR } from './testing.js';

const A_INT = 1n;
const NOP = { op: 'nop' } as const;
/** A guest kernel with interrupts on and TPR open (mic 0, mmi 0). */
const OPEN = PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.bn;

describe('the Virtual External Interrupt (SDM 2:187; ITJ "Interrupt Virtualization")', () => {
  it('VTI.VEI.DELIVER: with vac.a_int a pending vhpi above the guest TPR goes to host IVA + 0x3400 before the next instruction', () => {
    const s = guest({ vac: A_INT, vpsr: OPEN, vhpi: 5n, vcr: new Map([[66, 0x40n]]) });
    const o = run(s, NOP);
    expect(obs(o)).toEqual({ kind: 'virtual-external-interrupt', vector: 0x3400 });
    expect(next(o).ip).toBe(DEFAULT_GUEST.hostIva + 0x3400n);
    expect(next(o).psr & PSR.vm).toBe(0n);
    expect(next(o).cr.get(19)).toBe(s.ip);
  });
  it('VTI.VEI.DELIVER: an ExtINT (vhpi 16) passes any mic while mmi = 0', () => {
    expect(obs(run(guest({ vac: A_INT, vpsr: OPEN, vhpi: 16n, vcr: new Map([[66, 0xf0n]]) }), NOP)).kind).toBe('virtual-external-interrupt');
  });
  it('VTI.VEI.MASKED: vpsr.i = 0 masks it; so do vtpr.mic at or above its class and vtpr.mmi', () => {
    expect(obs(run(guest({ vac: A_INT, vpsr: OPEN & ~PSR.i, vhpi: 15n, vcr: new Map([[66, 0n]]) }), NOP)).kind).toBe('executed');
    expect(obs(run(guest({ vac: A_INT, vpsr: OPEN, vhpi: 5n, vcr: new Map([[66, 0x50n]]) }), NOP)).kind).toBe('executed');
    expect(obs(run(guest({ vac: A_INT, vpsr: OPEN, vhpi: 16n, vcr: new Map([[66, 0x10000n]]) }), NOP)).kind).toBe('executed');
    expect(obs(run(guest({ vac: A_INT, vpsr: OPEN, vhpi: 32n, vcr: new Map([[66, 0x10000n]]) }), NOP)).kind).toBe('virtual-external-interrupt');
  });
  it('VTI.VAC.a_int: without vac.a_int the processor never raises 0x3400', () => {
    const o = run(guest({ vac: 0n, vpsr: OPEN, vhpi: 15n, vcr: new Map([[66, 0n]]) }), NOP);
    expect(obs(o).kind).toBe('executed');
    expect(o.rules).toContain('VTI.VEI.MASKED');
  });
  it('VTI.VAC.a_int: the processor acts on the vhpi PAL_VPS_SET_PENDING_INTERRUPT latched, not on a later VPD write', () => {
    const s = guest({ vac: A_INT, vpsr: OPEN, vhpi: 0n, vcr: new Map([[66, 0n]]) });
    const vmm = { ...native(s), psr: VMM_SERVICE_PSR };
    const base = s.pal.status === 'initialised' ? s.pal.current ?? 0n : 0n;
    const stored = next(run({ ...vmm, gr: vmm.gr.map((g, i) => (i === 34 ? { value: base + 0x100n, nat: false } : i === 35 ? { value: 9n, nat: false } : g)) }, { op: 'st8', r3: 34, r2: 35 }));
    expect(vpdOf(stored).vhpi).toBe(9n);
    const resumedWithout = { ...stored, psr: s.psr };
    expect(obs(run(resumedWithout, NOP)).kind).toBe('executed');
    const latched = next(pal(stored, { name: 'PAL_VPS_SET_PENDING_INTERRUPT', vpd: base }));
    expect(latched.pendingVirtualInterrupt).toBe(9n);
    expect(obs(run({ ...latched, psr: s.psr }, NOP)).kind).toBe('virtual-external-interrupt');
  });
});

describe('external interrupts (SDM 2:§5.8)', () => {
  const vmm = () => withCr(native(guest()), { 66: 0n });
  it('VTI.EXTINT.PEND: an interrupt with PSR.i = 1 and TPR open is taken at IVA + 0x3000', () => {
    const o = ev(vmm(), { kind: 'external-interrupt', vector: 0x41 });
    expect(obs(o)).toMatchObject({ kind: 'interruption', vector: 0x3000 });
    // Vector 0x41 is bit 1 of IRR1 (vectors 64-127).
    expect(next(o).cr.get(69)).toBe(2n);
    expect(next(o).cr.get(68)).toBe(0n);
  });
  it('VTI.EXTINT.PEND: with PSR.i = 0 it stays pending and is taken before the first instruction after ssm psr.i', () => {
    const masked = withPsr(vmm(), 0n, PSR.i);
    const o = ev(masked, { kind: 'external-interrupt', vector: 0x41 });
    expect(obs(o).kind).toBe('event-absorbed');
    const unmasked = next(run(next(o), { op: 'ssm', imm24: Number(PSR.i) }));
    expect(obs(run(unmasked, NOP))).toMatchObject({ kind: 'interruption', vector: 0x3000 });
  });
  it('VTI.EXTINT.PEND: a reserved vector (1, 3-15) is dropped; pending it is also permitted', () => {
    const o = ev(vmm(), { kind: 'external-interrupt', vector: 3 });
    expect(obs(o).kind).toBe('event-absorbed');
    expect(next(o).cr.get(68) ?? 0n).toBe(0n);
    expect(o.permitted[1]?.state.cr.get(68)).toBe(1n << 3n);
  });
  it('VTI.EXTINT.PEND: a vector at or below TPR.mic stays pending', () => {
    expect(obs(ev(withCr(vmm(), { 66: 0x40n }), { kind: 'external-interrupt', vector: 0x41 })).kind).toBe('event-absorbed');
  });
  it('VTI.EXTINT.IVR: reading IVR returns the vector and moves it to in-service; then 15', () => {
    const pending = next(ev(withPsr(vmm(), 0n, PSR.i), { kind: 'external-interrupt', vector: 0x41 }));
    const o = run(pending, { op: 'mov-from-cr', r1: 33, cr: 65 });
    expect(obs(o)).toEqual({ kind: 'executed', value: 0x41n });
    expect(next(o).inService).toBe(1n << 0x41n);
    expect(obs(run(next(o), { op: 'mov-from-cr', r1: 33, cr: 65 }))).toEqual({ kind: 'executed', value: 15n });
  });
  it('VTI.EXTINT.EOI: writing EOI retires the highest in-service vector, unmasking lower ones', () => {
    const s = { ...withPsr(vmm(), 0n, PSR.i), inService: (1n << 0x81n) | (1n << 0x41n) };
    const o = run(s, { op: 'mov-to-cr', cr: 67, r2: 33 });
    expect(next(o).inService).toBe(1n << 0x41n);
  });
  it('VTI.TIMER: when AR.ITC reaches ITM the ITV vector pends (and is taken), unless ITV.m = 1', () => {
    const s = withCr(vmm(), { 1: 100n, 72: 0xefn });
    const o = ev(s, { kind: 'clock', cycles: 150n });
    expect(next(o).ar.get(44)).toBe(150n);
    expect(obs(o)).toMatchObject({ kind: 'interruption', vector: 0x3000 });
    expect(obs(ev(withCr(s, { 72: 0x100efn }), { kind: 'timer' })).kind).toBe('event-absorbed');
    expect(obs(ev(s, { kind: 'clock', cycles: 50n })).kind).toBe('event-absorbed');
    expect(gr(next(o), 33)).toEqual(gr(s, 33));
    expect(P.implVaMsb).toBe(50);
  });
});
