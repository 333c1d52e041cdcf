/**
 * Properties of the pure VT-i model (issue 5), checked on random guests:
 * - with PSR.vm = 1 and nothing accelerated, every privileged virtualized instruction at cpl 0 and
 *   each listed non-privileged one intercepts with its cause; at cpl > 0 the privileged ones fault;
 * - with a vac acceleration on, the accelerated access completes without an intercept and reads or
 *   writes the VPD copy, leaving the real resource alone;
 * - a guest can never use, nor observe through memory, the uppermost implemented VA bit;
 * - a pending virtual interrupt is delivered exactly when the guest's vpsr.i and vtpr unmask it;
 * - the model is total, deterministic, pure, and its canonical result conforms to its own outcome.
 *
 * The expected causes, addresses and thresholds are computed here from the manuals' tables, not by
 * calling the model's own classification. Seeds are fixed and replayable (../../vtx/properties/params.ts).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { describeStateDiff } from '../../../spec/vti/machine/compare.js';
import { DEFAULT_GUEST, guestState, PSR } from '../../../spec/vti/machine/initial.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { DEFAULT_VTI_PROFILE, type VtiProfile } from '../../../spec/vti/machine/profile.js';
import { currentVp, type VtiState } from '../../../spec/vti/machine/state.js';
import { conformsVti, vtiStep } from '../../../model/vti/index.js';
import { FC_PARAMS } from '../../vtx/properties/params.js';

const P = DEFAULT_VTI_PROFILE;
const IVA = DEFAULT_GUEST.hostIva;
const U64 = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------------------------
// Arbitraries

const u64Arb = fc.oneof(fc.constantFrom(0n, 1n, 0x8000n, U64, 1n << 63n), fc.bigInt({ min: 0n, max: U64 }));
/** A stacked or static register inside the default guest frame (sof 16: GR1-GR47), never GR0. */
const regArb = fc.integer({ min: 1, max: 47 });
const grsArb = fc.array(fc.record({ value: u64Arb, nat: fc.constant(false) }), { minLength: 128, maxLength: 128 });
/** Non-reserved CR numbers of the default profile (no iib0/iib1). */
const CRS = [0, 1, 2, 8, 16, 17, 19, 20, 21, 22, 23, 24, 25, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 80, 81];
const WRITABLE_CRS = CRS.filter((c) => c !== 65 && !(c >= 68 && c <= 71));

/** One virtualized instruction form with the cause Table 11-22 gives it and whether it is privileged. */
interface Case { readonly i: VtiInstruction; readonly cause: number; readonly privileged: 'op' | 'reg' | null; readonly cpl0Only?: boolean }

