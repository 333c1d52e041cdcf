/**
 * One step of VMX non-root operation as JSON (`vtspec explain` with a non-root state): a guest
 * instruction `{ "instruction": { "op": "OUT", "size": 1, "port": "0x60" } }` or an event
 * `{ "event": { "kind": "external-interrupt", "vector": 48 } }`. Operand names are those of
 * spec/vtx/guest/instructions.ts; registers are numbers 0 (RAX) … 15 (R15); 64-bit values are hex
 * strings or small integers; a displacement may be negative ("-0x8" or -8). Every key of an op is
 * required except those marked optional there; unknown ops and keys are errors naming the path.
 */
import * as t from 'io-ts';
import type { GuestEvent, NonRootInput } from '../vtx/guest/events.js';
import type { GuestInstruction, GuestOp } from '../vtx/guest/instructions.js';
import { hex64, parseUnsigned, toHex } from './hex.js';
import { bool, describeValue, intRange, isPlainObject, literals, strictObject } from './strict.js';

const gpr = intRange('register', 0, 15);
const vector = intRange('vector', 0, 255);

/** A signed 64-bit displacement: "-0x8", "0x10", -8 or 16. */
const disp = new t.Type<bigint, string, unknown>(
  'displacement',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) => {
    const negative = (typeof u === 'string' && u.startsWith('-')) || (typeof u === 'number' && u < 0);
    const magnitude = parseUnsigned(typeof u === 'string' && negative ? u.slice(1) : typeof u === 'number' ? Math.abs(u) : u);
    if (typeof magnitude === 'string') return t.failure(u, c, magnitude.replace('non-negative integer', 'integer'));
    if (magnitude >= 1n << 63n) return t.failure(u, c, `expected a displacement within ±2^63, got ${describeValue(u)}`);
    return t.success(negative ? -magnitude : magnitude);
  },
  (v) => (v < 0n ? `-${toHex(-v)}` : toHex(v)),
);

const mem = strictObject('memory operand', { base: gpr, disp }, {
  segment: literals('segment', ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const),
});
const port = new t.Type<number | 'dx', number | 'dx', unknown>(
  'port',
  (u): u is number | 'dx' => u === 'dx' || (Number.isInteger(u) && (u as number) >= 0 && (u as number) <= 255),
  (u, c) => {
    if (u === 'dx') return t.success('dx');
    const v = parseUnsigned(u);
    return typeof v !== 'string' && v <= 255n ? t.success(Number(v)) : t.failure(u, c, `expected "dx" or an immediate port 0-255, got ${describeValue(u)}`);
  },
  t.identity,
);
const ioSize = new t.Type<1 | 2 | 4, number, unknown>('size', (u): u is 1 | 2 | 4 => u === 1 || u === 2 || u === 4,
  (u, c) => (u === 1 || u === 2 || u === 4 ? t.success(u) : t.failure(u, c, `expected 1, 2 or 4, got ${describeValue(u)}`)), t.identity);
const accessSize = new t.Type<1 | 2 | 4 | 8, number, unknown>('size', (u): u is 1 | 2 | 4 | 8 => u === 1 || u === 2 || u === 4 || u === 8,
  (u, c) => (u === 1 || u === 2 || u === 4 || u === 8 ? t.success(u) : t.failure(u, c, `expected 1, 2, 4 or 8, got ${describeValue(u)}`)), t.identity);
const cr = new t.Type<0 | 2 | 3 | 4 | 8, number, unknown>('cr', (u): u is 0 | 2 | 3 | 4 | 8 => [0, 2, 3, 4, 8].includes(u as number),
  (u, c) => ([0, 2, 3, 4, 8].includes(u as number) ? t.success(u as 0) : t.failure(u, c, `expected 0, 2, 3, 4 or 8, got ${describeValue(u)}`)), t.identity);
const dr = new t.Type<0 | 1 | 2 | 3 | 6 | 7, number, unknown>('dr', (u): u is 0 | 1 | 2 | 3 | 6 | 7 => [0, 1, 2, 3, 6, 7].includes(u as number),
  (u, c) => ([0, 1, 2, 3, 6, 7].includes(u as number) ? t.success(u as 0) : t.failure(u, c, `expected 0-3, 6 or 7, got ${describeValue(u)}`)), t.identity);

type Props = Record<string, t.Mixed>;
const none: Props = {};

