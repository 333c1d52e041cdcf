import { fc, test as prop } from '@fast-check/vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { describe, expect, test } from 'vitest';
import type { PalCall, PalCallName, VtiEvent, VtiStepInput } from '../vti/machine/events.js';
import { PAL_PROCEDURE_CALL_NAMES, PAL_SERVICE_CALL_NAMES } from '../vti/machine/events.js';
import type { VtiInstruction, VtiOp } from '../vti/machine/instructions.js';
import { FC_PARAMS } from '../../conformance/vtx/properties/params.js';
import { VTI_OPS, vtiStepInputArb } from '../../conformance/vti/arbitraries.js';
import { formatErrors } from './report.js';
import { decodeVtiStep, encodeVtiStep, VTI_STEP_EVENT_KINDS, VTI_STEP_OPS, VTI_STEP_PAL_NAMES, VtiStepInputCodec } from './vti-step.js';

const decode = (u: unknown): VtiStepInput => {
  const r = decodeVtiStep(u);
  if (isLeft(r)) throw new Error(formatErrors(r.left, '--step').join('\n'));
  return r.right;
};
const lines = (u: unknown): string[] => {
  const r = decodeVtiStep(u);
  return isLeft(r) ? formatErrors(r.left, '--step') : ['<decoded>'];
};
/** Through JSON text, as a file or --step carries it. */
const roundTrip = (s: VtiStepInput): VtiStepInput => decode(JSON.parse(JSON.stringify(encodeVtiStep(s))));

const V = 0xfffc_0000_0400_0000n;

/** One instance of every op, complete by type: a new op does not compile until it has one. */
const INSTRUCTIONS: { readonly [K in VtiOp]: Extract<VtiInstruction, { op: K }> } = {
  'mov-to-cr': { op: 'mov-to-cr', cr: 66, r2: 33 },
  'mov-from-cr': { op: 'mov-from-cr', r1: 35, cr: 8 },
  'mov-to-psr-l': { op: 'mov-to-psr-l', r2: 34 },
  'mov-to-psr-um': { op: 'mov-to-psr-um', r2: 34 },
  'mov-from-psr': { op: 'mov-from-psr', r1: 40 },
  'mov-from-psr-um': { op: 'mov-from-psr-um', r1: 40 },
  ssm: { op: 'ssm', imm24: 0x6000 },
  rsm: { op: 'rsm', imm24: 0xff_ffff },
  rfi: { op: 'rfi' },
  bsw: { op: 'bsw', bank: 1 },
  cover: { op: 'cover' },
  thash: { op: 'thash', r1: 35, r3: 33 },
  ttag: { op: 'ttag', r1: 35, r3: 33 },
  tpa: { op: 'tpa', r1: 127, r3: 0 },
  tak: { op: 'tak', r1: 36, r3: 33 },
  'mov-from-cpuid': { op: 'mov-from-cpuid', r1: 35, r3: 2 },
  itc: { op: 'itc', side: 'd', r2: 9 },
  itr: { op: 'itr', side: 'i', r3: 1, r2: 9 },
  ptc: { op: 'ptc', scope: 'ga', r3: 33, r2: 34 },
  'ptc-e': { op: 'ptc-e', r3: 33 },
  ptr: { op: 'ptr', side: 'd', r3: 33, r2: 34 },
  'mov-to-ind': { op: 'mov-to-ind', file: 'pkr', r3: 3, r2: 4 },
  'mov-from-ind': { op: 'mov-from-ind', file: 'pmd', r1: 5, r3: 6 },
  'mov-to-ar': { op: 'mov-to-ar', ar: 44, r2: 33 },
  'mov-to-ar-imm': { op: 'mov-to-ar-imm', ar: 65, imm8: -128 },
  'mov-from-ar': { op: 'mov-from-ar', r1: 35, ar: 44 },
  vmsw: { op: 'vmsw', to: 0 },
  probe: { op: 'probe', access: 'w', r1: 35, r3: 33, r2: 34 },
  'br-call': { op: 'br-call', b1: 0, target: 0xe000_0000_0010_0000n },
  'br-ret': { op: 'br-ret', b2: 7 },
  'br-cond': { op: 'br-cond', qp: 63, target: 0xffff_ffff_ffff_fff0n },
  alloc: { op: 'alloc', r1: 40, sof: 97, sol: 100 },
  'mov-to-br': { op: 'mov-to-br', b1: 6, r2: 33 },
  'mov-from-br': { op: 'mov-from-br', r1: 35, b2: 0 },
  'mov-imm': { op: 'mov-imm', r1: 33, imm: (1n << 64n) - 1n },
  add: { op: 'add', r1: 35, r2: 33, r3: 34 },
  ld8: { op: 'ld8', r1: 35, r3: 33 },
  st8: { op: 'st8', r3: 33, r2: 34 },
  cmp: { op: 'cmp', relation: 'ltu', p1: 6, p2: 7, r2: 33, r3: 34 },
  nop: { op: 'nop' },
  break: { op: 'break', imm21: 0x1f_ffff },
};

