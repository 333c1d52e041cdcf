/**
 * VT-i state files: a VtiState (spec/vti/machine/state.ts) as JSON, for `vtspec explain --arch vti`
 * and examples. Every key is optional; what is missing comes from initialVtiState on the default
 * profile (VMM context after reset). Shape:
 *
 * ```json
 * {
 *   "psr": "0x501008026000", "ip": "0x400000", "lastIp": "0x0",
 *   "cr": { "iva": "0xfffc000000100000", "tpr": "0x10000", "cr65": "0xf" },   // CR names or crN
 *   "gr": { "r33": "0x5", "r34": { "value": "0x0", "nat": true } },          // r1-r127, sparse
 *   "grInactiveBank": { "r16": "0x1" },                                       // r16-r31
 *   "pr": "0x1", "br": ["0x0", ...],                                         // up to 8
 *   "ar": { "itc": "0x100", "pfs": "0x0", "ar40": "0x0" },                    // AR names or arN
 *   "rse": { "sof": 16, "sol": 8, "cfle": true, "frames": [["0x1", ...]] },
 *   "rr": ["0x0", ...], "pkr": { "0": "0x1" }, "ibr": {}, "dbr": {}, "pmc": {}, "pmd": {},
 *   "cpuid": ["0x...", ...],
 *   "tlb": { "itr": [null, { "vadr": "0x...", "rid": "0x0", "ps": 14, "pte": "0x...", "key": "0x0" }], "itc": [] },
 *   "memory": { "0x1000": "0x5" },                                            // 8-byte-aligned words
 *   "inService": "0x0",
 *   "pal": { "status": "initialised", "configOptions": "0x...", "bufferPhysical": "0x...",
 *            "bufferVirtual": "0x...", "vsaBase": "0x...", "current": "0x...",
 *            "vps": { "0xfffc000004000000": { "hostIva": "0x...", "optHandler": "0x0",
 *                     "vpd": { "vac": "0x7f", "vdc": "0x1", "vpsr": "0x...", "vcr": { "tpr": "0x10000" } } } } },
 *   "pendingVirtualInterrupt": "0x0",
 *   "profile": "default",
 *   "step": { "instruction": { "op": "mov-from-cr", "r1": 35, "cr": "pta" } }   // spec/codec/vti-step.ts
 * }
 * ```
 *
 * "step" (optional) is the step `vtspec explain --arch vti` runs when no --step is given.
 *
 * Values are hex strings (or integers below 2^53) no wider than 64 bits. Unknown keys anywhere are
 * errors, and every error names its JSON path. The encoder writes the full state (sparse maps without
 * their zero entries), so decode(encode(s)) equals s (spec/vti/machine/compare.ts).
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { CONTROL_REGISTERS } from '../vti/control-registers.js';
import type { VtiStepInput } from '../vti/machine/events.js';
import { AR } from '../vti/machine/instructions.js';
import { emptyVpd, initialVtiState, ZERO_GR } from '../vti/machine/initial.js';
import { DEFAULT_VTI_PROFILE } from '../vti/machine/profile.js';
import type { Gr, PalEnvironment, TlbEntry, VirtualProcessor, Vpd, VtiState } from '../vti/machine/state.js';
import { hex64, parseUnsigned, toHex, widthMessage } from './hex.js';
import { arrayOf, bool, intRange, isPlainObject, keyedMap, literals, nullable, str, strictObject } from './strict.js';
import { VtiStepInputCodec } from './vti-step.js';

// ---------------------------------------------------------------------------------------------
// Building blocks


/** `prefix<N>` or one of `names`, for N in [0, max]. */
const namedIndex = (what: string, prefix: string, max: number, names: ReadonlyMap<string, number>) => ({
  parse: (key: string): number | { readonly error: string } => {
    const named = names.get(key);
    if (named !== undefined) return named;
    const m = new RegExp(`^${prefix}(\\d{1,3})$`).exec(key);
    const n = m?.[1] === undefined ? NaN : Number(m[1]);
    return Number.isInteger(n) && n <= max ? n
      : { error: `expected ${what}: ${[...names.keys()].slice(0, 6).join(', ')}, … or ${prefix}0-${prefix}${max}, got key ${JSON.stringify(key)}` };
  },
  format: (n: number): string => [...names].find(([, v]) => v === n)?.[0] ?? `${prefix}${n}`,
});