const caseArb: fc.Arbitrary<Case> = fc.tuple(regArb, regArb, regArb, fc.constantFrom(...CRS), fc.constantFrom(...WRITABLE_CRS), fc.integer({ min: 0, max: 0xff_ffff }), fc.integer({ min: -128, max: 127 }))
  .chain(([r1, r2, r3, cr, wcr, imm24, imm8]) => fc.constantFrom<Case>(
    { i: { op: 'mov-to-ar', ar: 44, r2 }, cause: 1, privileged: 'reg' },
    { i: { op: 'mov-to-ar-imm', ar: 44, imm8 }, cause: 2, privileged: 'reg' },
    { i: { op: 'mov-from-ar', r1, ar: 44 }, cause: 3, privileged: null },
    { i: { op: 'mov-to-cr', cr: wcr, r2 }, cause: 4, privileged: 'op' },
    { i: { op: 'mov-from-cr', r1, cr }, cause: 5, privileged: 'op' },
    { i: { op: 'mov-to-psr-l', r2 }, cause: 6, privileged: 'op' },
    { i: { op: 'mov-from-psr', r1 }, cause: 7, privileged: 'op' },
    { i: { op: 'itc', side: 'd', r2 }, cause: 8, privileged: 'op' },
    { i: { op: 'itc', side: 'i', r2 }, cause: 9, privileged: 'op' },
    { i: { op: 'mov-to-ind', file: 'rr', r3, r2 }, cause: 10, privileged: 'op' },
    { i: { op: 'mov-to-ind', file: 'dbr', r3, r2 }, cause: 11, privileged: 'op' },
    { i: { op: 'mov-to-ind', file: 'ibr', r3, r2 }, cause: 12, privileged: 'op' },
    { i: { op: 'mov-to-ind', file: 'pkr', r3, r2 }, cause: 13, privileged: 'op' },
    { i: { op: 'mov-to-ind', file: 'pmc', r3, r2 }, cause: 14, privileged: 'op' },
    { i: { op: 'mov-to-ind', file: 'pmd', r3, r2 }, cause: 15, privileged: 'op' },
    { i: { op: 'itr', side: 'd', r3, r2 }, cause: 16, privileged: 'op' },
    { i: { op: 'itr', side: 'i', r3, r2 }, cause: 17, privileged: 'op' },
    { i: { op: 'mov-from-ind', file: 'rr', r1, r3 }, cause: 18, privileged: 'op' },
    { i: { op: 'mov-from-ind', file: 'dbr', r1, r3 }, cause: 19, privileged: 'op' },
    { i: { op: 'mov-from-ind', file: 'ibr', r1, r3 }, cause: 20, privileged: 'op' },
    { i: { op: 'mov-from-ind', file: 'pkr', r1, r3 }, cause: 21, privileged: 'op' },
    { i: { op: 'mov-from-ind', file: 'pmc', r1, r3 }, cause: 22, privileged: 'op' },
    { i: { op: 'mov-from-cpuid', r1, r3 }, cause: 23, privileged: null },
    { i: { op: 'ssm', imm24 }, cause: 24, privileged: 'op' },
    { i: { op: 'rsm', imm24 }, cause: 25, privileged: 'op' },
    { i: { op: 'ptc', scope: 'l', r3, r2 }, cause: 26, privileged: 'op' },
    { i: { op: 'ptc', scope: 'g', r3, r2 }, cause: 27, privileged: 'op' },
    { i: { op: 'ptc', scope: 'ga', r3, r2 }, cause: 28, privileged: 'op' },
    { i: { op: 'ptr', side: 'd', r3, r2 }, cause: 29, privileged: 'op' },
    { i: { op: 'ptr', side: 'i', r3, r2 }, cause: 30, privileged: 'op' },
    { i: { op: 'thash', r1, r3 }, cause: 31, privileged: null },
    { i: { op: 'ttag', r1, r3 }, cause: 32, privileged: null },
    { i: { op: 'tpa', r1, r3 }, cause: 33, privileged: 'op' },
    { i: { op: 'tak', r1, r3 }, cause: 34, privileged: 'op' },
    { i: { op: 'ptc-e', r3 }, cause: 35, privileged: 'op' },
    { i: { op: 'cover' }, cause: 36, privileged: null, cpl0Only: true },
    { i: { op: 'rfi' }, cause: 37, privileged: 'op' },
    { i: { op: 'bsw', bank: 0 }, cause: 38, privileged: 'op' },
    { i: { op: 'bsw', bank: 1 }, cause: 39, privileged: 'op' },
  ));

/** A guest of the default profile with random registers, cpl, guest PSR and TPR. */
const guestArb = (vac: fc.Arbitrary<bigint> = fc.constant(0n)) =>
  fc.record({ grs: grsArb, cpl: fc.constantFrom(0, 0, 0, 1, 3), vpsr: u64Arb, vac, si: fc.boolean() })
    .map(({ grs, cpl, vpsr, vac: v, si }) => {
      const s = guestState(P, { cpl, vpsr: vpsr & ~PSR.vm, vac: v });
      return { ...s, psr: si ? s.psr : s.psr & ~PSR.si, gr: grs.map((g, i) => (i === 0 ? { value: 0n, nat: false } : g)) };
    });

const run = (s: VtiState, i: VtiInstruction, p: VtiProfile = P) => vtiStep(p, s, { kind: 'instruction', instruction: i });
const cplOf = (s: VtiState): bigint => (s.psr >> 32n) & 3n;

// ---------------------------------------------------------------------------------------------

