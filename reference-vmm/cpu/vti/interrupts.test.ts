/**
 * External interrupts and the Virtual External Interrupt (VTI.VEI.DELIVER, VTI.VEI.MASKED,
 * VTI.EXTINT.PEND, VTI.EXTINT.IVR, VTI.EXTINT.EOI, VTI.TIMER).
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_GUEST, guestState, initialVtiState, PSR } from '../../../spec/vti/machine/initial.js';
import { cr, ev, ins, P, run, withCr } from './test-support.js';

const NOP = ins({ op: 'nop' });
/** A guest with a_int and a latched pending interrupt of class 5, vtpr.mic = `mic`. */
const pendingGuest = (vpsrI: boolean, mic: bigint, vac = 1n) => guestState(P, {
  vac, vhpi: 5n, vcr: new Map([[66, mic << 4n]]),
  vpsr: PSR.ic | PSR.dt | PSR.rt | PSR.it | PSR.bn | (vpsrI ? PSR.i : 0n),
});

describe('Virtual External Interrupt', () => {
  test('VTI.VEI.DELIVER: vhpi above vtpr with vpsr.i = 1 goes to host IVA + 0x3400 before the next guest instruction', () => {
    const s = pendingGuest(true, 3n);
    const r = run(s, [NOP]);
    expect(r.last).toEqual({ kind: 'virtual-external-interrupt', vector: 0x3400 });
    expect(r.state.ip).toBe(DEFAULT_GUEST.hostIva + 0x3400n);
    expect(cr(r.state, 19)).toBe(s.ip);
    expect(r.state.psr & PSR.vm).toBe(0n);
  });
  test('VTI.VEI.MASKED: masked by vpsr.i, by vtpr.mic, or without a_int, the instruction runs', () => {
    expect(run(pendingGuest(false, 3n), [NOP]).last).toEqual({ kind: 'executed' });
    expect(run(pendingGuest(true, 5n), [NOP]).last).toEqual({ kind: 'executed' });
    expect(run(pendingGuest(true, 3n, 0n), [NOP]).last).toEqual({ kind: 'executed' });
  });
  test('VTI.VEI.MASKED: vtpr.mmi masks everything but NMI (vhpi 32)', () => {
    const mmi = guestState(P, { vac: 1n, vhpi: 16n, vcr: new Map([[66, 1n << 16n]]) });
    expect(run(mmi, [NOP]).last).toEqual({ kind: 'executed' });
    expect(run({ ...mmi, pendingVirtualInterrupt: 32n }, [NOP]).last).toMatchObject({ kind: 'virtual-external-interrupt' });
  });
});

describe('external interrupts', () => {
  const vmm = (s = initialVtiState(P)) => ({ ...s, psr: s.psr | PSR.i, cr: new Map([...s.cr, [2, 0x10_0000n]]) });
  test('VTI.EXTINT.PEND: an unmasked vector is taken at 0x3000 when it arrives', () => {
    const r = run(vmm(), [ev({ kind: 'external-interrupt', vector: 0x40 })]);
    expect(r.last).toMatchObject({ kind: 'interruption', vector: 0x3000 });
    expect(r.state.ip).toBe(0x10_3000n);
    expect(cr(r.state, 69)).toBe(1n);
  });
  test('VTI.EXTINT.PEND: masked by TPR it stays pending, and is taken once TPR allows it', () => {
    const s = withCr(vmm(), 66, 5n << 4n);
    const r = run(s, [ev({ kind: 'external-interrupt', vector: 0x40 }), ins({ op: 'mov-to-cr', cr: 66, r2: 0 }), NOP]);
    expect(r.obs[0]).toEqual({ kind: 'event-absorbed' });
    expect(r.obs[1]).toEqual({ kind: 'executed' });
    expect(r.obs[2]).toMatchObject({ kind: 'interruption', vector: 0x3000 });
  });
  test('VTI.EXTINT.IVR, VTI.EXTINT.EOI: IVR acknowledges the highest unmasked vector, EOI retires it', () => {
    const s = { ...vmm(), psr: initialVtiState(P).psr & ~PSR.ic };
    const r = run(withCr(withCr(s, 68, 1n << 20n), 69, 1n << 3n), [
      ins({ op: 'mov-from-cr', r1: 8, cr: 65 }), ins({ op: 'mov-from-cr', r1: 8, cr: 65 }), ins({ op: 'mov-to-cr', cr: 67, r2: 0 }),
    ]);
    expect(r.obs[0]).toEqual({ kind: 'executed', value: 67n });
    // 20 is below the in-service 67: masked, so spurious.
    expect(r.obs[1]).toEqual({ kind: 'executed', value: 15n });
    expect(r.state.inService).toBe(0n);
    expect(cr(r.state, 68)).toBe(1n << 20n);
  });
  test('VTI.TIMER: the clock crossing ITM pends the ITV vector; ITV.m discards it', () => {
    const s = withCr(withCr(vmm(), 1, 100n), 72, 0x50n);
    const r = run(s, [ev({ kind: 'clock', cycles: 99n }), ev({ kind: 'clock', cycles: 1n })]);
    expect(r.obs[0]).toEqual({ kind: 'event-absorbed' });
    expect(r.obs[1]).toMatchObject({ kind: 'interruption', vector: 0x3000 });
    expect(cr(r.state, 69)).toBe(1n << 16n);
    expect(run(withCr(s, 72, 0x1_0050n), [ev({ kind: 'timer' })]).last).toEqual({ kind: 'event-absorbed' });
  });
  test('reserved vectors (1, 3-15) are ignored (SDM 2:125)', () => {
    const r = run(vmm(), [ev({ kind: 'external-interrupt', vector: 3 })]);
    expect(r.last).toEqual({ kind: 'event-absorbed' });
    expect(cr(r.state, 68)).toBe(0n);
  });
});
