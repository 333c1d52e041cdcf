/**
 * VMCS component encodings (SDM §24.11.2): bit 0 access type (full/high), bits 9:1 index,
 * bits 11:10 type, bit 12 reserved, bits 14:13 width, bits 31:15 reserved.
 */
import { VMCS_FIELDS, type FieldName, type VmcsFieldSpec } from './fields.js';

export type FieldWidth = 16 | 32 | 64 | 'natural';
export type FieldType = 'control' | 'exit-information' | 'guest-state' | 'host-state';

const WIDTHS: readonly FieldWidth[] = [16, 64, 32, 'natural'];
const TYPES: readonly FieldType[] = ['control', 'exit-information', 'guest-state', 'host-state'];

export const fieldWidth = (encoding: number): FieldWidth => WIDTHS[(encoding >>> 13) & 3]!;
export const fieldType = (encoding: number): FieldType => TYPES[(encoding >>> 10) & 3]!;
export const fieldIndex = (encoding: number): number => (encoding >>> 1) & 0x1ff;
/** Access type "high" (bit 0 = 1) names bits 63:32 of a 64-bit field; it is invalid for other widths. */
export const isHighAccess = (encoding: number): boolean => (encoding & 1) === 1;

/** Dense index of each field, used by compact VMCS images (two 32-bit halves per field). */
export const FIELD_COUNT = VMCS_FIELDS.length;
export const FIELD_INDEX = Object.freeze(
  Object.fromEntries(VMCS_FIELDS.map((f, i) => [f.name, i])),
) as Readonly<Record<FieldName, number>>;
export const FIELD_BY_NAME: ReadonlyMap<string, VmcsFieldSpec & { index: number }> = new Map(
  VMCS_FIELDS.map((f, index) => [f.name, { ...f, index }]),
);
const BY_FULL_ENCODING: ReadonlyMap<number, number> = new Map(VMCS_FIELDS.map((f, i) => [f.encoding, i]));

/** Bit width of the value a field holds (natural width is 64 on Intel 64 processors). */
export const fieldBits = (encoding: number): 16 | 32 | 64 => {
  const w = fieldWidth(encoding);
  return w === 'natural' ? 64 : w;
};

export type EncodingLookup =
  | { readonly kind: 'field'; readonly index: number; readonly high: boolean }
  | { readonly kind: 'unsupported' };

/**
 * Resolve a VMREAD/VMWRITE encoding operand to a field of this model's catalog. Any reserved bit
 * (31:15, 12), a "high" access to a field that is not 64 bits wide, or an encoding naming no field
 * is unsupported (VM-instruction error 12, §30.3 VMREAD/VMWRITE). Whether a catalogued field
 * exists on a given processor is decided by the capability profile (fieldExists in model/).
 */
export const lookupEncoding = (encoding: bigint): EncodingLookup => {
  if (encoding < 0n || encoding > 0x7fffn) return { kind: 'unsupported' };
  const e = Number(encoding);
  if (e & 0x1000) return { kind: 'unsupported' };
  const high = isHighAccess(e);
  if (high && fieldWidth(e) !== 64) return { kind: 'unsupported' };
  const index = BY_FULL_ENCODING.get(high ? e & ~1 : e);
  return index === undefined ? { kind: 'unsupported' } : { kind: 'field', index, high };
};
