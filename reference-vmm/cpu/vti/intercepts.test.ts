/**
 * Virtualization intercepts (VTI.INTERCEPT.*, VTI.INTERCEPT.HANDOFF, VTI.ORDER.*): with PSR.vm = 1 and
 * no acceleration, every virtualized instruction intercepts at cpl 0 with its cause in bank-0 GR24
 * and its opcode in GR25; privileged ones fault first at cpl > 0.
 */
import { describe, expect, test } from 'vitest';
import { VIRTUALIZED_INSTRUCTIONS } from '../../../spec/vti/intercepts.js';
import { DEFAULT_GUEST, guestState, PSR } from '../../../spec/vti/machine/initial.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { encodeOpcode } from '../../../spec/vti/machine/opcode.js';
import { DEFAULT_VTI_PROFILE } from '../../../spec/vti/machine/profile.js';
import { interceptRuleId } from '../../../spec/vti/machine/rules.js';
import { VMM_CONFIG_OPTIONS } from '../../../spec/vti/pal.js';
import { bit, cr, fault, gr, ins, P, run, withGr } from './test-support.js';

/** One instruction per cause code (spec/vti/intercepts.ts INTERCEPT_CAUSES). */
const SAMPLES: Readonly<Record<number, VtiInstruction>> = {
  1: { op: 'mov-to-ar', ar: 44, r2: 1 },
  2: { op: 'mov-to-ar-imm', ar: 44, imm8: 5 },
  3: { op: 'mov-from-ar', r1: 1, ar: 44 },
  4: { op: 'mov-to-cr', cr: 8, r2: 1 },
  5: { op: 'mov-from-cr', r1: 1, cr: 8 },
  6: { op: 'mov-to-psr-l', r2: 1 },
  7: { op: 'mov-from-psr', r1: 1 },
  8: { op: 'itc', side: 'd', r2: 1 },
  9: { op: 'itc', side: 'i', r2: 1 },
  10: { op: 'mov-to-ind', file: 'rr', r3: 1, r2: 2 },
  11: { op: 'mov-to-ind', file: 'dbr', r3: 1, r2: 2 },
  12: { op: 'mov-to-ind', file: 'ibr', r3: 1, r2: 2 },
  13: { op: 'mov-to-ind', file: 'pkr', r3: 1, r2: 2 },
  14: { op: 'mov-to-ind', file: 'pmc', r3: 1, r2: 2 },
  15: { op: 'mov-to-ind', file: 'pmd', r3: 1, r2: 2 },
  16: { op: 'itr', side: 'd', r3: 1, r2: 2 },
  17: { op: 'itr', side: 'i', r3: 1, r2: 2 },
  18: { op: 'mov-from-ind', file: 'rr', r1: 3, r3: 1 },
  19: { op: 'mov-from-ind', file: 'dbr', r1: 3, r3: 1 },
  20: { op: 'mov-from-ind', file: 'ibr', r1: 3, r3: 1 },
  21: { op: 'mov-from-ind', file: 'pkr', r1: 3, r3: 1 },
  22: { op: 'mov-from-ind', file: 'pmc', r1: 3, r3: 1 },
  23: { op: 'mov-from-cpuid', r1: 3, r3: 1 },
  24: { op: 'ssm', imm24: 0x4000 },
  25: { op: 'rsm', imm24: 0x4000 },
  26: { op: 'ptc', scope: 'l', r3: 1, r2: 2 },
  27: { op: 'ptc', scope: 'g', r3: 1, r2: 2 },
  28: { op: 'ptc', scope: 'ga', r3: 1, r2: 2 },
  29: { op: 'ptr', side: 'd', r3: 1, r2: 2 },
  30: { op: 'ptr', side: 'i', r3: 1, r2: 2 },
  31: { op: 'thash', r1: 3, r3: 1 },
  32: { op: 'ttag', r1: 3, r3: 1 },
  33: { op: 'tpa', r1: 3, r3: 1 },
  34: { op: 'tak', r1: 3, r3: 1 },
  35: { op: 'ptc-e', r3: 1 },
  36: { op: 'cover' },
  37: { op: 'rfi' },
  38: { op: 'bsw', bank: 0 },
  39: { op: 'bsw', bank: 1 },
  40: { op: 'vmsw', to: 0 },
  41: { op: 'probe', access: 'r', r1: 3, r3: 1, r2: 2 },
};

const RICH = { ...DEFAULT_VTI_PROFILE, optional: { probeIntercept: true, iib: false } };
const INTERCEPT_TARGET = DEFAULT_GUEST.hostIva + 0x6100n;

describe('every virtualized instruction intercepts at guest cpl 0 with its cause and opcode', () => {
  for (const v of VIRTUALIZED_INSTRUCTIONS) {
    test(`${interceptRuleId(v.cause)}, VTI.INTERCEPT.HANDOFF: ${v.mnemonic}`, () => {
      const i = SAMPLES[v.cause]!;
      const s = guestState(P, { vdc: 1n /* d_vmsw, so vmsw intercepts */ });
      const r = run(s, [ins(i)], RICH);
      expect(r.last).toMatchObject({ kind: 'intercept', target: INTERCEPT_TARGET, cause: v.cause, opcode: encodeOpcode(i) });
      // Delivered like a fault: IIP / IPSR of the guest, PSR.vm, bn, ic, i cleared, cause and opcode in bank 0.
      expect(cr(r.state, 19)).toBe(s.ip);
      expect(cr(r.state, 16)).toBe(s.psr);
      expect(bit(r.state.psr, 46) || bit(r.state.psr, 44) || bit(r.state.psr, 13) || bit(r.state.psr, 14)).toBe(false);
      expect(r.state.ip).toBe(INTERCEPT_TARGET);
      expect(gr(r.state, 24)).toBe(BigInt(v.cause));
      expect(gr(r.state, 25)).toBe(encodeOpcode(i));
      expect(r.state.lastIp).toBe(s.lastIp);
    });
  }
});

