/**
 * The address space PSR.vm narrows (VTI.UNIMPL_VA.VMM, VTI.UNIMPL_VA.DATA, VTI.UNIMPL_VA.INSTRUCTION,
 * VTI.UNIMPL_VA.THASH_TTAG, VTI.UNIMPL_VA.PROBE) and the hash functions (VTI.NATIVE.THASH, VTI.NATIVE.TTAG).
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_GUEST, guestState, initialVtiState, PSR } from '../../../spec/vti/machine/initial.js';
import { INTERRUPTION_PSR_KEEP } from '../../../spec/vti/machine/faults.js';
import { effectiveVaMsb, implementedVa, shortHash } from './address.js';
import { PSR_KEPT } from './interruption.js';
import { cr, fault, ins, P, run, withCr, withGr } from './test-support.js';

const VMM_HALF = 0xfffc_0000_0400_0000n; // bits 60:50 set: the default VPD address

describe('implemented addresses', () => {
  test('VTI.UNIMPL_VA.VMM: with PSR.vm = 0 bits 60:IMPL_VA_MSB+1 must copy bit IMPL_VA_MSB', () => {
    const msb = effectiveVaMsb(50, false);
    expect(implementedVa(0x0003_ffff_ffff_ffffn, msb)).toBe(true);
    expect(implementedVa(0x0004_0000_0000_0000n, msb)).toBe(false);
    expect(implementedVa(VMM_HALF, msb)).toBe(true);
    expect(implementedVa(0xe000_0000_0000_1000n, msb)).toBe(true);
  });
  test('VTI.UNIMPL_VA.DATA: with PSR.vm = 1 the VMM half is unimplemented', () => {
    const msb = effectiveVaMsb(50, true);
    expect(implementedVa(VMM_HALF, msb)).toBe(false);
    expect(implementedVa(0x0001_ffff_ffff_fff8n, msb)).toBe(true);
    expect(implementedVa(0x0002_0000_0000_0000n, msb)).toBe(false);
  });
  test('VTI.UNIMPL_VA.DATA: a guest ld8 of the VPD faults; the VMM reads the same word', () => {
    const g = withGr(guestState(P, { vac: 0x41n }), 9, VMM_HALF);
    const r = run(g, [ins({ op: 'ld8', r1: 8, r3: 9 })]);
    expect(r.last).toMatchObject(fault('unimplementedDataAddress'));
    expect(cr(r.state, 20)).toBe(VMM_HALF);
    const v = run({ ...g, psr: g.psr & ~PSR.vm }, [ins({ op: 'ld8', r1: 8, r3: 9 })]);
    expect(v.last).toEqual({ kind: 'executed', value: 0x41n });
  });
  test('VTI.UNIMPL_VA.INSTRUCTION: a guest branch into the VMM half traps at 0x5e00 with IIP = IFA = the target', () => {
    const r = run(guestState(P), [ins({ op: 'br-cond', qp: 0, target: VMM_HALF })]);
    expect(r.last).toMatchObject(fault('unimplementedInstructionAddress'));
    expect(cr(r.state, 19)).toBe(VMM_HALF);
    expect(cr(r.state, 20)).toBe(VMM_HALF);
    expect(cr(r.state, 22)).toBe(DEFAULT_GUEST.ip);
  });
  test('VTI.UNIMPL_VA.PROBE: a guest probe of the VMM half answers 0 without a fault (SDM 3:217)', () => {
    const g = withGr(withGr(guestState(P), 9, VMM_HALF), 8, 7n);
    for (const access of ['r', 'w'] as const) {
      const r = run(g, [ins({ op: 'probe', access, r1: 8, r3: 9, r2: 0 })]);
      expect(r.last).toEqual({ kind: 'executed', value: 0n });
      expect(r.state.gr[8]).toEqual({ value: 0n, nat: false });
    }
    // The same address is implemented for the VMM: its probe looks it up (and misses here).
    const v = run({ ...g, psr: g.psr & ~PSR.vm }, [ins({ op: 'probe', access: 'r', r1: 8, r3: 9, r2: 0 })]);
    expect(v.last).toMatchObject({ kind: 'interruption', vector: 0x1000 });
  });
  test('VTI.UNIMPL_VA.THASH_TTAG: thash of an unimplemented address gives NaT, no fault', () => {
    const s = withGr({ ...initialVtiState(P), rse: { cfm: { sof: 8, sol: 0 }, cfle: true, frames: [] } }, 9, 0x0010_0000_0000_0000n);
    expect(run(s, [ins({ op: 'thash', r1: 8, r3: 9 })]).last).toEqual({ kind: 'executed', value: 0n, nat: true });
  });
});

describe('hashes', () => {
  test('VTI.NATIVE.THASH: the short-format hash is region | table base | (VPN << 3) within the table', () => {
    // PTA base 0x1_000_000, size 2^15; RR.ps 14: VPN of 0x2000_0000_0001_c000 is 7, index 0x38.
    const pta = 0x100_0000n | (15n << 2n);
    expect(shortHash(0x2000_0000_0001_c000n, 14n << 2n, pta, 50)).toBe(0x2000_0000_0100_0038n);
    const s = withGr(withCr({ ...initialVtiState(P), rr: [0n, 14n << 2n, 0n, 0n, 0n, 0n, 0n, 0n] }, 8, pta), 9, 0x2000_0000_0001_c000n);
    expect(run(s, [ins({ op: 'thash', r1: 8, r3: 9 })]).last).toEqual({ kind: 'executed', value: 0x2000_0000_0100_0038n });
  });
  test('VTI.NATIVE.THASH: below the 2^15 minimum size the base is PTA{60:15} and offset bits 14:0 pass unmasked (SDM 2:§4.1.6.1)', () => {
    // PTA.size = 0, ve and a reserved low bit set; RR.ps = 13: the VPN of 0x2000_0000_0000_4000 is 2, offset 0x10.
    expect(shortHash(0x2000_0000_0000_4000n, 13n << 2n, 0x20_0003n, 50)).toBe(0x2000_0000_0020_0010n);
  });
  test('VTI.INTERRUPTION.DELIVERY: the kept PSR bits match spec INTERRUPTION_PSR_KEEP', () => {
    expect(PSR_KEPT).toBe(INTERRUPTION_PSR_KEEP);
  });
});
