import { describe, expect, it } from 'vitest';
import { INTERCEPT_HANDOFF, VIRTUALIZED_INSTRUCTIONS } from '../intercepts.js';
import { PAL_VP_PROCEDURES, PAL_VPS_SERVICES } from '../pal.js';
import { describeStateDiff, stateEqual } from './compare.js';
import { PAL_PROCEDURE_CALL_NAMES, PAL_SERVICE_CALL_NAMES } from './events.js';
import { guestState, initialVtiState, PSR } from './initial.js';
import { OPCODE_NUMBER, encodeOpcode } from './opcode.js';
import { describeVtiObservation, observationEqual, type VtiObservation } from './observation.js';
import { DEFAULT_VTI_PROFILE as P } from './profile.js';
import { MODELLED_VAC_BITS, MODELLED_VDC_BITS, VTI_RULES, interceptRuleId, palRuleId, procedureErrors, serviceErrors, vacRuleId, vdcRuleId } from './rules.js';
import { currentVp, isGuest } from './state.js';

describe('VTI_RULES is derived from the spec/vti data', () => {
  it('every virtualized instruction, modelled vac/vdc bit, PAL procedure and service has its rules', () => {
    for (const v of VIRTUALIZED_INSTRUCTIONS) expect(VTI_RULES[interceptRuleId(v.cause)]?.kind).toBe('intercept');
    for (const b of MODELLED_VAC_BITS) expect(VTI_RULES[vacRuleId(b.name)]?.kind).toBe('acceleration');
    for (const b of MODELLED_VDC_BITS) expect(VTI_RULES[vdcRuleId(b.name)]?.kind).toBe('disable');
    for (const p of PAL_VP_PROCEDURES) {
      expect(procedureErrors(p.name).length).toBeGreaterThan(0);
      for (const e of procedureErrors(p.name)) expect(VTI_RULES[palRuleId(p.name, e.key)]).toBeDefined();
      if (p.name !== 'PAL_VP_INFO') expect(VTI_RULES[palRuleId(p.name, 'OK')]).toBeDefined();
    }
    for (const s of PAL_VPS_SERVICES) {
      expect(VTI_RULES[palRuleId(s.name, 'OK')]).toBeDefined();
      for (const e of serviceErrors(s.name)) expect(VTI_RULES[palRuleId(s.name, e.key)]).toBeDefined();
    }
  });
  it('the call shapes of events.ts name exactly the procedures and services of spec/vti/pal.ts', () => {
    expect([...PAL_PROCEDURE_CALL_NAMES].sort()).toEqual(PAL_VP_PROCEDURES.map((p) => p.name).sort());
    expect([...PAL_SERVICE_CALL_NAMES].sort()).toEqual(PAL_VPS_SERVICES.map((p) => p.name).sort());
  });
  it('every rule has a section, a source and a statement', () => {
    for (const [id, r] of Object.entries(VTI_RULES)) {
      expect(id).toMatch(/^VTI(\.[A-Za-z0-9_]+)+$/);
      expect(r.section.length * r.source.length * r.statement.length).toBeGreaterThan(0);
    }
  });
});

describe('opcode (GR25)', () => {
  it('puts r1, r2, r3 where INTERCEPT_HANDOFF says the VMMs decode them', () => {
    const field = (v: bigint, [hi, lo]: readonly [number, number]) => Number((v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));
    const o = encodeOpcode({ op: 'probe', access: 'w', r1: 33, r2: 44, r3: 55 });
    expect(field(o, INTERCEPT_HANDOFF.opcodeFields.r1)).toBe(33);
    expect(field(o, INTERCEPT_HANDOFF.opcodeFields.r2)).toBe(44);
    expect(field(o, INTERCEPT_HANDOFF.opcodeFields.r3)).toBe(55);
    expect(field(encodeOpcode({ op: 'mov-from-cr', r1: 9, cr: 8 }), INTERCEPT_HANDOFF.opcodeFields.r3)).toBe(8);
    expect(o < 1n << 41n).toBe(true);
  });
  it('distinguishes operations and forms', () => {
    expect(new Set(Object.values(OPCODE_NUMBER)).size).toBe(Object.keys(OPCODE_NUMBER).length);
    expect(encodeOpcode({ op: 'bsw', bank: 0 })).not.toBe(encodeOpcode({ op: 'bsw', bank: 1 }));
    expect(encodeOpcode({ op: 'mov-to-ar-imm', ar: 44, imm8: -1 })).not.toBe(encodeOpcode({ op: 'mov-to-ar-imm', ar: 44, imm8: 127 }));
  });
});

describe('observations', () => {
  it('compare everything but the explanatory rule', () => {
    const a: VtiObservation = { kind: 'intercept', target: 0x6100n, cause: 5, opcode: 1n, rule: 'x' };
    expect(observationEqual(a, { ...a, rule: 'y' })).toBe(true);
    expect(observationEqual(a, { ...a, cause: null })).toBe(false);
    expect(observationEqual({ kind: 'executed', value: 1n }, { kind: 'executed', value: 1n, nat: false })).toBe(true);
    expect(observationEqual({ kind: 'executed', value: 1n }, { kind: 'executed', value: 1n, nat: true })).toBe(false);
    expect(describeVtiObservation(a)).toContain('cause 5');
  });
});

describe('states', () => {
  it('initialVtiState is VMM context; guestState runs a guest on a restored VP', () => {
    const s = initialVtiState(P);
    expect(isGuest(s)).toBe(false);
    const g = guestState(P, { vac: 3n });
    expect(isGuest(g)).toBe(true);
    expect(currentVp(g)?.vp.vpd.vac).toBe(3n);
    expect(g.cr.get(2)).toBe(currentVp(g)?.vp.hostIva);
  });
  it('stateEqual treats absent map keys as 0 and ignores stacked registers outside the frame', () => {
    const s = guestState(P, { cfm: { sof: 4, sol: 0 } });
    expect(stateEqual(s, { ...s, cr: new Map([...s.cr, [99, 0n]]) })).toBe(true);
    const outside = s.gr.map((g, i) => (i === 40 ? { value: 9n, nat: false } : g));
    expect(stateEqual(s, { ...s, gr: outside })).toBe(true);
    const inside = s.gr.map((g, i) => (i === 33 ? { value: 9n, nat: false } : g));
    expect(describeStateDiff(s, { ...s, gr: inside })).toEqual(['gr[33]: 0x0 vs 0x9']);
    expect(describeStateDiff(s, { ...s, psr: s.psr & ~PSR.vm })[0]).toMatch(/^psr: /);
  });
  it('a TC compares as a set; translation registers by slot', () => {
    const e1 = { vadr: 0x1000n, rid: 0n, ps: 12, pte: 1n, key: 0n };
    const e2 = { ...e1, vadr: 0x2000n };
    const s = initialVtiState(P);
    expect(stateEqual({ ...s, tlb: { ...s.tlb, itc: [e1, e2] } }, { ...s, tlb: { ...s.tlb, itc: [e2, e1] } })).toBe(true);
    expect(stateEqual({ ...s, tlb: { ...s.tlb, itr: [e1] } }, { ...s, tlb: { ...s.tlb, itr: [null, e1] } })).toBe(false);
  });
});
