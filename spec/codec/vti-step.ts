/**
 * One VT-i step as JSON (`vtspec explain --arch vti --step JSON`, and the "step" key of a VT-i state
 * file): exactly one of
 *
 * ```json
 * { "instruction": { "op": "mov-from-cr", "r1": 35, "cr": "pta" } }
 * { "event": { "kind": "external-interrupt", "vector": 48 } }
 * { "pal": { "name": "PAL_VPS_SYNC_READ", "vpd": "0xfffc000004000000" } }
 * ```
 *
 * Operand and argument names are those of spec/vti/machine/instructions.ts and events.ts. Every
 * operand of an op (argument of a call, field of an event) is required and nothing else is allowed;
 * the tables below are complete by type over VtiInstruction['op'], VtiEvent['kind'] and
 * PalCall['name'], and each codec decodes to exactly the operand's type, so a new op, operand or call
 * does not compile until it has its codec here.
 *
 * Values: 64-bit values (targets, movl immediates, PAL arguments, clock cycles) as in hex.ts — hex
 * strings or integers below 2^53. Register numbers and small immediates are integers or hex strings
 * too; registers may also be named ("r35", "b0", "p6"), control registers by name or number ("pta",
 * "cr8", 8) and application registers likewise ("itc", "ar44", 44). Ranges are those of the
 * instruction formats (r1-r3 and cr/ar 7 bits, b 3 bits, p and qp 6 bits, alloc's sof and sol 7 bits):
 * combinations the architecture makes illegal (a register outside the frame, sol > sof, sof > 96,
 * p1 = p2) decode, and the model decides them (an Illegal Operation fault). The encoder writes
 * numbers for registers, hex strings for immediates and 64-bit values, so decode(encode(x)) = x.
 */
import * as t from 'io-ts';
import { CONTROL_REGISTERS } from '../vti/control-registers.js';
import type { PalCall, PalCallName, VtiEvent, VtiStepInput } from '../vti/machine/events.js';
import { AR, type CmpRelation, type IndirectFile, type TlbSide, type VtiInstruction, type VtiOp } from '../vti/machine/instructions.js';
import { hex64, parseUnsigned, toHex } from './hex.js';
import { describeValue, isPlainObject, literals, strictObject } from './strict.js';

// ---------------------------------------------------------------------------------------------
// Operand codecs

/**
 * An unsigned number in [0, max]: an integer, a hex string, or a name `named` knows (a register
 * name). Decoded to a number; encoded as a number, or a hex string for immediates (`hex`).
 */
const small = (what: string, max: number, opts: { readonly named?: (s: string) => number | undefined; readonly names?: string; readonly hex?: boolean } = {}) =>
  new t.Type<number, number | string, unknown>(
    `${what} (0-${max === 0xff_ffff || max === 0x1f_ffff ? toHex(max) : max})`,
    (u): u is number => Number.isSafeInteger(u) && (u as number) >= 0 && (u as number) <= max,
    (u, c) => {
      const named = typeof u === 'string' ? opts.named?.(u) : undefined;
      const v = named !== undefined ? BigInt(named) : parseUnsigned(u);
      const range = max >= 0x1000 ? `0-${toHex(max)}` : `0-${max}`;
      if (typeof v === 'string' || v > BigInt(max)) {
        return t.failure(u, c, `expected ${what} ${range}${opts.names === undefined ? '' : ` (a number, or ${opts.names})`}, got ${describeValue(u)}`);
      }
      return t.success(Number(v));
    },
    (n) => (opts.hex === true ? toHex(n) : n),
  );

const prefixed = (prefix: string) => (s: string): number | undefined => {
  const m = new RegExp(`^${prefix}(\\d{1,3})$`).exec(s);
  return m?.[1] === undefined ? undefined : Number(m[1]);
};

const CR_BY_NAME = new Map<string, number>(CONTROL_REGISTERS.map((c) => [c.name, c.number]));
const AR_BY_NAME = new Map<string, number>(Object.entries(AR));

