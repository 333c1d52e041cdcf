/**
 * The guest's probe under the VMM (tlb-miss.ts): with PSR.vm = 1 it does not intercept on the
 * default profile, so it queries the machine's TLB, which holds none of the guest's translations,
 * and misses there under the machine's region ids and relocated PTA. The guest must still see what
 * its own processor gives: the probe's answer when its TLB translates the address, and otherwise
 * its own TLB fault, with ITIR from its RR and IHA from its PTA (SDM 2:§8; SDM 3 probe).
 */
import { describe, expect, it } from 'vitest';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { PSR } from '../../../spec/vti/machine/initial.js';
import { DEFAULT_VTI_PROFILE } from '../../../spec/vti/machine/profile.js';
import { referenceVtiStep } from '../../cpu/vti/index.js';
import { assemble, type AsmItem } from '../../guests/vti/assemble.js';
import { CR, GUEST, kernelState } from '../../guests/vti/kernel.js';
import { DEFAULT_VTI_VMM_CONFIG, NO_ACCELERATION_CONFIG } from './config.js';
import { guestDiff } from './guest-view.js';
import { runNative } from './native.js';
import type { GuestProgram } from './program.js';
import { runUnderVmm } from './vmm.js';

const PROFILE = DEFAULT_VTI_PROFILE;
/** rr0: rid 0x123, 16 KiB pages; `ve` turns the guest's VHPT walker on for region 0. */
const rr0 = (ve: boolean): bigint => (0x123n << 8n) | (14n << 2n) | (ve ? 1n : 0n);
/** The guest's VHPT: 32 KiB at 1 MiB, walker enabled, short format. */
const GUEST_PTA = 0x10_0000n | (15n << 2n) | 1n;
const PAGE = 0x4000n;
/** A present page, accessed and dirty, at privilege 0 with access rights 0 (read-only). */
const PTE = 0x80_0000n | 1n | (1n << 5n) | (1n << 6n);

const program = (items: readonly AsmItem[]): GuestProgram => ({
  name: 'probe',
  description: 'a kernel that probes addresses of region 0',
  code: assemble(GUEST.entry, items).code,
  initial: (p) => kernelState(p),
  events: [],
  maxInstructions: 100,
});

const setRegion = (ve: boolean): AsmItem[] => [
  { op: 'mov-imm', r1: 2, imm: GUEST.iva },
  { op: 'mov-to-cr', cr: CR.iva, r2: 2 },
  { op: 'mov-imm', r1: 2, imm: rr0(ve) },
  { op: 'mov-to-ind', file: 'rr', r3: 0, r2: 2 },
  { op: 'mov-imm', r1: 2, imm: GUEST_PTA },
  { op: 'mov-to-cr', cr: CR.pta, r2: 2 },
];

/** itc.d of PTE for PAGE (16 KiB, key = the region id), with PSR.ic = 0 as itc requires. */
const insertPage: AsmItem[] = [
  { op: 'rsm', imm24: Number(PSR.ic) },
  { op: 'mov-imm', r1: 2, imm: PAGE },
  { op: 'mov-to-cr', cr: CR.ifa, r2: 2 },
  { op: 'mov-imm', r1: 2, imm: 14n << 2n },
  { op: 'mov-to-cr', cr: CR.itir, r2: 2 },
  { op: 'mov-imm', r1: 2, imm: PTE },
  { op: 'itc', side: 'd', r2: 2 },
  { op: 'ssm', imm24: Number(PSR.ic) },
];

const probe = (access: 'r' | 'w', r1: number, pl: bigint, address: bigint): AsmItem[] => [
  { op: 'mov-imm', r1: 8, imm: address },
  { op: 'mov-imm', r1: 9, imm: pl },
  { op: 'probe', access, r1, r3: 8, r2: 9 } satisfies VtiInstruction,
];

const both = (p: GuestProgram) => {
  const native = runNative(referenceVtiStep, PROFILE, p);
  const runs = [DEFAULT_VTI_VMM_CONFIG, NO_ACCELERATION_CONFIG].map((c) => runUnderVmm(referenceVtiStep, PROFILE, c, p));
  return { native, runs };
};