/** Required operand keys of every op (optional ones for LMSW), complete by type. */
const OPERANDS: Record<GuestOp, readonly [Props, Props?]> = {
  CPUID: [none], GETSEC: [none], INVD: [none], XSETBV: [none], VMCALL: [none], VMLAUNCH: [none], VMRESUME: [none], VMXOFF: [none],
  VMCLEAR: [{ mem }], VMPTRLD: [{ mem }], VMPTRST: [{ mem }], VMXON: [{ mem }],
  INVEPT: [{ type: gpr, mem }], INVVPID: [{ type: gpr, mem }], INVPCID: [{ type: gpr, mem }],
  VMREAD: [{ dst: gpr, encoding: gpr }], VMWRITE: [{ src: gpr, encoding: gpr }],
  HLT: [none], INVLPG: [{ mem }], RDPMC: [none], RDTSC: [none], RDTSCP: [none], RSM: [none], WBINVD: [none],
  MWAIT: [none], MONITOR: [none], PAUSE: [none], RDRAND: [{ dst: gpr }], RDSEED: [{ dst: gpr }],
  MOV_TO_CR: [{ cr, src: gpr }], MOV_FROM_CR: [{ cr, dst: gpr }], CLTS: [none],
  LMSW: [none, { src: gpr, mem }], SMSW: [{ dst: gpr }],
  MOV_TO_DR: [{ dr, src: gpr }], MOV_FROM_DR: [{ dr, dst: gpr }],
  IN: [{ size: ioSize, port }], OUT: [{ size: ioSize, port }], INS: [{ size: ioSize, rep: bool }], OUTS: [{ size: ioSize, rep: bool }],
  RDMSR: [none], WRMSR: [none],
  LGDT: [{ mem }], LIDT: [{ mem }], SGDT: [{ mem }], SIDT: [{ mem }],
  LLDT: [{ src: gpr }], LTR: [{ src: gpr }], SLDT: [{ dst: gpr }], STR: [{ dst: gpr }],
  XSAVES: [{ mem }], XRSTORS: [{ mem }], ENCLS: [none],
  SYSENTER: [none], SYSEXIT: [none], CLI: [none], STI: [none], PUSHF: [none], POPF: [none], IRET: [none], PUSH_CS: [none],
  MOV_TO_SS: [{ src: gpr }], INT: [{ vector }], INT3: [none], INTO: [none], UD2: [none],
  JMP_FAR: [{ selector: intRange('selector', 0, 0xffff) }], CALL_FAR: [{ selector: intRange('selector', 0, 0xffff) }],
  FPU: [none], SSE: [none], NOP: [none],
  MOV_RI: [{ dst: gpr, imm: hex64 }], MOV_RR: [{ dst: gpr, src: gpr }],
  ALU: [{ fn: literals('fn', ['add', 'sub', 'and', 'or', 'xor', 'cmp'] as const), dst: gpr, src: gpr }],
  LOAD: [{ size: accessSize, dst: gpr, mem }], STORE: [{ size: accessSize, src: gpr, mem }],
  PUSH: [{ src: gpr }], POP: [{ dst: gpr }],
  JMP: [{ target: hex64 }], JCC: [{ cond: literals('cond', ['z', 'nz'] as const), target: hex64 }], CALL: [{ target: hex64 }], RET: [none],
};
const OPS = Object.keys(OPERANDS) as GuestOp[];

const opCodec = literals<GuestOp>('op', OPS);

export const GuestInstructionCodec = new t.Type<GuestInstruction, Record<string, unknown>, unknown>(
  'GuestInstruction',
  (u): u is GuestInstruction => isPlainObject(u) && OPS.includes(u['op'] as GuestOp),
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c, `expected an object like {"op": "CPUID"}, got ${describeValue(u)}`);
    const op = opCodec.validate(u['op'], t.appendContext(c, 'op', opCodec, u['op']));
    if (op._tag === 'Left') return op;
    const [required, optional = {}] = OPERANDS[op.right];
    const body = strictObject(op.right, { op: opCodec, ...required }, optional).validate(u, c);
    if (body._tag === 'Left') return body;
    if (op.right === 'LMSW' && (('src' in body.right) === ('mem' in body.right))) {
      return t.failure(u, c, 'LMSW takes exactly one of "src" (a register) and "mem" (a memory operand)');
    }
    return t.success(body.right as unknown as GuestInstruction);
  },
  (i) => {
    const [required, optional = {}] = OPERANDS[i.op];
    return strictObject(i.op, { op: opCodec, ...required }, optional).encode(i as never) as Record<string, unknown>;
  },
);

const EVENTS = {
  'external-interrupt': { vector }, nmi: {}, init: {}, sipi: { vector }, 'preemption-timer-expiry': {},
} as const satisfies Record<GuestEvent['kind'], Props>;
const kindCodec = literals<GuestEvent['kind']>('kind', Object.keys(EVENTS) as GuestEvent['kind'][]);

export const GuestEventCodec = new t.Type<GuestEvent, Record<string, unknown>, unknown>(
  'GuestEvent',
  (u): u is GuestEvent => isPlainObject(u) && typeof u['kind'] === 'string' && u['kind'] in EVENTS,
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c, `expected an object like {"kind": "nmi"}, got ${describeValue(u)}`);
    const kind = kindCodec.validate(u['kind'], t.appendContext(c, 'kind', kindCodec, u['kind']));
    if (kind._tag === 'Left') return kind;
    const body = strictObject(kind.right, { kind: kindCodec, ...EVENTS[kind.right] }, {}).validate(u, c);
    return body._tag === 'Left' ? body : t.success(body.right as unknown as GuestEvent);
  },
  (e) => ({ ...e }),
);

export const NonRootInputCodec = new t.Type<NonRootInput, Record<string, unknown>, unknown>(
  'NonRootInput',
  (u): u is NonRootInput => isPlainObject(u) && (u['kind'] === 'instruction' || u['kind'] === 'event'),
  (u, c) => {
    const shape = strictObject('step', {}, { instruction: GuestInstructionCodec, event: GuestEventCodec }).validate(u, c);
    if (shape._tag === 'Left') return shape;
    const { instruction, event } = shape.right;
    if ((instruction === undefined) === (event === undefined)) {
      return t.failure(u, c, 'expected exactly one of "instruction" (a guest instruction) and "event" (a guest event)');
    }
    return t.success(instruction !== undefined ? { kind: 'instruction', instruction } : { kind: 'event', event: event! });
  },
  (i) => (i.kind === 'instruction' ? { instruction: GuestInstructionCodec.encode(i.instruction) } : { event: GuestEventCodec.encode(i.event) }),
);