/** A general register GR0-GR127 (the 7-bit r1 / r2 / r3 fields). */
const gr = small('a general register', 127, { named: prefixed('r'), names: '"r0"-"r127"' });
/** A branch register b0-b7. */
const br = small('a branch register', 7, { named: prefixed('b'), names: '"b0"-"b7"' });
/** A predicate register p0-p63. */
const pr = small('a predicate register', 63, { named: prefixed('p'), names: '"p0"-"p63"' });
/** A control register number (the 7-bit cr3 field); whether it exists is the model's question. */
const crNumber = small('a control register', 127, { named: (s) => CR_BY_NAME.get(s) ?? prefixed('cr')(s), names: 'a name like "pta" or "cr8"' });
/** An application register number (the 7-bit ar3 field). */
const arNumber = small('an application register', 127, { named: (s) => AR_BY_NAME.get(s) ?? prefixed('ar')(s), names: 'a name like "itc" or "ar44"' });
/** alloc's sof / sol: 7-bit fields; above 96, or sol above sof, is the model's Illegal Operation. */
const frameSize = (what: string) => small(what, 127);
const imm24 = small('a 24-bit immediate', 0xff_ffff, { hex: true });
const imm21 = small('a 21-bit immediate', 0x1f_ffff, { hex: true });
const vector = small('an interrupt vector', 255);

/** imm8 of `mov ar = imm8`: -128..127, as an integer or a hex string with an optional "-". */
const imm8 = new t.Type<number, number, unknown>(
  'a signed 8-bit immediate (-128-127)',
  (u): u is number => Number.isInteger(u) && (u as number) >= -128 && (u as number) <= 127,
  (u, c) => {
    const negative = (typeof u === 'string' && u.startsWith('-')) || (typeof u === 'number' && u < 0);
    const magnitude = parseUnsigned(typeof u === 'string' && negative ? u.slice(1) : typeof u === 'number' ? Math.abs(u) : u);
    const v = typeof magnitude === 'string' ? undefined : negative ? -magnitude : magnitude;
    return v === undefined || v < -128n || v > 127n
      ? t.failure(u, c, `expected a signed 8-bit immediate -128 to 127 (an integer, or a hex string like "-0x80"), got ${describeValue(u)}`)
      : t.success(Number(v));
  },
  t.identity,
);

/** One of a few numbers (bsw's bank, vmsw's target). */
const oneOf = <N extends number>(what: string, values: readonly N[]) =>
  new t.Type<N, number, unknown>(
    what,
    (u): u is N => (values as readonly unknown[]).includes(u),
    (u, c) => ((values as readonly unknown[]).includes(u) ? t.success(u as N)
      : t.failure(u, c, `expected ${what}: ${values.join(' or ')}, got ${describeValue(u)}`)),
    t.identity,
  );

const side = literals<TlbSide>('side', ['i', 'd']);
const FILES = ['rr', 'pkr', 'ibr', 'dbr', 'pmc', 'pmd'] as const satisfies readonly IndirectFile[];
const RELATIONS = ['eq', 'ne', 'lt', 'ltu'] as const satisfies readonly CmpRelation[];

// ---------------------------------------------------------------------------------------------
// The tables, complete by type

/** A codec decoding to exactly `A` (whatever it writes). */
type CodecOf<A> = t.Type<A, unknown, unknown>;
/** The codecs of every field of `U` but its tag `D`: none missing, none extra. */
type FieldCodecs<U, D extends PropertyKey> = { readonly [P in Exclude<keyof U, D>]-?: CodecOf<U[P]> };

type InstructionTable = { readonly [K in VtiOp]: FieldCodecs<Extract<VtiInstruction, { readonly op: K }>, 'op'> };
type EventTable = { readonly [K in VtiEvent['kind']]: FieldCodecs<Extract<VtiEvent, { readonly kind: K }>, 'kind'> };
type PalTable = { readonly [K in PalCallName]: FieldCodecs<Extract<PalCall, { readonly name: K }>, 'name'> };

