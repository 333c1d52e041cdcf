import { describe, expect, it } from 'vitest';
import { encodeOpcode } from '../../../spec/vti/machine/opcode.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { VIRTUALIZED_INSTRUCTIONS } from '../../../spec/vti/intercepts.js';
import { interceptRuleId } from '../../../spec/vti/machine/rules.js';
import { PSR, P, gr, guest, native, next, obs, run, withGr, withPsr } from '../testing.js';
import { rowOf } from './classify.js';

const IVA = 0xfffc_0000_0010_0000n;

/**
 * With PSR.vm = 1 at cpl 0 and nothing accelerated, `i` intercepts with `cause` (target host IVA +
 * 0x6100, GR24 = cause, GR25 = opcode, PSR.vm = 0); the same instruction with PSR.vm = 0 does not.
 */
const interceptsOnlyAsGuest = (i: VtiInstruction, cause: number, profile = P) => {
  const s = withGr(guest({}, profile), { 33: 0x10n, 34: 0x2000n });
  const o = run(s, i, profile);
  expect(obs(o)).toEqual({ kind: 'intercept', target: IVA + 0x6100n, cause, opcode: encodeOpcode(i), rule: interceptRuleId(cause) });
  expect(o.rules).toContain(interceptRuleId(cause));
  expect(next(o).psr & PSR.vm).toBe(0n);
  expect(next(o).ip).toBe(IVA + 0x6100n);
  expect(gr(next(o), 24).value).toBe(BigInt(cause));
  expect(gr(next(o), 25).value).toBe(encodeOpcode(i));
  const n = run(native(s), i, profile);
  expect(obs(n).kind).not.toBe('intercept');
};