describe('intercepts with PSR.vm = 1 and no accelerations (SDM rev 2.3 §11.7.3, Table 11-22)', () => {
  test.prop([guestArb(), caseArb], FC_PARAMS(1500))('cpl 0: intercept with the cause; cpl > 0: privileged ones fault first', (s, c) => {
    const o = run(s, c.i);
    const obs = o.canonical.observation;
    const cpl = cplOf(s);
    const siRead = c.cause === 3 && (s.psr & PSR.si) !== 0n;
    if (cpl !== 0n && (c.privileged !== null || siRead)) {
      expect(obs).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: c.privileged === 'op' ? 0x10 : 0x20 });
      return;
    }
    if (cpl !== 0n && c.cpl0Only === true) {
      expect(obs.kind).not.toBe('intercept');
      return;
    }
    expect(obs).toMatchObject({ kind: 'intercept', cause: c.cause, target: IVA + 0x6100n });
    expect(o.canonical.state.psr & PSR.vm).toBe(0n);
    expect(o.canonical.state.gr[24]?.value).toBe(BigInt(c.cause));
    expect(o.canonical.state.cr.get(19)).toBe(s.ip);
  });

  test.prop([guestArb(), caseArb], FC_PARAMS(500))('the same instructions with PSR.vm = 0 never intercept', (s, c) => {
    expect(run({ ...s, psr: s.psr & ~PSR.vm }, c.i).canonical.observation.kind).not.toBe('intercept');
  });
});

// ---------------------------------------------------------------------------------------------

const INT_CRS = [16, 17, 19, 20, 21, 22, 23, 24, 25];

describe('vac accelerations act on the VPD copy without an intercept (SDM rev 2.3 §11.7.4.2)', () => {
  const handler = (s: VtiState, vcr: ReadonlyMap<number, bigint>, vpsr: bigint): VtiState => {
    const cur = currentVp(s);
    if (cur === null || s.pal.status !== 'initialised') return s;
    const vps = new Map(s.pal.vps);
    vps.set(cur.address, { ...cur.vp, vpd: { ...cur.vp.vpd, vcr, vpsr } });
    return { ...s, pal: { ...s.pal, vps } };
  };
  const vcrArb = fc.array(u64Arb, { minLength: 128, maxLength: 128 }).map((v) => new Map(v.map((x, i) => [i, x] as const)));
  const handlerVpsrArb = u64Arb.map((v) => (v & ~PSR.ic & ~PSR.vm));

  test.prop([guestArb(fc.constant(2n)), vcrArb, handlerVpsrArb, fc.constantFrom(...INT_CRS), regArb], FC_PARAMS(500))(
    'a_from_int_cr: mov r1 = cr[16..25] returns vcr[n]', (g, vcr, vpsr, cr, r1) => {
      const s = handler({ ...g, psr: g.psr & ~PSR.cpl }, vcr, vpsr);
      const o = run(s, { op: 'mov-from-cr', r1, cr });
      expect(o.canonical.observation).toEqual({ kind: 'executed', value: vcr.get(cr) });
      expect(o.canonical.state.gr[r1]?.value).toBe(vcr.get(cr));
      expect(o.canonical.state.cr).toEqual(s.cr);
    });

  test.prop([guestArb(fc.constant(4n)), vcrArb, handlerVpsrArb, fc.constantFrom(...INT_CRS), regArb], FC_PARAMS(500))(
    'a_to_int_cr: mov cr[16..25] = r2 writes vcr[n] and not the CR', (g, vcr, vpsr, cr, r2) => {
      const s = handler({ ...g, psr: g.psr & ~PSR.cpl }, vcr, vpsr);
      const o = run(s, { op: 'mov-to-cr', cr, r2 });
      expect(o.canonical.observation.kind).toBe('executed');
      expect(currentVp(o.canonical.state)?.vp.vpd.vcr.get(cr)).toBe(s.gr[r2]?.value);
      expect(o.canonical.state.cr).toEqual(s.cr);
    });

  test.prop([guestArb(fc.constant(8n)), regArb], FC_PARAMS(300))(
    'a_from_psr: mov r1 = psr returns the guest PSR: vpsr, with the user mask the guest set itself in the real PSR', (g, r1) => {
      const s = { ...g, psr: g.psr & ~PSR.cpl };
      const o = run(s, { op: 'mov-from-psr', r1 });
      const vpsr = currentVp(s)?.vp.vpd.vpsr ?? 0n;
      expect(o.canonical.observation).toEqual({ kind: 'executed', value: ((vpsr & ~0x3fn) | (s.psr & 0x3fn)) & 0x18_ffff_ffffn });
      expect(o.permitted).toHaveLength(1);
    });

  test.prop([guestArb(fc.constant(16n)), fc.integer({ min: 0, max: 4 }), regArb], FC_PARAMS(300))(
    'a_from_cpuid: mov r1 = cpuid[r3] returns vcpuid[r3] at any cpl', (g, index, r1) => {
      const s = { ...g, gr: g.gr.map((x, i) => (i === 40 ? { value: BigInt(index), nat: false } : x)) };
      const o = run(s, { op: 'mov-from-cpuid', r1, r3: 40 });
      expect(o.canonical.observation).toEqual({ kind: 'executed', value: currentVp(s)?.vp.vpd.vcpuid[index] });
    });

  test.prop([guestArb(fc.constant(64n)), fc.constantFrom<0 | 1>(0, 1)], FC_PARAMS(300))(
    'a_bsw: bsw exchanges GR16-31 with the VPD banks and sets vpsr.bn', (g, bank) => {
      const s = { ...g, psr: g.psr & ~PSR.cpl };
      const o = run(s, { op: 'bsw', bank });
      const before = currentVp(s)?.vp.vpd;
      const after = currentVp(o.canonical.state)?.vp.vpd;
      expect(o.canonical.observation.kind).toBe('executed');
      expect((after?.vpsr ?? 0n) & PSR.bn).toBe(bank === 1 ? PSR.bn : 0n);
      expect(o.canonical.state.psr & PSR.bn).toBe(s.psr & PSR.bn);
      const switched = ((before?.vpsr ?? 0n) & PSR.bn) !== (bank === 1 ? PSR.bn : 0n);
      const saved = bank === 0 ? after?.vgr : after?.vbgr;
      if (switched) expect(saved?.map((x) => x.value)).toEqual(s.gr.slice(16, 32).map((x) => x.value));
      else expect(o.canonical.state.gr).toEqual(s.gr);
    });

  test.prop([guestArb(fc.constant(32n)), fc.integer({ min: 0, max: 96 }), fc.integer({ min: 0, max: 96 })], FC_PARAMS(300))(
    'a_cover: cover at cpl 0 writes the virtual IFS (vpsr.ic = 0) and never the real one', (g, a, b) => {
      const sof = Math.max(a, b);
      const sol = Math.min(a, b);
      const s = { ...g, psr: g.psr & ~PSR.cpl, rse: { ...g.rse, cfm: { sof, sol } } };
      const o = run(s, { op: 'cover' });
      const vpsr = currentVp(s)?.vp.vpd.vpsr ?? 0n;
      expect(o.canonical.observation.kind).toBe('executed');
      expect(o.canonical.state.cr.get(23)).toBe(s.cr.get(23));
      const vifs = currentVp(o.canonical.state)?.vp.vpd.vcr.get(23);
      if ((vpsr & PSR.ic) === 0n) expect(vifs).toBe((1n << 63n) | BigInt(sof) | (BigInt(sol) << 7n));
      else expect(vifs).toBe(currentVp(s)?.vp.vpd.vcr.get(23));
    });
});