/** The operands of every op. */
export const INSTRUCTION_OPERANDS: InstructionTable = {
  'mov-to-cr': { cr: crNumber, r2: gr },
  'mov-from-cr': { r1: gr, cr: crNumber },
  'mov-to-psr-l': { r2: gr },
  'mov-to-psr-um': { r2: gr },
  'mov-from-psr': { r1: gr },
  'mov-from-psr-um': { r1: gr },
  ssm: { imm24 },
  rsm: { imm24 },
  rfi: {},
  bsw: { bank: oneOf('bank', [0, 1] as const) },
  cover: {},
  thash: { r1: gr, r3: gr },
  ttag: { r1: gr, r3: gr },
  tpa: { r1: gr, r3: gr },
  tak: { r1: gr, r3: gr },
  'mov-from-cpuid': { r1: gr, r3: gr },
  itc: { side, r2: gr },
  itr: { side, r3: gr, r2: gr },
  ptc: { scope: literals('scope', ['l', 'g', 'ga'] as const), r3: gr, r2: gr },
  'ptc-e': { r3: gr },
  ptr: { side, r3: gr, r2: gr },
  'mov-to-ind': { file: literals('file', FILES), r3: gr, r2: gr },
  'mov-from-ind': { file: literals('file', FILES), r1: gr, r3: gr },
  'mov-to-ar': { ar: arNumber, r2: gr },
  'mov-to-ar-imm': { ar: arNumber, imm8 },
  'mov-from-ar': { r1: gr, ar: arNumber },
  vmsw: { to: oneOf('vmsw target', [0, 1] as const) },
  probe: { access: literals('access', ['r', 'w'] as const), r1: gr, r3: gr, r2: gr },
  'br-call': { b1: br, target: hex64 },
  'br-ret': { b2: br },
  'br-cond': { qp: pr, target: hex64 },
  alloc: { r1: gr, sof: frameSize('a frame size (sof)'), sol: frameSize('a locals size (sol)') },
  'mov-to-br': { b1: br, r2: gr },
  'mov-from-br': { r1: gr, b2: br },
  'mov-imm': { r1: gr, imm: hex64 },
  add: { r1: gr, r2: gr, r3: gr },
  ld8: { r1: gr, r3: gr },
  st8: { r3: gr, r2: gr },
  cmp: { relation: literals('relation', RELATIONS), p1: pr, p2: pr, r2: gr, r3: gr },
  nop: {},
  break: { imm21 },
};

/** The fields of every event. */
export const EVENT_FIELDS: EventTable = {
  'external-interrupt': { vector },
  timer: {},
  clock: { cycles: hex64 },
};

/** The arguments of every PAL procedure and service (all 64-bit values). */
export const PAL_ARGUMENTS: PalTable = {
  PAL_VP_CREATE: { vpd: hex64, hostIva: hex64, optHandler: hex64 },
  PAL_VP_ENV_INFO: {},
  PAL_VP_EXIT_ENV: { iva: hex64 },
  PAL_VP_INIT_ENV: { configOptions: hex64, pbaseAddr: hex64, vbaseAddr: hex64 },
  PAL_VP_REGISTER: { vpd: hex64, hostIva: hex64, optHandler: hex64 },
  PAL_VP_RESTORE: { vpd: hex64, palProcVector: hex64 },
  PAL_VP_SAVE: { vpd: hex64, palProcVector: hex64 },
  PAL_VP_TERMINATE: { vpd: hex64, iva: hex64 },
  PAL_VP_INFO: { featureSet: hex64, vpBuffer: hex64 },
  PAL_VPS_RESUME_NORMAL: { vbr0: hex64, vpd: hex64 },
  PAL_VPS_RESUME_HANDLER: { vbr0: hex64, vpd: hex64, vacCfle: hex64 },
  PAL_VPS_SYNC_READ: { vpd: hex64 },
  PAL_VPS_SYNC_WRITE: { vpd: hex64 },
  PAL_VPS_SET_PENDING_INTERRUPT: { vpd: hex64 },
  PAL_VPS_THASH: { vadr: hex64, vrr: hex64, vpta: hex64 },
  PAL_VPS_TTAG: { vadr: hex64, vrr: hex64 },
  PAL_VPS_RESTORE: { vpd: hex64, gr26: hex64 },
  PAL_VPS_SAVE: { vpd: hex64, skipSync: hex64 },
};

export const VTI_STEP_OPS = Object.keys(INSTRUCTION_OPERANDS) as VtiOp[];
export const VTI_STEP_EVENT_KINDS = Object.keys(EVENT_FIELDS) as VtiEvent['kind'][];
export const VTI_STEP_PAL_NAMES = Object.keys(PAL_ARGUMENTS) as PalCallName[];

// ---------------------------------------------------------------------------------------------
// Tagged objects

/** Edit distance, for "did you mean". */
const distance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
};