describe('a guest probe that misses in the machine TLB (tlb-miss.ts)', () => {
  it('answers from the guest TLB: a translated page gives the native probe results, and the probes retire', () => {
    const p = program([
      ...setRegion(false),
      ...insertPage,
      ...probe('r', 16, 0n, PAGE + 0x18n),
      ...probe('w', 17, 0n, PAGE + 0x18n),
      ...probe('r', 18, 3n, PAGE + 0x18n),
    ]);
    const { native, runs } = both(p);
    expect(native.end.kind).toBe('halted');
    // Read allowed at pl 0; a read-only page refuses the write; pl 3 is below the page's privilege.
    expect([16, 17, 18].map((r) => native.state.gr[r]?.value)).toEqual([1n, 0n, 0n]);
    for (const run of runs) {
      expect(run.end).toEqual(native.end);
      expect(run.retired).toBe(native.retired);
      expect(guestDiff(run.guest, native.state)).toEqual([]);
      // The VMM was entered for them (the machine TLB missed) and delivered nothing to the guest.
      expect(run.counts.hostInterruptions.map((r) => r.key).join()).toMatch(/0x1000|0x800/);
      expect(run.counts.guestInterruptions).toEqual([]);
    }
  });

  for (const ve of [false, true]) {
    it(`delivers the guest's own ${ve ? 'Data TLB fault (walker on: IHA from its PTA)' : 'Alternate Data TLB fault'} for an untranslated page, ITIR with its region id`, () => {
      const missing = PAGE + 0x10_0000n;
      const p = program([...setRegion(ve), ...insertPage, ...probe('w', 16, 0n, missing)]);
      const { native, runs } = both(p);
      const vector = ve ? 0x0800n : 0x1000n;
      expect(native.end).toEqual({ kind: 'halted', at: GUEST.iva + vector });
      expect(native.state.cr.get(CR.ifa)).toBe(missing);
      expect(native.state.cr.get(CR.itir)).toBe((14n << 2n) | (0x123n << 8n));
      // ISR: na and w, and the non-access code of probe (2).
      expect((native.state.cr.get(CR.isr) ?? 0n) & ((1n << 36n) - 1n)).toBe((1n << 35n) | (1n << 33n) | 2n);
      for (const run of runs) {
        expect(run.end).toEqual(native.end);
        expect(guestDiff(run.guest, native.state)).toEqual([]);
        for (const cr of [CR.ifa, CR.itir, CR.iha, CR.isr]) expect(run.guest.cr.get(cr)).toBe(native.state.cr.get(cr));
      }
    });
  }

  it('VTI.NATIVE.PROBE_DTLB_ONLY: with the guest\'s PSR.dt = 0 its probe miss is an Alternate Data TLB fault, though its walker is on', () => {
    const missing = PAGE + 0x10_0000n;
    const p = program([...setRegion(true), ...insertPage, { op: 'rsm', imm24: Number(PSR.dt) }, ...probe('r', 16, 0n, missing)]);
    const { native, runs } = both(p);
    expect(native.end).toEqual({ kind: 'halted', at: GUEST.iva + 0x1000n });
    for (const run of runs) {
      expect(run.end).toEqual(native.end);
      expect(guestDiff(run.guest, native.state)).toEqual([]);
    }
  });
});

describe('the guest\'s hash with a PTA below the minimum table size', () => {
  it('VTI.NATIVE.THASH: thash and a probe miss\'s IHA are the guest processor\'s (SDM 2:§4.1.6.1), not LK\'s formula with PTA{14:0} in it', () => {
    const address = PAGE + 0x10_0000n;
    const p = program([
      ...setRegion(true),
      { op: 'mov-imm', r1: 2, imm: 0x20_0003n },
      { op: 'mov-to-cr', cr: CR.pta, r2: 2 },
      { op: 'mov-imm', r1: 8, imm: address },
      { op: 'thash', r1: 10, r3: 8 },
      ...probe('r', 11, 0n, address),
    ]);
    const { native, runs } = both(p);
    expect(native.end).toEqual({ kind: 'halted', at: GUEST.iva + 0x0800n });
    // Natively the probe's fault has switched to bank 0: r10 is not banked.
    expect(native.state.gr[10]?.value).toBe(0x20_0000n | (((address >> 14n) << 3n) & 0x7fffn));
    expect(native.state.cr.get(CR.iha)).toBe(native.state.gr[10]?.value);
    for (const run of runs) {
      expect(run.end).toEqual(native.end);
      expect(guestDiff(run.guest, native.state)).toEqual([]);
    }
  });
});

describe('a guest probe of an address it cannot use', () => {
  it('VTI.UNIMPL_VA.PROBE: answers 0 without a fault, natively and under the VMM (the machine checks the guest\'s narrower space)', () => {
    // Bit IMPL_VA_MSB - 1 of region 0 set: beyond the space the guest is told it has.
    const outside = 1n << BigInt(PROFILE.implVaMsb - 1);
    const p = program([{ op: 'mov-imm', r1: 16, imm: 7n }, ...probe('r', 16, 0n, outside), { op: 'mov-imm', r1: 17, imm: 7n }, ...probe('w', 17, 0n, outside)]);
    const { native, runs } = both(p);
    expect(native.end.kind).toBe('halted');
    expect([16, 17].map((r) => native.state.gr[r]?.value)).toEqual([0n, 0n]);
    for (const run of runs) {
      expect(run.end).toEqual(native.end);
      expect(guestDiff(run.guest, native.state)).toEqual([]);
      expect(run.counts.hostInterruptions).toEqual([]);
    }
  });
});