const CR_NAMES = new Map(CONTROL_REGISTERS.map((c) => [c.name, c.number] as const));
const crKey = namedIndex('a control register name', 'cr', 127, CR_NAMES);
const AR_NAMES = new Map(Object.entries(AR));
const arKey = namedIndex('an application register name', 'ar', 127, AR_NAMES);

/** `r<N>` for N in [lo, hi]. */
const grKey = (lo: number, hi: number) => ({
  parse: (key: string): number | { readonly error: string } => {
    const m = /^r(\d{1,3})$/.exec(key);
    const n = m?.[1] === undefined ? NaN : Number(m[1]);
    return Number.isInteger(n) && n >= lo && n <= hi ? n : { error: `expected a register r${lo}-r${hi}, got key ${JSON.stringify(key)}` };
  },
  format: (n: number): string => `r${n}`,
});

/** A decimal index in [0, max]. */
const indexKey = (max: number) => (key: string): number | { readonly error: string } =>
  /^\d{1,3}$/.test(key) && Number(key) <= max ? Number(key) : { error: `expected an index 0-${max}, got key ${JSON.stringify(key)}` };

/** A 64-bit address, hex, aligned to `align` bytes. */
const addressKey = (align: bigint) => (key: string): bigint | { readonly error: string } => {
  const k = parseUnsigned(key);
  if (typeof k === 'string') return { error: `expected a hex key like "0x1000", got key ${JSON.stringify(key)}` };
  if (k >> 64n !== 0n) return { error: `key: ${widthMessage(64, k)}` };
  if (k % align !== 0n) return { error: `key: expected an address aligned to ${align} bytes, got ${toHex(k)}` };
  return k;
};

/** A general register: a plain value (NaT clear), or { value, nat }. */
const grCodec = new t.Type<Gr, string | { value: string; nat: boolean }, unknown>(
  'register',
  (u): u is Gr => isPlainObject(u) && typeof u['value'] === 'bigint',
  (u, c) => {
    if (isPlainObject(u)) {
      const r = strictObject('register', { value: hex64, nat: bool }, {}).validate(u, c);
      return isLeft(r) ? r : t.success({ value: r.right.value, nat: r.right.nat });
    }
    const r = hex64.validate(u, c);
    return isLeft(r) ? r : t.success({ value: r.right, nat: false });
  },
  (g) => (g.nat ? { value: toHex(g.value), nat: true } : toHex(g.value)),
);

const sparseGrs = (lo: number, hi: number) => {
  const k = grKey(lo, hi);
  return keyedMap<number, Gr, string | { value: string; nat: boolean }>(`registers r${lo}-r${hi}`, k.parse, k.format, grCodec);
};

/** An array of at most `n` elements. */
const upTo = <A, O>(n: number, codec: t.Type<A, O, unknown>): t.Type<readonly A[], O[], unknown> => {
  const inner = arrayOf(codec);
  return new t.Type<readonly A[], O[], unknown>(
    `${codec.name}[] (at most ${n})`,
    (u): u is readonly A[] => inner.is(u) && u.length <= n,
    (u, c) => (Array.isArray(u) && u.length > n ? t.failure(u, c, `expected at most ${n} elements, got ${u.length}`) : inner.validate(u, c)),
    inner.encode,
  );
};

const sparse64 = (name: string, max: number) => keyedMap<number, bigint, string>(name, indexKey(max), String, hex64);

// ---------------------------------------------------------------------------------------------
// The parts of the state

const tlbEntryCodec = strictObject('TLB entry', { vadr: hex64, rid: hex64, ps: intRange('page size (log2)', 0, 63), pte: hex64, key: hex64 }, {});
const tlbCodec = strictObject('tlb', {}, {
  itr: arrayOf(nullable(tlbEntryCodec)), dtr: arrayOf(nullable(tlbEntryCodec)), itc: arrayOf(tlbEntryCodec), dtc: arrayOf(tlbEntryCodec),
});