describe('virtualization intercepts (SDM rev 2.3 §11.7.3, Table 11-22)', () => {
  it('VTI.INTERCEPT.MOV_TO_AR: mov ar.itc = r2 intercepts with cause 1', () => interceptsOnlyAsGuest({ op: 'mov-to-ar', ar: 44, r2: 33 }, 1));
  it('VTI.INTERCEPT.MOV_TO_AR_IMM: mov ar.itc = imm8 intercepts with cause 2', () => interceptsOnlyAsGuest({ op: 'mov-to-ar-imm', ar: 44, imm8: -3 }, 2));
  it('VTI.INTERCEPT.MOV_FROM_AR: mov r1 = ar.itc intercepts with cause 3, at any cpl while PSR.si = 0', () => {
    interceptsOnlyAsGuest({ op: 'mov-from-ar', r1: 33, ar: 44 }, 3);
    const user = withPsr(guest({ cpl: 3 }), 0n, PSR.si);
    expect(obs(run(user, { op: 'mov-from-ar', r1: 33, ar: 44 }))).toMatchObject({ kind: 'intercept', cause: 3 });
  });
  it('VTI.INTERCEPT.MOV_TO_CR: mov cr.pta = r2 intercepts with cause 4', () => interceptsOnlyAsGuest({ op: 'mov-to-cr', cr: 8, r2: 33 }, 4));
  it('VTI.INTERCEPT.MOV_FROM_CR: mov r1 = cr.pta intercepts with cause 5 (the ITJ example)', () => interceptsOnlyAsGuest({ op: 'mov-from-cr', r1: 33, cr: 8 }, 5));
  it('VTI.INTERCEPT.MOV_TO_PSR: mov psr.l = r2 intercepts with cause 6', () => interceptsOnlyAsGuest({ op: 'mov-to-psr-l', r2: 33 }, 6));
  it('VTI.INTERCEPT.MOV_FROM_PSR: mov r1 = psr intercepts with cause 7', () => interceptsOnlyAsGuest({ op: 'mov-from-psr', r1: 33 }, 7));
  it('VTI.INTERCEPT.ITC_D: itc.d intercepts with cause 8', () => interceptsOnlyAsGuest({ op: 'itc', side: 'd', r2: 33 }, 8));
  it('VTI.INTERCEPT.ITC_I: itc.i intercepts with cause 9', () => interceptsOnlyAsGuest({ op: 'itc', side: 'i', r2: 33 }, 9));
  it('VTI.INTERCEPT.MOV_TO_RR: mov rr[r3] = r2 intercepts with cause 10', () => interceptsOnlyAsGuest({ op: 'mov-to-ind', file: 'rr', r3: 34, r2: 33 }, 10));
  it('VTI.INTERCEPT.MOV_TO_DBR: mov dbr[r3] = r2 intercepts with cause 11', () => interceptsOnlyAsGuest({ op: 'mov-to-ind', file: 'dbr', r3: 34, r2: 33 }, 11));
  it('VTI.INTERCEPT.MOV_TO_IBR: mov ibr[r3] = r2 intercepts with cause 12', () => interceptsOnlyAsGuest({ op: 'mov-to-ind', file: 'ibr', r3: 34, r2: 33 }, 12));
  it('VTI.INTERCEPT.MOV_TO_PKR: mov pkr[r3] = r2 intercepts with cause 13', () => interceptsOnlyAsGuest({ op: 'mov-to-ind', file: 'pkr', r3: 33, r2: 34 }, 13));
  it('VTI.INTERCEPT.MOV_TO_PMC: mov pmc[r3] = r2 intercepts with cause 14', () => interceptsOnlyAsGuest({ op: 'mov-to-ind', file: 'pmc', r3: 34, r2: 33 }, 14));
  it('VTI.INTERCEPT.MOV_TO_PMD: mov pmd[r3] = r2 intercepts with cause 15', () => interceptsOnlyAsGuest({ op: 'mov-to-ind', file: 'pmd', r3: 34, r2: 33 }, 15));
  it('VTI.INTERCEPT.ITR_D: itr.d intercepts with cause 16', () => interceptsOnlyAsGuest({ op: 'itr', side: 'd', r3: 33, r2: 34 }, 16));
  it('VTI.INTERCEPT.ITR_I: itr.i intercepts with cause 17', () => interceptsOnlyAsGuest({ op: 'itr', side: 'i', r3: 33, r2: 34 }, 17));
  it('VTI.INTERCEPT.MOV_FROM_RR: mov r1 = rr[r3] intercepts with cause 18', () => interceptsOnlyAsGuest({ op: 'mov-from-ind', file: 'rr', r1: 33, r3: 34 }, 18));
  it('VTI.INTERCEPT.MOV_FROM_DBR: mov r1 = dbr[r3] intercepts with cause 19', () => interceptsOnlyAsGuest({ op: 'mov-from-ind', file: 'dbr', r1: 33, r3: 34 }, 19));
  it('VTI.INTERCEPT.MOV_FROM_IBR: mov r1 = ibr[r3] intercepts with cause 20', () => interceptsOnlyAsGuest({ op: 'mov-from-ind', file: 'ibr', r1: 33, r3: 34 }, 20));
  it('VTI.INTERCEPT.MOV_FROM_PKR: mov r1 = pkr[r3] intercepts with cause 21', () => interceptsOnlyAsGuest({ op: 'mov-from-ind', file: 'pkr', r1: 34, r3: 33 }, 21));
  it('VTI.INTERCEPT.MOV_FROM_PMC: mov r1 = pmc[r3] intercepts with cause 22', () => interceptsOnlyAsGuest({ op: 'mov-from-ind', file: 'pmc', r1: 33, r3: 34 }, 22));
  it('VTI.INTERCEPT.MOV_FROM_CPUID: mov r1 = cpuid[r3] intercepts with cause 23, also at cpl 3 (not privileged)', () => {
    interceptsOnlyAsGuest({ op: 'mov-from-cpuid', r1: 33, r3: 0 }, 23);
    expect(obs(run(guest({ cpl: 3 }), { op: 'mov-from-cpuid', r1: 33, r3: 0 }))).toMatchObject({ kind: 'intercept', cause: 23 });
  });
  it('VTI.INTERCEPT.SSM: ssm intercepts with cause 24', () => interceptsOnlyAsGuest({ op: 'ssm', imm24: 0x4000 }, 24));
  it('VTI.INTERCEPT.RSM: rsm intercepts with cause 25', () => interceptsOnlyAsGuest({ op: 'rsm', imm24: 0x4000 }, 25));
  it('VTI.INTERCEPT.PTC_L: ptc.l intercepts with cause 26', () => interceptsOnlyAsGuest({ op: 'ptc', scope: 'l', r3: 34, r2: 33 }, 26));
  it('VTI.INTERCEPT.PTC_G: ptc.g intercepts with cause 27', () => interceptsOnlyAsGuest({ op: 'ptc', scope: 'g', r3: 34, r2: 33 }, 27));
  it('VTI.INTERCEPT.PTC_GA: ptc.ga intercepts with cause 28', () => interceptsOnlyAsGuest({ op: 'ptc', scope: 'ga', r3: 34, r2: 33 }, 28));
  it('VTI.INTERCEPT.PTR_D: ptr.d intercepts with cause 29', () => interceptsOnlyAsGuest({ op: 'ptr', side: 'd', r3: 34, r2: 33 }, 29));
  it('VTI.INTERCEPT.PTR_I: ptr.i intercepts with cause 30', () => interceptsOnlyAsGuest({ op: 'ptr', side: 'i', r3: 34, r2: 33 }, 30));
  it('VTI.INTERCEPT.THASH: thash intercepts with cause 31 at any cpl (the ITJ VHPT-base concealment)', () => {
    interceptsOnlyAsGuest({ op: 'thash', r1: 33, r3: 34 }, 31);
    expect(obs(run(guest({ cpl: 3 }), { op: 'thash', r1: 33, r3: 34 }))).toMatchObject({ kind: 'intercept', cause: 31 });
  });
  it('VTI.INTERCEPT.TTAG: ttag intercepts with cause 32 at any cpl', () => {
    interceptsOnlyAsGuest({ op: 'ttag', r1: 33, r3: 34 }, 32);
    expect(obs(run(guest({ cpl: 2 }), { op: 'ttag', r1: 33, r3: 34 }))).toMatchObject({ kind: 'intercept', cause: 32 });
  });
  it('VTI.INTERCEPT.TPA: tpa intercepts with cause 33', () => interceptsOnlyAsGuest({ op: 'tpa', r1: 33, r3: 34 }, 33));
  it('VTI.INTERCEPT.TAK: tak intercepts with cause 34', () => interceptsOnlyAsGuest({ op: 'tak', r1: 33, r3: 34 }, 34));
  it('VTI.INTERCEPT.PTC_E: ptc.e intercepts with cause 35', () => interceptsOnlyAsGuest({ op: 'ptc-e', r3: 34 }, 35));
  it('VTI.INTERCEPT.COVER: cover intercepts with cause 36 at cpl 0 only', () => {
    interceptsOnlyAsGuest({ op: 'cover' }, 36);
    expect(obs(run(guest({ cpl: 3 }), { op: 'cover' })).kind).toBe('executed');
  });
  it('VTI.INTERCEPT.RFI: rfi intercepts with cause 37', () => interceptsOnlyAsGuest({ op: 'rfi' }, 37));
  it('VTI.INTERCEPT.BSW_0: bsw.0 intercepts with cause 38', () => interceptsOnlyAsGuest({ op: 'bsw', bank: 0 }, 38));
  it('VTI.INTERCEPT.BSW_1: bsw.1 intercepts with cause 39', () => interceptsOnlyAsGuest({ op: 'bsw', bank: 1 }, 39));
  it('VTI.INTERCEPT.VMSW: vmsw intercepts with cause 40 when it may not switch (here: no access-rights-7 page)', () => {
    const o = run(guest(), { op: 'vmsw', to: 0 });
    expect(obs(o)).toMatchObject({ kind: 'intercept', cause: 40 });
    expect(o.rules).toContain('VTI.INTERCEPT.VMSW');
  });
  it('VTI.INTERCEPT.PROBE: probe intercepts with cause 41 only where the optional feature exists', () => {
    const withProbe = { ...P, optional: { ...P.optional, probeIntercept: true } };
    interceptsOnlyAsGuest({ op: 'probe', access: 'r', r1: 33, r3: 34, r2: 35 }, 41, withProbe);
    expect(obs(run(guest(), { op: 'probe', access: 'r', r1: 33, r3: 34, r2: 35 })).kind).not.toBe('intercept');
  });

  it('every row of VIRTUALIZED_INSTRUCTIONS is reachable by name from the classifier', () => {
    for (const r of VIRTUALIZED_INSTRUCTIONS) expect(rowOf(r.mnemonic)).toBe(r);
  });
});

