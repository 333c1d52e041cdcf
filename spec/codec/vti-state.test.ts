import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fc, test as prop } from '@fast-check/vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { describe, expect, test } from 'vitest';
import { describeStateDiff } from '../vti/machine/compare.js';
import { guestState, initialVtiState } from '../vti/machine/initial.js';
import { DEFAULT_VTI_PROFILE as P } from '../vti/machine/profile.js';
import type { VtiState } from '../vti/machine/state.js';
import { vtiStep } from '../../model/vti/index.js';
import { FC_PARAMS } from '../../conformance/vtx/properties/params.js';
import { formatErrors } from './report.js';
import { decodeVtiStateFile, encodeVtiState, type VtiStateFile } from './vti-state.js';

const decode = (u: unknown): VtiStateFile => {
  const r = decodeVtiStateFile(u);
  if (isLeft(r)) throw new Error(formatErrors(r.left, 'state.json').join('\n'));
  return r.right;
};
const lines = (u: unknown): string[] => {
  const r = decodeVtiStateFile(u);
  return isLeft(r) ? formatErrors(r.left, 'state.json') : ['<decoded>'];
};
const roundTrip = (s: VtiState): VtiState => decode(JSON.parse(JSON.stringify(encodeVtiState(s)))).state;

describe('VT-i state codec', () => {
  test('an empty object is the VMM after reset', () => {
    expect(describeStateDiff(decode({}).state, initialVtiState(P))).toEqual([]);
  });

  test('examples/vti/guest-state.json decodes to a guest whose thash intercepts and whose vac accelerates iip', () => {
    const file = fileURLToPath(new URL('../../examples/vti/guest-state.json', import.meta.url));
    const { state, profile } = decode(JSON.parse(readFileSync(file, 'utf8')));
    expect(profile).toBe('default');
    expect((state.psr >> 46n) & 1n).toBe(1n);
    expect(vtiStep(P, state, { kind: 'instruction', instruction: { op: 'thash', r1: 35, r3: 33 } }).canonical.observation)
      .toMatchObject({ kind: 'intercept', cause: 31 });
    expect(state.gr[34]).toEqual({ value: 0n, nat: true });
  });

  test('decode(encode(s)) = s for a guest, and after model steps (VPD fields, frames, TLB, memory)', () => {
    const g = guestState(P, { vac: 0x7en, vdc: 1n, vhpi: 3n, vcr: new Map([[66, 0x50n], [23, 1n << 63n]]) });
    expect(describeStateDiff(roundTrip(g), g)).toEqual([]);
    let s: VtiState = { ...g, gr: g.gr.map((x, i) => (i === 33 ? { value: 0x1000n, nat: false } : i === 17 ? { value: 5n, nat: true } : x)) };
    for (const instruction of [
      { op: 'st8', r3: 33, r2: 33 }, { op: 'bsw', bank: 0 }, { op: 'br-call', b1: 0, target: 0x8000n }, { op: 'cover' },
    ] as const) s = vtiStep(P, s, { kind: 'instruction', instruction }).canonical.state;
    s = { ...s, tlb: { ...s.tlb, dtr: [{ vadr: 0x4000n, rid: 1n, ps: 14, pte: 0x701n, key: 2n }, ...s.tlb.dtr.slice(1)], itc: [{ vadr: 0x8000n, rid: 0n, ps: 12, pte: 1n, key: 0n }] } };
    expect(s.rse.frames.length).toBe(2);
    expect(describeStateDiff(roundTrip(s), s)).toEqual([]);
  });

  prop.prop([fc.array(fc.tuple(fc.integer({ min: 1, max: 127 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.boolean())), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })], FC_PARAMS(200))(
    'round-trips arbitrary registers and PSR', (regs, psr) => {
      const base = guestState(P);
      const gr = [...base.gr];
      for (const [r, value, nat] of regs) gr[r] = { value, nat };
      const s = { ...base, gr, psr };
      expect(describeStateDiff(roundTrip(s), s)).toEqual([]);
    });

  test('unknown keys are errors that name their path', () => {
    expect(lines({ psr: '0x0', colour: 'red' })).toEqual([expect.stringMatching(/^state\.json: colour: unknown key \(expected "psr", /)]);
    expect(lines({ pal: { status: 'initialised', vps: { '0x8000': { vpd: { vac: '0x1', vacc: '0x1' } } } } })[0])
      .toMatch(/^state\.json: pal\.vps\.0x8000\.vpd\.vacc: unknown key/);
  });

  test('values wider than 64 bits, bad names and bad keys are errors with their path', () => {
    expect(lines({ cr: { tpr: '0x1_0000_0000_0000_0000' } })).toEqual(['state.json: cr.tpr: expected 64-bit value, got 0x10000000000000000']);
    expect(lines({ cr: { tpx: '0x0' } })[0]).toMatch(/^state\.json: cr\.tpx: expected a control register name/);
    expect(lines({ cr: { cr128: '0x0' } })[0]).toMatch(/^state\.json: cr\.cr128: expected a control register name/);
    expect(lines({ gr: { r0: '0x1' } })).toEqual(['state.json: gr.r0: expected a register r1-r127, got key "r0"']);
    expect(lines({ grInactiveBank: { r32: '0x1' } })).toEqual(['state.json: grInactiveBank.r32: expected a register r16-r31, got key "r32"']);
    expect(lines({ memory: { '0x1004': '0x1' } })).toEqual(['state.json: memory.0x1004: key: expected an address aligned to 8 bytes, got 0x1004']);
    expect(lines({ gr: { r33: { value: '0x1' } } })[0]).toMatch(/^state\.json: gr\.r33\.nat: required, but missing/);
    expect(lines({ rse: { sof: 97 } })).toEqual(['state.json: rse.sof: expected an integer from 0 to 96, got 97']);
    expect(lines({ tlb: { itr: [{ vadr: '0x0', rid: '0x0', ps: 64, pte: '0x0', key: '0x0' }] } })).toEqual(['state.json: tlb.itr.0.ps: expected an integer from 0 to 63, got 64']);
    expect(lines({ br: Array.from({ length: 9 }, () => '0x0') })).toEqual(['state.json: br: expected at most 8 elements, got 9']);
  });

  test('cross-field errors: sol above sof, a current VP that does not exist', () => {
    expect(lines({ rse: { sof: 4, sol: 5 } })).toEqual(['state.json: rse.sol: expected at most rse.sof (4), got 5']);
    expect(lines({ pal: { status: 'initialised', current: '0x8000' } })).toEqual(['state.json: pal.current: names no VP: add "0x8000" to pal.vps, or write null']);
  });

  test('an optional "step": decoded with the state, kept by encode, absent when the file has none', () => {
    expect(decode({}).step).toBeUndefined();
    const f = decode({ psr: '0x0', step: { instruction: { op: 'mov-from-cr', r1: 35, cr: 'pta' } } });
    expect(f.step).toEqual({ kind: 'instruction', instruction: { op: 'mov-from-cr', r1: 35, cr: 8 } });
    expect(decode({ step: { pal: { name: 'PAL_VPS_SYNC_READ', vpd: '0xfffc000004000000' } } }).step)
      .toEqual({ kind: 'pal', call: { name: 'PAL_VPS_SYNC_READ', vpd: 0xfffc_0000_0400_0000n } });
    const g = guestState(P);
    const step = { kind: 'event', event: { kind: 'clock', cycles: 1n << 40n } } as const;
    const json = JSON.parse(JSON.stringify(encodeVtiState(g, 'default', step)));
    expect(json.step).toEqual({ event: { kind: 'clock', cycles: '0x10000000000' } });
    const back = decode(json);
    expect(back.step).toEqual(step);
    expect(back.profile).toBe('default');
    expect(describeStateDiff(back.state, g)).toEqual([]);
    expect(encodeVtiState(g)).not.toHaveProperty('step');
  });

  test('errors inside "step" name their path, alongside the state\'s own', () => {
    expect(lines({ step: { instruction: { op: 'mov-from-cr', r1: 35, cr: 8, r9: 1 } } }))
      .toEqual(['state.json: step.instruction.r9: unknown key (expected "op", "r1", "cr")']);
    expect(lines({ psr: 'x', step: { event: { kind: 'nmi' } } })).toEqual([
      expect.stringMatching(/^state\.json: psr: expected a hex string/),
      expect.stringMatching(/^state\.json: step\.event\.kind: unknown event kind "nmi"/),
    ]);
    expect(lines({ step: {} })).toEqual([expect.stringMatching(/^state\.json: step: expected exactly one of "instruction"/)]);
  });

  test('all problems are reported, not only the first', () => {
    expect(lines({ psr: 'x', ip: -1, cr: { nope: '0x0' } })).toHaveLength(3);
  });
});
