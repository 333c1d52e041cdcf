/**
 * A VMX instruction as JSON: {"op": "VMLAUNCH"}, {"op": "VMXON", "operand": hex64},
 * {"op": "VMREAD", "encoding": hex64}, {"op": "VMWRITE", "encoding": hex64, "value": hex64}, ...
 */
import * as t from 'io-ts';
import type { VtxInstruction } from '../vtx/instructions.js';
import { hex64 } from './hex.js';
import { describeValue, isPlainObject, literals, strictObject } from './strict.js';

const bare = <O extends string>(op: O) => strictObject(op, { op: literals('op', [op]) }, {});
const withOperand = <O extends string>(op: O) => strictObject(op, { op: literals('op', [op]), operand: hex64 }, {});

const SHAPES = {
  VMXON: withOperand('VMXON'),
  VMXOFF: bare('VMXOFF'),
  VMCLEAR: withOperand('VMCLEAR'),
  VMPTRLD: withOperand('VMPTRLD'),
  VMPTRST: bare('VMPTRST'),
  VMREAD: strictObject('VMREAD', { op: literals('op', ['VMREAD']), encoding: hex64 }, {}),
  VMWRITE: strictObject('VMWRITE', { op: literals('op', ['VMWRITE']), encoding: hex64, value: hex64 }, {}),
  VMLAUNCH: bare('VMLAUNCH'),
  VMRESUME: bare('VMRESUME'),
} as const satisfies Record<VtxInstruction['op'], t.Mixed>;

export type InstructionJson = { op: VtxInstruction['op'] } & Record<string, string>;

export const InstructionCodec = new t.Type<VtxInstruction, InstructionJson, unknown>(
  'VtxInstruction',
  (u): u is VtxInstruction => isPlainObject(u) && typeof u['op'] === 'string' && u['op'] in SHAPES,
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c, `expected an instruction object, got ${describeValue(u)}`);
    const op = u['op'];
    if (typeof op !== 'string' || !(op in SHAPES)) {
      return t.failure(u, c, `expected "op" to be one of ${Object.keys(SHAPES).join(', ')}, got ${describeValue(op)}`);
    }
    return SHAPES[op as VtxInstruction['op']].validate(u, c) as t.Validation<VtxInstruction>;
  },
  (i) => (SHAPES[i.op] as t.Mixed).encode(i) as InstructionJson,
);