describe('VTI.INTERCEPT.HANDOFF', () => {
  const i: VtiInstruction = { op: 'mov-from-cr', r1: 33, cr: 8 };
  it('VTI.INTERCEPT.HANDOFF: the intercept goes to the VP\'s opt_handler when it is non-zero', () => {
    const o = run(guest({ optHandler: 0xfffc_0000_0020_0000n }), i);
    expect(obs(o)).toMatchObject({ kind: 'intercept', target: 0xfffc_0000_0020_0000n });
    expect(next(o).ip).toBe(0xfffc_0000_0020_0000n);
  });
  it('VTI.INTERCEPT.HANDOFF: without config_options.cause / .opcode GR24 / GR25 are not provided', () => {
    const s = withGr(guest({ configOptions: 1n << 63n }), {});
    const o = run(s, i);
    expect(obs(o)).toMatchObject({ kind: 'intercept', cause: null, opcode: null });
  });
  it('VTI.INTERCEPT.HANDOFF: cause and opcode land in bank-0 GR24/GR25; the guest\'s bank-1 registers are preserved', () => {
    const s = withGr(guest(), { 24: 0x1111n, 25: 0x2222n });
    const o = run(s, i);
    const after = next(o);
    expect(after.psr & PSR.bn).toBe(0n);
    expect(gr(after, 24).value).toBe(5n);
    expect(after.grInactiveBank[8]?.value).toBe(0x1111n);
    expect(after.grInactiveBank[9]?.value).toBe(0x2222n);
    expect(after.cr.get(19)).toBe(s.ip);
    expect(after.cr.get(16)).toBe(s.psr);
  });
});
