/**
 * State files: a VtxState as JSON, optionally with the instruction to run and the profile to run it
 * on (`vtspec explain state.json`, `vtspec run`). Shape:
 *
 * ```json
 * {
 *   "vmx": "root",                       // "outside" | "root" | "non-root"            (required)
 *   "cpu": { "cr0": "0x80000021", "cpl": 0, "msrs": { "0x3a": "0x5" }, ... },       (optional)
 *   "vmxonPointer": "0x1000",            // hex or null                               (required)
 *   "currentVmcs": "0x2000",             // hex or null (null = FFFFFFFF_FFFFFFFFH)   (required)
 *   "dualMonitorActive": false,          //                                           (optional)
 *   "vmcs": { "0x2000": { "launchState": "clear", "fields": { "GUEST_RIP": "0x1000" } } }, (required)
 *   "memory": { "0x3000": "0x1d9" },     // 64-bit words at 8-byte-aligned addresses  (optional)
 *   "instruction": "VMLAUNCH",           // "VMLAUNCH" | "VMRESUME"                   (optional)
 *   "step": { "instruction": { "op": "HLT" } },  // non-root: guest instruction or event (optional)
 *   "profile": "bochs-skylake-x"         // a built-in profile name or a file         (optional)
 * }
 * ```
 *
 * Every `cpu` key is optional; DEFAULT_CPU gives the defaults (protected 64-bit mode at CPL 0 with
 * VMX enabled). `cpu.msrs` is merged over the default MSRs (IA32_FEATURE_CONTROL = 5: locked, VMXON
 * outside SMX allowed); write `"0x3a": "0x0"` to model an unlocked MSR. VMCS field names are those
 * of VMCS_FIELDS; fields not listed are 0. Values are hex strings (or integers below 2^53) no wider
 * than the field. Unknown keys anywhere are errors. The encoder writes the same shape with hex
 * strings (all cpu keys — the non-root registers only where they differ from DEFAULT_CPU — and the
 * non-zero VMCS fields), so decode(encode(s)) equals s.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { FIELD_BY_NAME, fieldBits } from '../vtx/vmcs/encoding.js';
import { VMCS_FIELDS, type FieldName } from '../vtx/vmcs/fields.js';
import {
  emptyVmcsImage, readField, writeFields, NO_CURRENT_VMCS, MSR, NO_PENDING_EVENTS, SEGMENT_NAMES,
  type ActivityState, type CpuRegisters, type SegmentName, type SegmentRegister, type SegmentRegisters, type VmcsImage, type VmcsRegion, type VtxState, type LaunchState, type VmxMode,
} from '../vtx/state.js';
import type { NonRootInput } from '../vtx/guest/events.js';
import { NonRootInputCodec } from './guest-input.js';
import { hex32Number, hex64, hexBits, parseUnsigned, toHex, widthMessage } from './hex.js';
import { arrayOf, bool, describeValue, intRange, isPlainObject, keyedMap, literals, nullable, str, strictObject, validateAt } from './strict.js';

export type EntryInstruction = 'VMLAUNCH' | 'VMRESUME';

export interface StateFile {
  readonly state: VtxState;
  readonly instruction?: EntryInstruction;
  /** For a state in VMX non-root operation: the guest instruction or event to run (./guest-input.ts). */
  readonly step?: NonRootInput;
  readonly profile?: string;
}

/** The MSRs a state has unless it says otherwise. */
export const DEFAULT_MSRS: ReadonlyMap<number, bigint> = new Map([[MSR.IA32_FEATURE_CONTROL, 0x5n]]);

const FLAT_DATA: SegmentRegister = { selector: 0x10, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 };

/** Flat 64-bit segments: CS type 11 with L = 1, data type 3, LDTR unusable, a busy 64-bit TSS (§24.4.1 access-rights layout). */
export const DEFAULT_SEGMENTS: SegmentRegisters = {
  es: FLAT_DATA, ss: FLAT_DATA, ds: FLAT_DATA, fs: FLAT_DATA, gs: FLAT_DATA,
  cs: { selector: 0x08, base: 0n, limit: 0xffff_ffff, accessRights: 0xa09b },
  ldtr: { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 },
  tr: { selector: 0x18, base: 0n, limit: 0x67, accessRights: 0x8b },
};