const rseCodec = strictObject('rse', {}, {
  sof: intRange('CFM.sof', 0, 96),
  sol: intRange('CFM.sol', 0, 96),
  cfle: bool,
  frames: arrayOf(upTo(96, grCodec)),
});

const vpdCodec = strictObject('vpd', {}, {
  vac: hex64, vdc: hex64, virtEnvVaddr: hex64, vhpi: hex64,
  vgr: sparseGrs(16, 31), vbgr: sparseGrs(16, 31),
  vcpuid: upTo(5, hex64),
  vpsr: hex64, vpr: hex64, vrseCfle: hex64,
  vcr: keyedMap<number, bigint, string>('vcr', crKey.parse, crKey.format, hex64),
  other: keyedMap<number, bigint, string>('other', (k) => {
    const a = addressKey(8n)(k);
    return typeof a === 'bigint' ? (a < 0x10000n ? Number(a) : { error: `key: expected a VPD offset below 0x10000, got ${toHex(a)}` }) : a;
  }, (n) => toHex(n), hex64),
});

const vpCodec = strictObject('virtual processor', { vpd: vpdCodec }, { hostIva: hex64, optHandler: hex64 });

const palCodec = strictObject('pal', { status: literals('pal.status', ['not-initialised', 'initialised'] as const) }, {
  configOptions: hex64, bufferPhysical: hex64, bufferVirtual: hex64, vsaBase: hex64,
  vps: keyedMap<bigint, t.TypeOf<typeof vpCodec>, t.OutputOf<typeof vpCodec>>('vps', addressKey(1n), (k) => toHex(k), vpCodec),
  current: nullable(hex64),
});

const stateShape = strictObject('VT-i state', {}, {
  psr: hex64, ip: hex64, lastIp: hex64,
  cr: keyedMap<number, bigint, string>('cr', crKey.parse, crKey.format, hex64),
  gr: sparseGrs(1, 127),
  grInactiveBank: sparseGrs(16, 31),
  pr: hex64,
  br: upTo(8, hex64),
  ar: keyedMap<number, bigint, string>('ar', arKey.parse, arKey.format, hex64),
  rse: rseCodec,
  rr: upTo(8, hex64),
  pkr: sparse64('pkr', 255), ibr: sparse64('ibr', 255), dbr: sparse64('dbr', 255), pmc: sparse64('pmc', 255), pmd: sparse64('pmd', 255),
  cpuid: arrayOf(hex64),
  tlb: tlbCodec,
  memory: keyedMap<bigint, bigint, string>('memory', addressKey(8n), (k) => toHex(k), hex64),
  inService: hex64,
  pal: palCodec,
  pendingVirtualInterrupt: hex64,
  profile: str,
  step: VtiStepInputCodec,
});

export type VtiStateJson = t.OutputOf<typeof stateShape>;

export interface VtiStateFile {
  readonly state: VtiState;
  /** A profile name, when the file names one. */
  readonly profile?: string;
  /** The step to run (`vtspec explain --arch vti`), when the file gives one. */
  readonly step?: VtiStepInput;
}

// ---------------------------------------------------------------------------------------------
// JSON shape <-> VtiState

const fill = (n: number, m: ReadonlyMap<number, Gr> | undefined, offset: number, base: readonly Gr[]): Gr[] =>
  Array.from({ length: n }, (_, i) => m?.get(offset + i) ?? base[i] ?? ZERO_GR);
const padded = (n: number, xs: readonly bigint[] | undefined, base: readonly bigint[]): bigint[] =>
  Array.from({ length: n }, (_, i) => xs?.[i] ?? base[i] ?? 0n);
const entry = (e: t.TypeOf<typeof tlbEntryCodec>): TlbEntry => ({ vadr: e.vadr, rid: e.rid, ps: e.ps, pte: e.pte, key: e.key });