const EVENTS: { readonly [K in VtiEvent['kind']]: Extract<VtiEvent, { kind: K }> } = {
  'external-interrupt': { kind: 'external-interrupt', vector: 255 },
  timer: { kind: 'timer' },
  clock: { kind: 'clock', cycles: 1n << 60n },
};

const PAL: { readonly [K in PalCallName]: Extract<PalCall, { name: K }> } = {
  PAL_VP_CREATE: { name: 'PAL_VP_CREATE', vpd: V, hostIva: 0xfffc_0000_0010_0000n, optHandler: 0n },
  PAL_VP_ENV_INFO: { name: 'PAL_VP_ENV_INFO' },
  PAL_VP_EXIT_ENV: { name: 'PAL_VP_EXIT_ENV', iva: 0xfffc_0000_0010_0000n },
  PAL_VP_INIT_ENV: { name: 'PAL_VP_INIT_ENV', configOptions: 0x8000_0000_0000_0303n, pbaseAddr: 0x800_0000n, vbaseAddr: 0xfffc_0000_0800_0000n },
  PAL_VP_REGISTER: { name: 'PAL_VP_REGISTER', vpd: V, hostIva: 1n, optHandler: 2n },
  PAL_VP_RESTORE: { name: 'PAL_VP_RESTORE', vpd: V, palProcVector: 0n },
  PAL_VP_SAVE: { name: 'PAL_VP_SAVE', vpd: V, palProcVector: 0n },
  PAL_VP_TERMINATE: { name: 'PAL_VP_TERMINATE', vpd: V, iva: 0n },
  PAL_VP_INFO: { name: 'PAL_VP_INFO', featureSet: 1n, vpBuffer: 0n },
  PAL_VPS_RESUME_NORMAL: { name: 'PAL_VPS_RESUME_NORMAL', vbr0: 0x40_0100n, vpd: V },
  PAL_VPS_RESUME_HANDLER: { name: 'PAL_VPS_RESUME_HANDLER', vbr0: 0x40_0100n, vpd: V, vacCfle: (1n << 63n) | 0x7en },
  PAL_VPS_SYNC_READ: { name: 'PAL_VPS_SYNC_READ', vpd: V },
  PAL_VPS_SYNC_WRITE: { name: 'PAL_VPS_SYNC_WRITE', vpd: V },
  PAL_VPS_SET_PENDING_INTERRUPT: { name: 'PAL_VPS_SET_PENDING_INTERRUPT', vpd: V },
  PAL_VPS_THASH: { name: 'PAL_VPS_THASH', vadr: 0x2000_0000_0004_0000n, vrr: 0x139n, vpta: 0x100_003dn },
  PAL_VPS_TTAG: { name: 'PAL_VPS_TTAG', vadr: 0x2000_0000_0004_0000n, vrr: 0x139n },
  PAL_VPS_RESTORE: { name: 'PAL_VPS_RESTORE', vpd: V, gr26: 1n },
  PAL_VPS_SAVE: { name: 'PAL_VPS_SAVE', vpd: V, skipSync: 1n },
};

const ALL: VtiStepInput[] = [
  ...Object.values(INSTRUCTIONS).map((instruction): VtiStepInput => ({ kind: 'instruction', instruction })),
  ...Object.values(EVENTS).map((event): VtiStepInput => ({ kind: 'event', event })),
  ...Object.values(PAL).map((call): VtiStepInput => ({ kind: 'pal', call })),
];