/**
 * Defaults of every `cpu` key: protected mode with paging, 64-bit code (EFER.LME|LMA|NXE, CS.L = 1)
 * at CPL 0; CR0 = PE|NE|PG, CR4 = PAE|VMXE, RFLAGS = 2 (the reserved bit 1), DR7 = 400H (its reset
 * value); not in SMM or SMX, A20M off, no MOV-SS blocking.
 */
export const DEFAULT_CPU: CpuRegisters = {
  cr0: 0x8000_0021n,
  cr3: 0n,
  cr4: 0x2020n,
  dr7: 0x400n,
  rsp: 0n,
  rip: 0n,
  rflags: 0x2n,
  efer: 0xd00n,
  cpl: 0,
  csL: true,
  inSmm: false,
  inSmx: false,
  a20m: false,
  blockingByMovSs: false,
  msrs: DEFAULT_MSRS,
  gpr: new Array<bigint>(16).fill(0n),
  cr2: 0n,
  cr8: 0n,
  dr: [0n, 0n, 0n, 0n],
  dr6: 0xffff_0ff0n,
  segments: DEFAULT_SEGMENTS,
  gdtr: { base: 0n, limit: 0x7f },
  idtr: { base: 0n, limit: 0xfff },
  blockingBySti: false,
  blockingBySmi: false,
  blockingByNmi: false,
  activity: 'active',
  pendingDebug: 0n,
  tsc: 0n,
  pdpte: [0n, 0n, 0n, 0n],
  pending: NO_PENDING_EVENTS,
};

/** An object whose keys are hex numbers (addresses, MSR indices), decoded to a Map. */
const hexKeyedMap = <K, V, O>(
  name: string,
  keyBits: number,
  align: number,
  toKey: (k: bigint) => K,
  fromKey: (k: K) => string,
  value: t.Type<V, O, unknown>,
): t.Type<ReadonlyMap<K, V>, Record<string, O>, unknown> =>
  keyedMap(name, (key): K | { readonly error: string } => {
    const k = parseUnsigned(key);
    if (typeof k === 'string') return { error: `expected a hex key like "0x1000", got key ${JSON.stringify(key)}` };
    if (k >> BigInt(keyBits) !== 0n) return { error: `key: ${widthMessage(keyBits, k)}` };
    if (k % BigInt(align) !== 0n) return { error: `key: expected an address aligned to ${align} bytes, got ${toHex(k)}` };
    return toKey(k);
  }, fromKey, value);

const FIELD_NAMES = VMCS_FIELDS.map((f) => f.name) as readonly FieldName[];

/** `{ "<FieldName>": hex }` → compact VMCS image; each value checked against the field's width. */
const vmcsFieldsCodec = new t.Type<VmcsImage, Record<string, string>, unknown>(
  'fields',
  (u): u is VmcsImage => Array.isArray(u),
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c, `expected an object, got ${describeValue(u)}`);
    const errors: t.Errors = [];
    const values: Partial<Record<FieldName, bigint>> = {};
    for (const [name, raw] of Object.entries(u)) {
      const spec = FIELD_BY_NAME.get(name);
      if (spec === undefined) {
        errors.push({
          value: raw,
          context: t.appendContext(c, name, t.never, raw),
          message: 'unknown VMCS field (names are those of VMCS_FIELDS, e.g. GUEST_RIP)',
        });
        continue;
      }
      const v = validateAt(hexBits(fieldBits(spec.encoding)), raw, c, name, errors);
      if (v !== undefined) values[name as FieldName] = v;
    }
    return errors.length > 0 ? t.failures(errors) : t.success(writeFields(emptyVmcsImage(), values));
  },
  (image) => {
    const out: Record<string, string> = {};
    for (const name of FIELD_NAMES) {
      const v = readField(image, name);
      if (v !== 0n) out[name] = toHex(v);
    }
    return out;
  },
);

const vmcsRegionCodec = strictObject('VMCS region', {
  launchState: literals<LaunchState>('launchState', ['clear', 'launched']),
  fields: vmcsFieldsCodec,
}, {});

