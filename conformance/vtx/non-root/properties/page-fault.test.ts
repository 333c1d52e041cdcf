/**
 * EXIT.EXCEPTION.PF as a property (issue 4 acceptance): a #PF is intercepted exactly per bit 14 of the
 * exception bitmap and the page-fault error-code mask/match rule — with PFEC the error code, the #PF
 * exits iff (PFEC AND mask = match) equals bit 14 — first over arbitrary error codes, then over page
 * faults that guest paging itself produces (the rule must see the error code the walk computed).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeCapabilities } from '../../../../model/vtx/capabilities.js';
import { raiseEvent } from '../../../../model/vtx/non-root/exceptions.js';
import { readLinear, writeLinear } from '../../../../model/vtx/non-root/memory.js';
import type { NonRootResult } from '../../../../model/vtx/non-root/result.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import { readMemory64 } from '../../../../spec/vtx/state.js';
import { FC_PARAMS } from '../../properties/params.js';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withMemory, withVmcs } from '../baseline.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const base = nonRootBaseline(profile);
const u32 = fc.nat({ max: 0xffff_ffff });
/** PFECs of real page faults live in the low 5 bits; the rest of the mask/match must still be honoured. */
const pfecArb = fc.oneof(fc.nat({ max: 0x1f }), u32);

/** The #PF filter: a random mask, a match that is sometimes exactly PFEC AND mask, bit 14, and other bitmap bits. */
const filterArb = (pfec: fc.Arbitrary<number>) => fc.record({
  pfec, mask: fc.oneof(u32, fc.constantFrom(0, 1, 2, 4, 0x1f, 0xffff_ffff)), matchBits: u32, matchExact: fc.boolean(),
  bit14: fc.boolean(), otherBits: u32,
});

const expectedExit = (pfec: number, mask: number, match: number, bit14: boolean): boolean => (((pfec & mask) >>> 0) === match) === bit14;

const filtered = (f: { mask: number; bit14: boolean; otherBits: number }, match: number) => withVmcs(base, {
  EXCEPTION_BITMAP: BigInt((f.otherBits & ~(1 << 14)) >>> 0) | (f.bit14 ? 1n << 14n : 0n),
  PAGE_FAULT_ERROR_CODE_MASK: BigInt(f.mask >>> 0),
  PAGE_FAULT_ERROR_CODE_MATCH: BigInt(match >>> 0),
});

/** The PFEC the outcome reports: the exit's error code, or the one pushed by delivery. */
const reportedPfec = (r: NonRootResult): { exits: boolean; pfec: number } | null => {
  if (r.observation.kind === 'vm-exit') {
    const e = r.observation.exit;
    return (e.interruptionInfo & 0xff) === 14 ? { exits: true, pfec: e.interruptionErrorCode ?? -1 } : null;
  }
  if (r.observation.kind === 'delivered' && r.observation.vector === 14) {
    expect(readMemory64(r.state.memory, r.state.cpu.rsp)).toBe(BigInt(r.observation.errorCode ?? -1));
    return { exits: false, pfec: r.observation.errorCode ?? -1 };
  }
  return null;
};

describe('EXIT.EXCEPTION.PF: the page-fault error-code mask/match rule', () => {
  test.prop([filterArb(pfecArb)], FC_PARAMS(2000))('EXIT.EXCEPTION.PF: exits iff (PFEC AND mask = match) = bit 14, for any PFEC, mask and match', (f) => {
    const match = f.matchExact ? (f.pfec & f.mask) >>> 0 : f.matchBits;
    const r = raiseEvent(caps, filtered(f, match), { vector: 14, type: 'hardware-exception', errorCode: f.pfec, pageFaultAddress: 0x1234_5000n }, []);
    const exits = expectedExit(f.pfec, f.mask, match, f.bit14);
    expect(r.observation.kind).toBe(exits ? 'vm-exit' : 'delivered');
    if (r.observation.kind === 'vm-exit') {
      expect(r.observation.exit.reason).toBe(0);
      expect(r.observation.exit.interruptionInfo).toBe(0x8000_0b0e);
      expect(r.observation.exit.interruptionErrorCode).toBe(f.pfec);
      expect(r.observation.exit.qualification).toBe(0x1234_5000n);
    } else {
      expect(r.observation).toEqual({ kind: 'delivered', vector: 14, type: 'hardware-exception', errorCode: f.pfec });
      expect(r.state.cpu.cr2).toBe(0x1234_5000n);
    }
  });

  const accessArb = fc.record({
    present: fc.boolean(), writable: fc.boolean(), user: fc.boolean(), reserved: fc.boolean(),
    cpl3: fc.boolean(), write: fc.boolean(), wp: fc.boolean(),
  });

  test.prop([accessArb, filterArb(fc.constant(0))], FC_PARAMS(2000))('EXIT.EXCEPTION.PF: the rule applies to the error code guest paging computed', (a, f) => {
    // PDE 2 (0x400000–0x5FFFFF) with random P, R/W, U/S and a reserved bit; the access is at CPL 0 or 3, read or write.
    const P = 1n, RW = 2n, US = 4n, PS = 0x80n;
    const pde = (2n << 21n) | (a.present ? P : 0n) | (a.writable ? RW : 0n) | (a.user ? US : 0n) | PS | (a.reserved ? 1n << 45n : 0n);
    const pfecIfFault = (a.write ? 2 : 0) | (a.cpl3 ? 4 : 0);
    const match = f.matchExact ? (pfecIfFault & f.mask) >>> 0 : f.matchBits;
    const s0 = withMemory(filtered(f, match), [[GUEST_LAYOUT.pd + 16n, pde]]);
    const s = withCpu(s0, { cpl: a.cpl3 ? 3 : 0, cr0: a.wp ? s0.cpu.cr0 | (1n << 16n) : s0.cpu.cr0 & ~(1n << 16n) });
    const access = a.write ? writeLinear(caps, s, 0x50_0008n, 8, 1n, []) : readLinear(caps, s, 0x50_0008n, 8, []);
    const faults = !a.present || a.reserved || (a.cpl3 && !a.user) || (a.write && !a.writable && (a.cpl3 || a.wp));
    expect(access.ok).toBe(!faults);
    if (access.ok) return;
    const seen = reportedPfec(access.result);
    expect(seen).not.toBeNull();
    if (seen === null) return;
    const expectedPfec = pfecIfFault | (a.present ? 1 : 0) | (a.present && a.reserved ? 8 : 0);
    expect(seen.pfec).toBe(expectedPfec);
    expect(seen.exits).toBe(expectedExit(seen.pfec, f.mask, match, f.bit14));
  });
});