// ---------------------------------------------------------------------------------------------

describe('the uppermost implemented VA bit is the VMM\'s (ITJ; UNIMPLEMENTED_VA_RULE)', () => {
  const profileArb = fc.integer({ min: 50, max: 60 }).map((implVaMsb): VtiProfile => ({ ...P, implVaMsb }));
  /** Addresses near the boundaries: sign-extended around IMPL_VA_MSB and IMPL_VA_MSB - 1, or random. */
  const addressArb = (msb: number) => fc.oneof(
    u64Arb.map((a) => a & ~7n),
    fc.tuple(fc.integer({ min: 0, max: 7 }), fc.constantFrom(msb, msb - 1, msb + 1), fc.boolean(), fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }))
      .map(([region, top, ones, low]) => {
        const upper = ones ? ((1n << 61n) - 1n) & ~((1n << BigInt(top)) - 1n) : 0n;
        return ((BigInt(region) << 61n) | upper | low) & ~7n;
      }),
  );
  /** Bits 60:m all equal: the address is implemented when the highest implemented bit is m. */
  const implemented = (a: bigint, m: number): boolean => {
    const top = (a >> BigInt(m)) & ((1n << BigInt(61 - m)) - 1n);
    return top === 0n || top === (1n << BigInt(61 - m)) - 1n;
  };

  test.prop([profileArb.chain((p) => fc.tuple(fc.constant(p), addressArb(p.implVaMsb), u64Arb))], FC_PARAMS(1500))(
    'guest loads and stores succeed exactly on addresses that do not use bit IMPL_VA_MSB; the VMM has it', ([p, addr, secret]) => {
      const base = guestState(p, {});
      const s = { ...base, memory: new Map([[addr, secret]]), gr: base.gr.map((g, i) => (i === 40 ? { value: addr, nat: false } : g)) };
      const load = run(s, { op: 'ld8', r1: 33, r3: 40 }, p);
      const guestOk = implemented(addr, p.implVaMsb - 1);
      if (guestOk) expect(load.canonical.observation).toEqual({ kind: 'executed', value: secret });
      else {
        expect(load.canonical.observation).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0x30 });
        expect(load.canonical.state.gr[33]).toEqual(s.gr[33]);
        const store = run(s, { op: 'st8', r3: 40, r2: 33 }, p);
        expect(store.canonical.state.memory).toEqual(s.memory);
      }
      const vmm = run({ ...s, psr: s.psr & ~PSR.vm }, { op: 'ld8', r1: 33, r3: 40 }, p);
      expect(vmm.canonical.observation.kind === 'executed').toBe(implemented(addr, p.implVaMsb));
    });

  test.prop([profileArb.chain((p) => fc.tuple(fc.constant(p), addressArb(p.implVaMsb)))], FC_PARAMS(800))(
    'a guest branch to an address using the bit traps (0x5e00); the VMM\'s does not', ([p, target]) => {
      const s = guestState(p, {});
      const o = run(s, { op: 'br-cond', qp: 0, target }, p);
      const ok = implemented(target & ~0xfn, p.implVaMsb - 1);
      expect(o.canonical.observation.kind === 'executed').toBe(ok);
      if (!ok) expect(o.canonical.observation).toMatchObject({ vector: 0x5e00, isrCode: 0x10 });
      const vmm = run({ ...s, psr: s.psr & ~PSR.vm }, { op: 'br-cond', qp: 0, target }, p);
      expect(vmm.canonical.observation.kind === 'executed').toBe(implemented(target & ~0xfn, p.implVaMsb));
    });
});