const toVpd = (v: t.TypeOf<typeof vpdCodec>): Vpd => {
  const base = emptyVpd(0n);
  return {
    vac: v.vac ?? 0n, vdc: v.vdc ?? 0n, virtEnvVaddr: v.virtEnvVaddr ?? 0n, vhpi: v.vhpi ?? 0n,
    vgr: fill(16, v.vgr, 16, base.vgr), vbgr: fill(16, v.vbgr, 16, base.vbgr),
    vcpuid: padded(5, v.vcpuid, base.vcpuid),
    vpsr: v.vpsr ?? 0n, vpr: v.vpr ?? base.vpr, vrseCfle: v.vrseCfle ?? 0n,
    vcr: v.vcr ?? new Map(), other: v.other ?? new Map(),
  };
};

const toPal = (p: t.TypeOf<typeof palCodec>): PalEnvironment =>
  p.status === 'not-initialised' ? { status: 'not-initialised' } : {
    status: 'initialised',
    configOptions: p.configOptions ?? 0n, bufferPhysical: p.bufferPhysical ?? 0n, bufferVirtual: p.bufferVirtual ?? 0n,
    vsaBase: p.vsaBase ?? DEFAULT_VTI_PROFILE.vsaBase,
    vps: new Map([...(p.vps ?? new Map())].map(([k, vp]): [bigint, VirtualProcessor] => [k, { vpd: toVpd(vp.vpd), hostIva: vp.hostIva ?? 0n, optHandler: vp.optHandler ?? 0n }])),
    current: p.current ?? null,
  };

const toState = (j: t.TypeOf<typeof stateShape>): VtiState => {
  const base = initialVtiState(DEFAULT_VTI_PROFILE);
  const gr = fill(128, j.gr, 0, base.gr);
  gr[0] = ZERO_GR;
  const tlb = j.tlb ?? {};
  return {
    psr: j.psr ?? base.psr,
    ip: j.ip ?? base.ip,
    lastIp: j.lastIp ?? base.lastIp,
    cr: j.cr === undefined ? base.cr : new Map([...base.cr, ...j.cr]),
    gr,
    grInactiveBank: fill(16, j.grInactiveBank, 16, base.grInactiveBank),
    pr: (j.pr ?? base.pr) | 1n,
    br: padded(8, j.br, base.br),
    ar: j.ar ?? base.ar,
    rse: {
      cfm: { sof: j.rse?.sof ?? base.rse.cfm.sof, sol: j.rse?.sol ?? base.rse.cfm.sol },
      cfle: j.rse?.cfle ?? base.rse.cfle,
      frames: (j.rse?.frames ?? []).map((regs) => ({ regs })),
    },
    rr: padded(8, j.rr, base.rr),
    pkr: j.pkr ?? base.pkr, ibr: j.ibr ?? base.ibr, dbr: j.dbr ?? base.dbr, pmc: j.pmc ?? base.pmc, pmd: j.pmd ?? base.pmd,
    cpuid: j.cpuid ?? base.cpuid,
    tlb: {
      itr: tlb.itr === undefined ? base.tlb.itr : tlb.itr.map((e) => (e === null ? null : entry(e))),
      dtr: tlb.dtr === undefined ? base.tlb.dtr : tlb.dtr.map((e) => (e === null ? null : entry(e))),
      itc: (tlb.itc ?? []).map(entry),
      dtc: (tlb.dtc ?? []).map(entry),
    },
    memory: j.memory ?? base.memory,
    inService: j.inService ?? base.inService,
    pal: j.pal === undefined ? base.pal : toPal(j.pal),
    pendingVirtualInterrupt: j.pendingVirtualInterrupt ?? base.pendingVirtualInterrupt,
  };
};

/** Checks across fields that the shape cannot express; the JSON path and the message of each. */
const crossChecks = (s: VtiState): { path: string; message: string }[] => [
  ...(s.rse.cfm.sol > s.rse.cfm.sof ? [{ path: 'rse.sol', message: `expected at most rse.sof (${s.rse.cfm.sof}), got ${s.rse.cfm.sol}` }] : []),
  ...(s.pal.status === 'initialised' && s.pal.current !== null && !s.pal.vps.has(s.pal.current)
    ? [{ path: 'pal.current', message: `names no VP: add "${toHex(s.pal.current)}" to pal.vps, or write null` }] : []),
];

