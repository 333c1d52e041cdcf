/**
 * Observations as JSON (vectors' expected outcomes, adapter responses, results files):
 *   {"kind": "fault", "vector": "#UD" | "#GP(0)"}
 *   {"kind": "VMfailInvalid"}
 *   {"kind": "VMfailValid", "error": 1..28}
 *   {"kind": "VMsucceed", "value"?: hex64}                       (VMREAD / VMPTRST return a value)
 *   {"kind": "vm-exit", "reason": 32-bit number, "qualification": hex64}
 *   {"kind": "vm-entry", "guest"?: LoadedGuestState}            (guest left out: only the kind is compared)
 */
import * as t from 'io-ts';
import type { LoadedGuestState, LoadedSegment, ReportedObservation } from '../vtx/observation.js';
import { hex16Number, hex32Number, hex64 } from './hex.js';
import { bool, describeValue, intRange, isPlainObject, literals, strictObject } from './strict.js';

const segment = strictObject('LoadedSegment', { selector: hex16Number, unusable: bool }, { base: hex64, limit: hex32Number, accessRights: hex32Number, dpl: intRange('DPL', 0, 3) });

const msrMap = new t.Type<Readonly<Record<string, bigint>>, Record<string, string>, unknown>(
  'msrs',
  (u): u is Record<string, bigint> => isPlainObject(u),
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c, `expected an object of MSR index → value, got ${describeValue(u)}`);
    const out: Record<string, bigint> = {};
    const errors: t.Errors = [];
    for (const [k, v] of Object.entries(u)) {
      if (!/^0x[0-9a-f]+$/.test(k)) {
        errors.push({ value: k, context: t.appendContext(c, k, hex64, v), message: `MSR index must be lower-case hex like "0x277", got "${k}"` });
        continue;
      }
      const r = hex64.validate(v, t.appendContext(c, k, hex64, v));
      if (r._tag === 'Left') errors.push(...r.left);
      else out[k] = r.right;
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out);
  },
  (a) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, `0x${v.toString(16)}`])),
);

const guest = strictObject('LoadedGuestState', {
  cr0: hex64, cr3: hex64, cr4: hex64, dr7: hex64, rsp: hex64, rip: hex64, rflags: hex64, efer: hex64,
  es: segment, cs: segment, ss: segment, ds: segment, fs: segment, gs: segment, ldtr: segment, tr: segment,
  gdtrBase: hex64, gdtrLimit: hex32Number, idtrBase: hex64, idtrLimit: hex32Number, msrs: msrMap,
}, {});

const KINDS = ['fault', 'VMfailInvalid', 'VMfailValid', 'VMsucceed', 'vm-exit', 'vm-entry'] as const;
const shapes = {
  fault: strictObject('fault', { kind: literals('kind', ['fault']), vector: literals('vector', ['#UD', '#GP(0)']) }, {}),
  VMfailInvalid: strictObject('VMfailInvalid', { kind: literals('kind', ['VMfailInvalid']) }, {}),
  VMfailValid: strictObject('VMfailValid', { kind: literals('kind', ['VMfailValid']), error: intRange('VM-instruction error', 1, 28) }, {}),
  VMsucceed: strictObject('VMsucceed', { kind: literals('kind', ['VMsucceed']) }, { value: hex64 }),
  'vm-exit': strictObject('vm-exit', { kind: literals('kind', ['vm-exit']), reason: intRange('exit reason', 0, 0xffff_ffff), qualification: hex64 }, {}),
  'vm-entry': strictObject('vm-entry', { kind: literals('kind', ['vm-entry']) }, { guest }),
} as const;

export type ObservationJson = Record<string, unknown> & { kind: (typeof KINDS)[number] };

export const ObservationCodec = new t.Type<ReportedObservation, ObservationJson, unknown>(
  'Observation',
  (u): u is ReportedObservation => isPlainObject(u) && (KINDS as readonly unknown[]).includes(u['kind']),
  (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c, `expected an observation object, got ${describeValue(u)}`);
    const kind = u['kind'];
    if (!(KINDS as readonly unknown[]).includes(kind)) {
      return t.failure(u, c, `expected "kind" to be one of ${KINDS.map((k) => `"${k}"`).join(', ')}, got ${describeValue(kind)}`);
    }
    const r = shapes[kind as keyof typeof shapes].validate(u, c);
    if (r._tag === 'Left') return r;
    const o = r.right as Record<string, unknown>;
    if (kind === 'vm-entry' && o['guest'] !== undefined) return t.success({ kind: 'vm-entry', guest: o['guest'] as LoadedGuestState });
    return t.success(o as ReportedObservation);
  },
  (o) => {
    switch (o.kind) {
      case 'vm-entry': return o.guest === undefined ? { kind: 'vm-entry' } : { kind: 'vm-entry', guest: guest.encode(o.guest as never) };
      case 'VMsucceed': return o.value === undefined ? { kind: 'VMsucceed' } : { kind: 'VMsucceed', value: `0x${o.value.toString(16)}` };
      case 'vm-exit': return { kind: 'vm-exit', reason: o.reason, qualification: `0x${o.qualification.toString(16)}` };
      default: return { ...o };
    }
  },
);

export type { LoadedSegment };
