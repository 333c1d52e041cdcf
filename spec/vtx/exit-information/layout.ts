/**
 * The shape shared by every VM-exit information layout in this folder: named bit ranges of one
 * field, with the enumerations the SDM gives, and one generic decoder. The layouts themselves are
 * data in the sibling files; this file only knows how to read a value against them.
 */

import { fieldMask, fieldValue, type BitField } from '../../bit-field.js';

export { fieldMask, type BitField } from '../../bit-field.js';

export interface DecodedField {
  readonly value: bigint;
  /** The enumerated name of `value`, when the field has an enumeration that lists it. */
  readonly label?: string;
}

export interface DecodedLayout {
  readonly fields: Readonly<Record<string, DecodedField>>;
  /** The bits of the input that no field of the layout names (reserved, undefined or not used). */
  readonly unnamedBits: bigint;
}

export const layoutMask = (fields: readonly BitField[]): bigint =>
  fields.reduce((mask, f) => mask | fieldMask(f.bits), 0n);

export const decodeLayout = (fields: readonly BitField[], value: bigint): DecodedLayout => {
  const out: Record<string, DecodedField> = {};
  for (const f of fields) {
    const v = fieldValue(value, f.bits);
    const label = f.values?.[Number(v)];
    out[f.name] = label === undefined ? { value: v } : { value: v, label };
  }
  return { fields: out, unnamedBits: value & ~layoutMask(fields) };
};

/** General-purpose register numbering used by qualifications and instruction information (0 = RAX … 15 = R15). */
export const GPR_NAMES = {
  0: 'RAX', 1: 'RCX', 2: 'RDX', 3: 'RBX', 4: 'RSP', 5: 'RBP', 6: 'RSI', 7: 'RDI',
  8: 'R8', 9: 'R9', 10: 'R10', 11: 'R11', 12: 'R12', 13: 'R13', 14: 'R14', 15: 'R15',
} as const satisfies Record<number, string>;