const msrsCodec = hexKeyedMap<number, bigint, string>('msrs', 32, 1, Number, (k) => toHex(k), hex64);

/** An array of exactly `n` elements. */
const fixedLength = <A, O>(name: string, n: number, codec: t.Type<A, O, unknown>): t.Type<readonly A[], O[], unknown> => {
  const inner = arrayOf(codec);
  return new t.Type<readonly A[], O[], unknown>(
    name,
    (u): u is readonly A[] => inner.is(u) && u.length === n,
    (u, c) => (Array.isArray(u) && u.length !== n ? t.failure(u, c, `expected ${n} elements, got ${u.length}`) : inner.validate(u, c)),
    inner.encode,
  );
};

const segmentCodec = (name: string) => strictObject(name, {}, {
  selector: intRange('selector', 0, 0xffff), base: hex64, limit: hex32Number, accessRights: hex32Number,
});

/** Each segment register is optional and each of its keys too: given keys override DEFAULT_SEGMENTS. */
const segmentsCodec = strictObject('segments', {}, Object.fromEntries(SEGMENT_NAMES.map((n) => [n, segmentCodec(n)])) as
  Record<SegmentName, ReturnType<typeof segmentCodec>>);

const tableRegisterCodec = (name: string) => strictObject(name, {}, { base: hex64, limit: intRange('limit', 0, 0xffff) });

const cpuCodec = strictObject('cpu', {}, {
  cr0: hex64, cr3: hex64, cr4: hex64, dr7: hex64, rsp: hex64, rip: hex64, rflags: hex64, efer: hex64,
  cpl: intRange('cpl', 0, 3),
  csL: bool, inSmm: bool, inSmx: bool, a20m: bool, blockingByMovSs: bool,
  msrs: msrsCodec,
  gpr: fixedLength('gpr', 16, hex64),
  cr2: hex64, cr8: hex64,
  dr: fixedLength('dr', 4, hex64),
  dr6: hex64,
  segments: segmentsCodec,
  gdtr: tableRegisterCodec('gdtr'),
  idtr: tableRegisterCodec('idtr'),
  blockingBySti: bool, blockingBySmi: bool, blockingByNmi: bool,
  activity: literals<ActivityState>('activity', ['active', 'hlt', 'shutdown', 'wait-for-sipi']),
  pendingDebug: hex64,
  tsc: hex64,
  pdpte: fixedLength('pdpte', 4, hex64),
  pending: strictObject('pending', {}, {
    extint: nullable(intRange('extint', 0, 255)), nmi: bool, init: bool, sipi: nullable(intRange('sipi', 0, 255)),
  }),
});

const stateShape = strictObject('state', {
  vmx: literals<VmxMode>('vmx', ['outside', 'root', 'non-root']),
  vmxonPointer: nullable(hex64),
  currentVmcs: nullable(hex64),
  vmcs: hexKeyedMap<bigint, t.TypeOf<typeof vmcsRegionCodec>, t.OutputOf<typeof vmcsRegionCodec>>(
    'vmcs', 64, 1, (k) => k, (k) => toHex(k), vmcsRegionCodec),
}, {
  cpu: cpuCodec,
  dualMonitorActive: bool,
  memory: hexKeyedMap<bigint, bigint, string>('memory', 64, 8, (k) => k, (k) => toHex(k), hex64),
  instruction: literals<EntryInstruction>('instruction', ['VMLAUNCH', 'VMRESUME']),
  step: NonRootInputCodec,
  profile: str,
});

export type StateJson = t.OutputOf<typeof stateShape>;