describe('VTI.ORDER.PRIVILEGED_FIRST: guest user code faults before any intercept', () => {
  for (const v of VIRTUALIZED_INSTRUCTIONS) {
    test(`${interceptRuleId(v.cause)} at cpl 3: ${v.mnemonic}`, () => {
      const i = SAMPLES[v.cause]!;
      const r = run(guestState(P, { cpl: 3 }), [ins(i)], RICH);
      if (v.condition === 'any-cpl') expect(r.last).toMatchObject({ kind: 'intercept', cause: v.cause });
      else if (v.cause === 36) expect(r.last).toEqual({ kind: 'executed' });
      else if (v.cause <= 3) expect(r.last).toMatchObject(fault('privilegedRegister'));
      else expect(r.last).toMatchObject({ kind: 'interruption', vector: 0x5400, isrCode: 0x10 });
    });
  }
});

describe('handoff options (VTI.INTERCEPT.HANDOFF)', () => {
  test('config_options.cause = 0: GR24 keeps its value and no cause is reported', () => {
    const s = withGr(guestState(P, { configOptions: VMM_CONFIG_OPTIONS.first & ~(1n << 9n) }), 1, 0n);
    const r = run(s, [ins(SAMPLES[5]!)]);
    expect(r.last).toMatchObject({ kind: 'intercept', cause: null, opcode: encodeOpcode(SAMPLES[5]!) });
    expect(r.state.grInactiveBank[8]?.value ?? 0n).toBe(0n);
  });
  test('an opt_handler given to PAL_VP_CREATE receives the intercepts', () => {
    const r = run(guestState(P, { optHandler: 0xfffc_0000_0030_0000n }), [ins(SAMPLES[7]!)]);
    expect(r.last).toMatchObject({ kind: 'intercept', target: 0xfffc_0000_0030_0000n });
  });
  test('ITJ example: mov r1 = cr.pta intercepts with every acceleration on', () => {
    expect(run(guestState(P, { vac: 0x7fn }), [ins(SAMPLES[5]!)]).last).toMatchObject({ kind: 'intercept', cause: 5 });
  });
});

describe('check order before the intercept (SDM rev 2.3 pseudo-code)', () => {
  test('VTI.ORDER.OPERAND_CHECKS_FIRST: a register outside the frame is an Illegal Operation fault, not an intercept', () => {
    const r = run(guestState(P, { cfm: { sof: 4, sol: 2 } }), [ins({ op: 'mov-from-cr', r1: 40, cr: 8 })]);
    expect(r.last).toMatchObject(fault('illegalOperation'));
  });
  test('VTI.NATIVE.NAT_CONSUMPTION: mov cr = r2 and mov psr.l check GR[r2].NaT before the intercept', () => {
    const s = withGr(guestState(P), 1, 0n, true);
    expect(run(s, [ins(SAMPLES[4]!)]).last).toMatchObject(fault('registerNatConsumption'));
    expect(run(s, [ins(SAMPLES[6]!)]).last).toMatchObject(fault('registerNatConsumption'));
  });
  test('VTI.NATIVE.MOV_PSR: reserved PSR{31:0} bits in mov psr.l fault before the intercept', () => {
    expect(run(withGr(guestState(P), 1, 1n << 7n), [ins(SAMPLES[6]!)]).last).toMatchObject(fault('reservedRegisterField'));
  });
  test('VTI.UNIMPL_VA.DATA: itc with an IFA the guest cannot name faults before the intercept', () => {
    const s = guestState(P, {});
    const withIfa = { ...s, cr: new Map([...s.cr, [20, 0xfffc_0000_0000_0000n]]) };
    expect(run(withIfa, [ins(SAMPLES[8]!)]).last).toMatchObject(fault('unimplementedDataAddress'));
  });
  test('mov ar: only AR.ITC is virtualized; ar.k0 writes at cpl 0 complete', () => {
    expect(run(guestState(P), [ins({ op: 'mov-to-ar', ar: 0, r2: 1 })]).last).toEqual({ kind: 'executed' });
    expect(run(guestState(P, { cpl: 1 }), [ins({ op: 'mov-to-ar', ar: 0, r2: 1 })]).last).toMatchObject(fault('privilegedRegister'));
  });
  test('VTI.NATIVE.MOV_AR: a reserved AR is an Illegal Operation fault', () => {
    expect(run(guestState(P), [ins({ op: 'mov-to-ar', ar: 9, r2: 1 })]).last).toMatchObject(fault('illegalOperation'));
  });
  test('VTI.INTERCEPT.MOV_FROM_AR: reading AR.ITC intercepts at any cpl when PSR.si = 0', () => {
    const s = guestState(P, { cpl: 2 });
    expect(run({ ...s, psr: s.psr & ~PSR.si }, [ins(SAMPLES[3]!)]).last).toMatchObject({ kind: 'intercept', cause: 3 });
  });
});

describe('PSR.vm = 1 with no VP restored (undefined; our choice, README.md)', () => {
  test('VTI.GUEST.NO_VP: every control reads 0, so an instruction the VPD would accelerate intercepts, to CR.IVA + 0x6100', () => {
    const s = guestState(P, { vac: 0x7fn, vhpi: 0xffn, optHandler: 0xfffc_0000_0030_0000n });
    if (s.pal.status !== 'initialised') throw new Error('guestState has an environment');
    const r = run({ ...s, pal: { ...s.pal, current: null } }, [ins(SAMPLES[7]!)]);
    expect(r.last).toMatchObject({ kind: 'intercept', cause: 7, target: INTERCEPT_TARGET });
  });
});