// ---------------------------------------------------------------------------------------------

describe('the Virtual External Interrupt is delivered exactly when unmasked (SDM 2:187; ITJ)', () => {
  const tprArb = fc.record({ mic: fc.integer({ min: 0, max: 15 }), mmi: fc.boolean() }).map(({ mic, mmi }) => BigInt(mic << 4) | (mmi ? 1n << 16n : 0n));
  const vhpiArb = fc.oneof(fc.integer({ min: 0, max: 15 }), fc.constantFrom(16, 32)).map(BigInt);
  const threshold = (i: boolean, tpr: bigint): bigint => (i ? 0n : 32n) | (((tpr >> 16n) & 1n) << 4n) | ((tpr >> 4n) & 0xfn);

  test.prop([vhpiArb, fc.boolean(), tprArb, fc.boolean()], FC_PARAMS(1000))('before the next guest instruction', (vhpi, i, tpr, aInt) => {
    const vpsr = PSR.ic | PSR.dt | PSR.rt | PSR.it | PSR.bn | (i ? PSR.i : 0n);
    const s = guestState(P, { vac: aInt ? 1n : 0n, vhpi, vpsr, vcr: new Map([[66, tpr]]) });
    const o = run(s, { op: 'nop' });
    const expected = aInt && vhpi > threshold(i, tpr);
    expect(o.canonical.observation.kind === 'virtual-external-interrupt').toBe(expected);
    if (expected) expect(o.canonical.state.ip).toBe(IVA + 0x3400n);
  });

  test.prop([vhpiArb.filter((v) => v > 0n), tprArb, tprArb, fc.boolean()], FC_PARAMS(600))(
    'masked by vpsr.i = 0, delivered after the VMM unmasks it in the VPD and resumes the guest — iff above the new TPR', (vhpi, oldTpr, newTpr, newI) => {
      const masked = PSR.ic | PSR.dt | PSR.rt | PSR.it | PSR.bn;
      const s = guestState(P, { vac: 1n, vhpi, vpsr: masked, vcr: new Map([[66, oldTpr]]) });
      expect(run(s, { op: 'nop' }).canonical.observation.kind).toBe('executed');
      // The VMM (PSR.vm = 0, service PSR) writes vpsr and vtpr into the VPD with st8, then resumes.
      const vpd = DEFAULT_GUEST.vpdAddress;
      const newVpsr = masked | (newI ? PSR.i : 0n);
      const regs = { 33: vpd + 0x590n, 34: newVpsr, 35: vpd + 0xa10n, 36: newTpr } as const;
      let vmm: VtiState = {
        ...s, psr: PSR.dt | PSR.rt | PSR.it | PSR.ic,
        cr: new Map([...s.cr, [16, s.psr], [19, s.ip], [23, 0n]]),
        gr: s.gr.map((g, r) => (r in regs ? { value: regs[r as keyof typeof regs], nat: false } : g)),
      };
      for (const i of [{ op: 'st8', r3: 33, r2: 34 }, { op: 'st8', r3: 35, r2: 36 }] as const) {
        const o = run(vmm, i);
        expect(o.canonical.observation.kind).toBe('executed');
        vmm = o.canonical.state;
      }
      const resumed = vtiStep(P, vmm, { kind: 'pal', call: { name: 'PAL_VPS_RESUME_NORMAL', vbr0: 0n, vpd } });
      expect(resumed.canonical.observation.kind).toBe('guest-resumed');
      const o = run(resumed.canonical.state, { op: 'nop' });
      expect(o.canonical.observation.kind === 'virtual-external-interrupt').toBe(vhpi > threshold(newI, newTpr));
    });
});