describe('VT-i step codec', () => {
  test('the tables cover every op, event kind and PAL call (and the arbitraries draw every op)', () => {
    expect([...VTI_STEP_OPS].sort()).toEqual(Object.keys(INSTRUCTIONS).sort());
    expect([...VTI_STEP_OPS].sort()).toEqual([...VTI_OPS].sort());
    expect([...VTI_STEP_EVENT_KINDS].sort()).toEqual(Object.keys(EVENTS).sort());
    expect([...VTI_STEP_PAL_NAMES].sort()).toEqual([...PAL_PROCEDURE_CALL_NAMES, ...PAL_SERVICE_CALL_NAMES].sort());
  });

  test.each(ALL.map((s) => [s.kind === 'instruction' ? s.instruction.op : s.kind === 'event' ? s.event.kind : s.call.name, s] as const))(
    'decode(encode(x)) = x through JSON text: %s', (_name, s) => {
      expect(roundTrip(s)).toEqual(s);
      expect(VtiStepInputCodec.is(s)).toBe(true);
    });

  prop.prop([fc.bigInt({ min: 0n, max: 0x7fn }).chain((vac) => vtiStepInputArb(vac))], FC_PARAMS(500))(
    'decode(encode(x)) = x for the steps the conformance properties draw', (s) => {
      expect(roundTrip(s)).toEqual(s);
    });

  test('the encoding: registers as numbers, immediates and 64-bit values as hex strings', () => {
    expect(encodeVtiStep({ kind: 'instruction', instruction: INSTRUCTIONS['mov-from-cr'] })).toEqual({ instruction: { op: 'mov-from-cr', r1: 35, cr: 8 } });
    expect(encodeVtiStep({ kind: 'instruction', instruction: INSTRUCTIONS.ssm })).toEqual({ instruction: { op: 'ssm', imm24: '0x6000' } });
    expect(encodeVtiStep({ kind: 'instruction', instruction: INSTRUCTIONS['mov-to-ar-imm'] })).toEqual({ instruction: { op: 'mov-to-ar-imm', ar: 65, imm8: -128 } });
    expect(encodeVtiStep({ kind: 'event', event: EVENTS.clock })).toEqual({ event: { kind: 'clock', cycles: '0x1000000000000000' } });
    expect(encodeVtiStep({ kind: 'pal', call: PAL.PAL_VPS_SYNC_READ })).toEqual({ pal: { name: 'PAL_VPS_SYNC_READ', vpd: '0xfffc000004000000' } });
  });

  test('register and immediate spellings: names, hex strings, small integers', () => {
    expect(decode({ instruction: { op: 'mov-from-cr', r1: 'r35', cr: 'pta' } })).toEqual({ kind: 'instruction', instruction: { op: 'mov-from-cr', r1: 35, cr: 8 } });
    expect(decode({ instruction: { op: 'mov-from-cr', r1: '0x23', cr: 'cr19' } })).toEqual({ kind: 'instruction', instruction: { op: 'mov-from-cr', r1: 35, cr: 19 } });
    expect(decode({ instruction: { op: 'mov-from-ar', r1: 35, ar: 'itc' } })).toEqual({ kind: 'instruction', instruction: { op: 'mov-from-ar', r1: 35, ar: 44 } });
    expect(decode({ instruction: { op: 'mov-to-ar-imm', ar: 'ar65', imm8: '-0x80' } })).toEqual({ kind: 'instruction', instruction: { op: 'mov-to-ar-imm', ar: 65, imm8: -128 } });
    expect(decode({ instruction: { op: 'cmp', relation: 'eq', p1: 'p6', p2: 7, r2: 'r33', r3: 34 } }))
      .toEqual({ kind: 'instruction', instruction: { op: 'cmp', relation: 'eq', p1: 6, p2: 7, r2: 33, r3: 34 } });
    expect(decode({ instruction: { op: 'br-call', b1: 'b0', target: 4194560 } })).toEqual({ kind: 'instruction', instruction: { op: 'br-call', b1: 0, target: 0x40_0100n } });
    expect(decode({ event: { kind: 'external-interrupt', vector: '0x30' } })).toEqual({ kind: 'event', event: { kind: 'external-interrupt', vector: 48 } });
    expect(decode({ pal: { name: 'PAL_VPS_SYNC_READ', vpd: '0xfffc_0000_0400_0000' } })).toEqual({ kind: 'pal', call: PAL.PAL_VPS_SYNC_READ });
  });

  test('illegal-but-encodable operands decode (the model faults them): sof 97, sol > sof, p1 = p2, GR0 as target', () => {
    expect(lines({ instruction: { op: 'alloc', r1: 40, sof: 97, sol: 100 } })).toEqual(['<decoded>']);
    expect(lines({ instruction: { op: 'cmp', relation: 'eq', p1: 6, p2: 6, r2: 1, r3: 2 } })).toEqual(['<decoded>']);
    expect(lines({ instruction: { op: 'mov-from-cr', r1: 0, cr: 90 } })).toEqual(['<decoded>']);
  });

  test('unknown ops, kinds and PAL calls are errors naming the path, with the closest name', () => {
    expect(lines({ instruction: { op: 'mov-fron-cr', r1: 35, cr: 8 } }))
      .toEqual([expect.stringMatching(/^--step: instruction\.op: unknown op "mov-fron-cr" \(did you mean "mov-from-cr"\?\); expected one of mov-to-cr, mov-from-cr, /)]);
    expect(lines({ event: { kind: 'nmi' } })).toEqual([expect.stringMatching(/^--step: event\.kind: unknown event kind "nmi"; expected one of external-interrupt, timer, clock$/)]);
    expect(lines({ pal: { name: 'PAL_VPS_SYNC_RAED', vpd: '0x0' } })[0]).toMatch(/^--step: pal\.name: unknown PAL call "PAL_VPS_SYNC_RAED" \(did you mean "PAL_VPS_SYNC_READ"\?\)/);
    expect(lines({ instruction: { r1: 35 } })).toEqual([expect.stringMatching(/^--step: instruction\.op: required, but missing \(the op: one of mov-to-cr, /)]);
    expect(lines({ instruction: 'nop' })).toEqual(['--step: instruction: expected an object like {"op": "mov-from-cr", "r1": 35, "cr": "pta"}, got "nop"']);
  });

  test('unknown and missing operands are errors naming the path, all of them', () => {
    expect(lines({ instruction: { op: 'mov-from-cr', r1: 35, cr: 8, r2: 3 } }))
      .toEqual(['--step: instruction.r2: unknown key (expected "op", "r1", "cr")']);
    expect(lines({ instruction: { op: 'mov-from-cr', cr: 8 } }))
      .toEqual(['--step: instruction.r1: required, but missing (expected a general register (0-127))']);
    expect(lines({ pal: { name: 'PAL_VP_INIT_ENV', configOptions: '0x1' } })).toEqual([
      '--step: pal.pbaseAddr: required, but missing (expected hex64)',
      '--step: pal.vbaseAddr: required, but missing (expected hex64)',
    ]);
    expect(lines({ event: { kind: 'timer', vector: 3 } })).toEqual(['--step: event.vector: unknown key (expected "kind")']);
  });

  test('out-of-range and mistyped values are errors naming the path', () => {
    expect(lines({ instruction: { op: 'mov-from-cr', r1: 128, cr: 8 } }))
      .toEqual(['--step: instruction.r1: expected a general register 0-127 (a number, or "r0"-"r127"), got 128']);
    expect(lines({ instruction: { op: 'mov-from-cr', r1: 35, cr: 'ptx' } }))
      .toEqual(['--step: instruction.cr: expected a control register 0-127 (a number, or a name like "pta" or "cr8"), got "ptx"']);
    expect(lines({ instruction: { op: 'ssm', imm24: '0x1000000' } })).toEqual(['--step: instruction.imm24: expected a 24-bit immediate 0-0xffffff, got "0x1000000"']);
    expect(lines({ instruction: { op: 'mov-to-ar-imm', ar: 44, imm8: 128 } }))
      .toEqual(['--step: instruction.imm8: expected a signed 8-bit immediate -128 to 127 (an integer, or a hex string like "-0x80"), got 128']);
    expect(lines({ instruction: { op: 'bsw', bank: 2 } })).toEqual(['--step: instruction.bank: expected bank: 0 or 1, got 2']);
    expect(lines({ instruction: { op: 'itc', side: 'x', r2: 1 } })).toEqual(['--step: instruction.side: expected one of "i", "d", got "x"']);
    expect(lines({ instruction: { op: 'mov-imm', r1: 33, imm: '0x1_0000_0000_0000_0000' } }))
      .toEqual(['--step: instruction.imm: expected 64-bit value, got 0x10000000000000000']);
    expect(lines({ instruction: { op: 'mov-imm', r1: 33, imm: 2 ** 60 } })[0]).toMatch(/^--step: instruction\.imm: expected a non-negative integer below 2\^53/);
    expect(lines({ event: { kind: 'external-interrupt', vector: 256 } })).toEqual(['--step: event.vector: expected an interrupt vector 0-255, got 256']);
  });

  test('exactly one of instruction, event and pal', () => {
    expect(lines({})).toEqual(['--step: expected exactly one of "instruction" (an instruction), "event" (an event) and "pal" (a PAL call), got none']);
    expect(lines({ instruction: { op: 'nop' }, event: { kind: 'timer' } }))
      .toEqual(['--step: expected exactly one of "instruction" (an instruction), "event" (an event) and "pal" (a PAL call), got 2']);
    expect(lines({ instr: { op: 'nop' } })).toEqual(['--step: instr: unknown key (expected "instruction", "event", "pal")']);
    expect(lines([])).toEqual(['--step: expected an object with one of "instruction" (an instruction), "event" (an event) and "pal" (a PAL call), got an array']);
  });
});