const toStateFile = (s: t.TypeOf<typeof stateShape>): StateFile => {
  const cpuIn = s.cpu ?? {};
  const segIn = cpuIn.segments ?? {};
  const segments = Object.fromEntries(SEGMENT_NAMES.map((n) => [n, { ...DEFAULT_SEGMENTS[n], ...segIn[n] }])) as SegmentRegisters;
  const cpu: CpuRegisters = {
    ...DEFAULT_CPU,
    ...cpuIn,
    segments,
    gdtr: { ...DEFAULT_CPU.gdtr, ...cpuIn.gdtr },
    idtr: { ...DEFAULT_CPU.idtr, ...cpuIn.idtr },
    pending: { ...NO_PENDING_EVENTS, ...cpuIn.pending },
    msrs: new Map([...DEFAULT_MSRS, ...(cpuIn.msrs ?? new Map<number, bigint>())]),
  };
  const vmcs = new Map<bigint, VmcsRegion>([...s.vmcs].map(([a, r]) => [a, { launchState: r.launchState, fields: r.fields }]));
  const state: VtxState = {
    vmx: s.vmx,
    cpu,
    vmxonPointer: s.vmxonPointer,
    currentVmcs: s.currentVmcs === NO_CURRENT_VMCS ? null : s.currentVmcs,
    dualMonitorActive: s.dualMonitorActive ?? false,
    vmcs,
    memory: s.memory ?? new Map<bigint, bigint>(),
  };
  return {
    state,
    ...(s.instruction === undefined ? {} : { instruction: s.instruction }),
    ...(s.step === undefined ? {} : { step: s.step }),
    ...(s.profile === undefined ? {} : { profile: s.profile }),
  };
};

/**
 * The registers only non-root operation reads (gpr … pending) are written only where they differ from
 * DEFAULT_CPU: VM-entry states and suite vectors keep the shape (and vector IDs) they had before
 * non-root operation was modelled, and a decoded file gets the defaults back.
 */
const GUEST_REGISTER_KEYS = ['gpr', 'cr2', 'cr8', 'dr', 'dr6', 'segments', 'gdtr', 'idtr', 'blockingBySti', 'blockingBySmi', 'blockingByNmi', 'activity', 'pendingDebug', 'tsc', 'pdpte', 'pending'] as const;
/** Equal as data: bigints by value, objects whatever their key order. */
const canonical = (_k: string, v: unknown): unknown =>
  typeof v === 'bigint' ? `0x${v.toString(16)}`
    : v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v;
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a, canonical) === JSON.stringify(b, canonical);
const withoutDefaultGuestRegisters = (cpu: CpuRegisters): Partial<CpuRegisters> => {
  const out: Record<string, unknown> = { ...cpu };
  for (const k of GUEST_REGISTER_KEYS) if (sameJson(cpu[k], DEFAULT_CPU[k])) delete out[k];
  return out as Partial<CpuRegisters>;
};

export const StateFileCodec = new t.Type<StateFile, StateJson, unknown>(
  'StateFile',
  (u): u is StateFile => isPlainObject(u) && isPlainObject(u['state']),
  (u, c) => {
    const r = stateShape.validate(u, c);
    if (isLeft(r)) return r;
    const f = toStateFile(r.right);
    // A current VMCS is one VMPTRLD made current: its region (launch state, contents) must be in the state.
    const current = f.state.currentVmcs;
    if (current !== null && !f.state.vmcs.has(current)) {
      const hex = `0x${current.toString(16)}`;
      return t.failure(hex, t.appendContext(c, 'currentVmcs', str, hex),
        `names no VMCS region: add "${hex}" to "vmcs" (with its launchState and fields), or write null for no current VMCS`);
    }
    return t.success(f);
  },
  (f) => stateShape.encode({
    vmx: f.state.vmx,
    cpu: withoutDefaultGuestRegisters(f.state.cpu),
    vmxonPointer: f.state.vmxonPointer,
    currentVmcs: f.state.currentVmcs,
    dualMonitorActive: f.state.dualMonitorActive,
    vmcs: f.state.vmcs,
    memory: f.state.memory,
    ...(f.instruction === undefined ? {} : { instruction: f.instruction }),
    ...(f.step === undefined ? {} : { step: f.step }),
    ...(f.profile === undefined ? {} : { profile: f.profile }),
  }),
);

export const decodeStateFile = (u: unknown): t.Validation<StateFile> => StateFileCodec.decode(u);
export const encodeStateFile = (f: StateFile): StateJson => StateFileCodec.encode(f);
/** Encode a bare state (no instruction, no profile). */
export const encodeState = (state: VtxState): StateJson => StateFileCodec.encode({ state });