// ---------------------------------------------------------------------------------------------

describe('totality, determinism and purity', () => {
  const anyInstructionArb: fc.Arbitrary<VtiInstruction> = fc.oneof(
    caseArb.map((c) => c.i),
    fc.record({ op: fc.constant('vmsw' as const), to: fc.constantFrom<0 | 1>(0, 1) }),
    fc.record({ op: fc.constant('ld8' as const), r1: fc.integer({ min: -2, max: 130 }), r3: regArb }),
    fc.record({ op: fc.constant('st8' as const), r3: regArb, r2: regArb }),
    fc.record({ op: fc.constant('br-call' as const), b1: fc.integer({ min: 0, max: 8 }), target: u64Arb }),
    fc.record({ op: fc.constant('br-ret' as const), b2: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('alloc' as const), r1: regArb, sof: fc.integer({ min: -1, max: 100 }), sol: fc.integer({ min: 0, max: 100 }) }),
    fc.record({ op: fc.constant('probe' as const), access: fc.constantFrom<'r' | 'w'>('r', 'w'), r1: regArb, r3: regArb, r2: regArb }),
    fc.record({ op: fc.constant('mov-to-cr' as const), cr: fc.integer({ min: -1, max: 130 }), r2: regArb }),
    fc.record({ op: fc.constant('ssm' as const), imm24: fc.oneof(fc.integer(), fc.double()) }),
    fc.constantFrom<VtiInstruction>({ op: 'nop' }, { op: 'rfi' }, { op: 'cover' }, { op: 'break', imm21: 3 }),
  );
  const stateArb = fc.tuple(guestArb(fc.bigInt({ min: 0n, max: 0x7fn })), fc.boolean(), fc.boolean())
    .map(([s, vm, nats]) => ({
      ...s,
      psr: vm ? s.psr : s.psr & ~PSR.vm,
      gr: nats ? s.gr.map((g, i) => (i % 5 === 0 && i > 0 ? { ...g, nat: true } : g)) : s.gr,
    }));

  test.prop([stateArb, anyInstructionArb], FC_PARAMS(2000))('every instruction on every state yields a self-conforming outcome without touching its input', (s, i) => {
    const snapshot = structuredClone(s);
    const a = run(s, i);
    const b = run(s, i);
    expect(describeStateDiff(snapshot, s)).toEqual([]);
    expect(describeStateDiff(a.canonical.state, b.canonical.state)).toEqual([]);
    expect(a.permitted[0]).toEqual(a.canonical);
    expect(conformsVti(a.canonical, a)).toBe(true);
    expect(a.rules.length).toBeGreaterThan(0);
  });
});
