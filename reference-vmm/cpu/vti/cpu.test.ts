/** The CPU's boundary: copy in, snapshot out, purity of referenceVtiStep. */
import { describe, expect, test } from 'vitest';
import { describeStateDiff } from '../../../spec/vti/machine/compare.js';
import { guestState, initialVtiState } from '../../../spec/vti/machine/initial.js';
import { ReferenceVtiCpu, referenceVtiStep } from './index.js';
import { ins, P } from './test-support.js';

describe('ReferenceVtiCpu', () => {
  test('snapshot() of an untouched CPU is the state it was given', () => {
    for (const s of [initialVtiState(P), guestState(P, { vac: 0x7fn, vdc: 0x3dn, vhpi: 16n, vcr: new Map([[16, 1n], [66, 0x10010n]]) })]) {
      expect(describeStateDiff(new ReferenceVtiCpu(P, s).snapshot(), s)).toEqual([]);
    }
  });
  test('referenceVtiStep leaves its input state alone, and snapshots do not alias the CPU', () => {
    const s = guestState(P);
    const r = referenceVtiStep(P, s, ins({ op: 'mov-from-cr', r1: 8, cr: 8 }));
    expect(r.observation.kind).toBe('intercept');
    expect(describeStateDiff(s, guestState(P))).toEqual([]);
    const cpu = new ReferenceVtiCpu(P, s);
    const snap = cpu.snapshot();
    cpu.step(ins({ op: 'mov-imm', r1: 8, imm: 5n }));
    expect(snap.gr[8]?.value).toBe(0n);
    expect(cpu.snapshot().gr[8]?.value).toBe(5n);
  });
});