const nonZero = <K>(m: ReadonlyMap<K, bigint>): ReadonlyMap<K, bigint> => new Map([...m].filter(([, v]) => v !== 0n));
const nonZeroGrs = (regs: readonly Gr[], offset: number): ReadonlyMap<number, Gr> =>
  new Map(regs.flatMap((g, i): [number, Gr][] => (g.value !== 0n || g.nat) && offset + i !== 0 ? [[offset + i, g]] : []));

const fromVpd = (v: Vpd): t.TypeOf<typeof vpdCodec> => ({
  vac: v.vac, vdc: v.vdc, virtEnvVaddr: v.virtEnvVaddr, vhpi: v.vhpi,
  vgr: nonZeroGrs(v.vgr, 16), vbgr: nonZeroGrs(v.vbgr, 16), vcpuid: v.vcpuid,
  vpsr: v.vpsr, vpr: v.vpr, vrseCfle: v.vrseCfle, vcr: nonZero(v.vcr), other: nonZero(v.other),
});

const fromState = (s: VtiState, profile?: string): t.TypeOf<typeof stateShape> => ({
  psr: s.psr, ip: s.ip, lastIp: s.lastIp,
  cr: nonZero(s.cr),
  gr: nonZeroGrs(s.gr, 0),
  grInactiveBank: nonZeroGrs(s.grInactiveBank, 16),
  pr: s.pr, br: s.br, ar: nonZero(s.ar),
  rse: { sof: s.rse.cfm.sof, sol: s.rse.cfm.sol, cfle: s.rse.cfle, frames: s.rse.frames.map((f) => f.regs) },
  rr: s.rr, pkr: nonZero(s.pkr), ibr: nonZero(s.ibr), dbr: nonZero(s.dbr), pmc: nonZero(s.pmc), pmd: nonZero(s.pmd),
  cpuid: s.cpuid,
  tlb: { itr: s.tlb.itr, dtr: s.tlb.dtr, itc: s.tlb.itc, dtc: s.tlb.dtc },
  memory: nonZero(s.memory),
  inService: s.inService,
  pal: s.pal.status === 'not-initialised' ? { status: 'not-initialised' } : {
    status: 'initialised', configOptions: s.pal.configOptions, bufferPhysical: s.pal.bufferPhysical, bufferVirtual: s.pal.bufferVirtual,
    vsaBase: s.pal.vsaBase, current: s.pal.current,
    vps: new Map([...s.pal.vps].map(([k, vp]) => [k, { vpd: fromVpd(vp.vpd), hostIva: vp.hostIva, optHandler: vp.optHandler }])),
  },
  pendingVirtualInterrupt: s.pendingVirtualInterrupt,
  ...(profile === undefined ? {} : { profile }),
});

export const VtiStateFileCodec = new t.Type<VtiStateFile, VtiStateJson, unknown>(
  'VtiStateFile',
  (u): u is VtiStateFile => isPlainObject(u) && isPlainObject(u['state']),
  (u, c) => {
    const r = stateShape.validate(u, c);
    if (isLeft(r)) return r;
    const state = toState(r.right);
    const bad = crossChecks(state);
    if (bad.length > 0) {
      return t.failures(bad.map((b) => ({ value: undefined, context: t.appendContext(c, b.path, t.never, undefined), message: b.message })));
    }
    return t.success({
      state,
      ...(r.right.profile === undefined ? {} : { profile: r.right.profile }),
      ...(r.right.step === undefined ? {} : { step: r.right.step }),
    });
  },
  (f) => stateShape.encode({ ...fromState(f.state, f.profile), ...(f.step === undefined ? {} : { step: f.step }) }),
);

export const decodeVtiStateFile = (u: unknown): t.Validation<VtiStateFile> => VtiStateFileCodec.decode(u);
export const encodeVtiState = (state: VtiState, profile?: string, step?: VtiStepInput): VtiStateJson =>
  VtiStateFileCodec.encode({ state, ...(profile === undefined ? {} : { profile }), ...(step === undefined ? {} : { step }) });