/** The tag of a tagged object: one of `values`; an unknown one is named, with the closest known one. */
const tagCodec = <L extends string>(what: string, values: readonly L[]): t.Type<L, L, unknown> =>
  new t.Type<L, L, unknown>(
    what,
    (u): u is L => typeof u === 'string' && (values as readonly string[]).includes(u),
    (u, c) => {
      if (typeof u === 'string' && (values as readonly string[]).includes(u)) return t.success(u as L);
      const lower = typeof u === 'string' ? u.toLowerCase() : '';
      const best = values.map((v) => ({ v, d: distance(lower, v.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
      const hint = typeof u === 'string' && best !== undefined && best.d <= Math.max(2, Math.floor(best.v.length / 4)) ? ` (did you mean "${best.v}"?)` : '';
      return t.failure(u, c, `unknown ${what} ${describeValue(u)}${hint}; expected one of ${values.join(', ')}`);
    },
    t.identity,
  );

/**
 * `{ <tag>: "<value>", ...fields }` for a union tagged by `tag`, its fields from `table`. Unknown
 * tags, unknown keys and missing fields are errors at their path.
 */
const tagged = <U extends object>(name: string, tag: string, what: string, example: string, table: Readonly<Record<string, Readonly<Record<string, t.Mixed>>>>) => {
  const values = Object.keys(table);
  const tagC = tagCodec(what, values);
  const body = (v: string) => strictObject(v, { [tag]: tagC, ...table[v] }, {});
  return new t.Type<U, Record<string, unknown>, unknown>(
    name,
    (u): u is U => {
      if (!isPlainObject(u) || typeof u[tag] !== 'string' || !Object.hasOwn(table, u[tag])) return false;
      const fields = table[u[tag] as string] ?? {};
      return Object.keys(u).every((k) => k === tag || k in fields) && Object.entries(fields).every(([k, f]) => f.is(u[k]));
    },
    (u, c) => {
      if (!isPlainObject(u)) return t.failure(u, c, `expected an object like ${example}, got ${describeValue(u)}`);
      if (!Object.hasOwn(u, tag)) {
        return t.failure(undefined, t.appendContext(c, tag, tagC, undefined), `required, but missing (the ${what}: one of ${values.join(', ')})`);
      }
      const v = tagC.validate(u[tag], t.appendContext(c, tag, tagC, u[tag]));
      if (v._tag === 'Left') return v;
      const r = body(v.right).validate(u, c);
      return r._tag === 'Left' ? r : t.success(r.right as U);
    },
    (a) => body(String((a as Record<string, unknown>)[tag])).encode(a as never) as Record<string, unknown>,
  );
};

export const VtiInstructionCodec = tagged<VtiInstruction>('VtiInstruction', 'op', 'op', '{"op": "mov-from-cr", "r1": 35, "cr": "pta"}', INSTRUCTION_OPERANDS);
export const VtiEventCodec = tagged<VtiEvent>('VtiEvent', 'kind', 'event kind', '{"kind": "external-interrupt", "vector": 48}', EVENT_FIELDS);
export const PalCallCodec = tagged<PalCall>('PalCall', 'name', 'PAL call', '{"name": "PAL_VPS_SYNC_READ", "vpd": "0xfffc000004000000"}', PAL_ARGUMENTS);

export type VtiStepJson =
  | { readonly instruction: Record<string, unknown> }
  | { readonly event: Record<string, unknown> }
  | { readonly pal: Record<string, unknown> };

const STEP_KEYS = '"instruction" (an instruction), "event" (an event) and "pal" (a PAL call)';

export const VtiStepInputCodec = new t.Type<VtiStepInput, VtiStepJson, unknown>(
  'VtiStepInput',
  (u): u is VtiStepInput => isPlainObject(u) && (
    (u['kind'] === 'instruction' && VtiInstructionCodec.is(u['instruction'])) ||
    (u['kind'] === 'event' && VtiEventCodec.is(u['event'])) ||
    (u['kind'] === 'pal' && PalCallCodec.is(u['call']))),
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c, `expected an object with one of ${STEP_KEYS}, got ${describeValue(u)}`);
    const shape = strictObject('step', {}, { instruction: VtiInstructionCodec, event: VtiEventCodec, pal: PalCallCodec }).validate(u, c);
    if (shape._tag === 'Left') return shape;
    const { instruction, event, pal } = shape.right;
    const given = [instruction, event, pal].filter((x) => x !== undefined).length;
    if (given !== 1) return t.failure(u, c, `expected exactly one of ${STEP_KEYS}, got ${given === 0 ? 'none' : given}`);
    if (instruction !== undefined) return t.success({ kind: 'instruction', instruction });
    if (event !== undefined) return t.success({ kind: 'event', event });
    return t.success({ kind: 'pal', call: pal! });
  },
  (s) => {
    switch (s.kind) {
      case 'instruction': return { instruction: VtiInstructionCodec.encode(s.instruction) };
      case 'event': return { event: VtiEventCodec.encode(s.event) };
      case 'pal': return { pal: PalCallCodec.encode(s.call) };
    }
  },
);

export const decodeVtiStep = (u: unknown): t.Validation<VtiStepInput> => VtiStepInputCodec.decode(u);
export const encodeVtiStep = (s: VtiStepInput): VtiStepJson => VtiStepInputCodec.encode(s);
