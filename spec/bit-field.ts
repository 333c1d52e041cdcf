/**
 * A named bit range of a register, MSR or VMCS field, as the manuals draw them: the one shape every
 * layout in spec/ uses (capability MSRs, VM-exit information fields), with the helpers to read it.
 */

export interface BitField {
  /** Identifier of the range (the key of a decoded result). */
  readonly name: string;
  /** Inclusive [high, low] bit positions. */
  readonly bits: readonly [number, number];
  readonly meaning: string;
  /** Named values, where the manual enumerates them. */
  readonly values?: Readonly<Record<number, string>>;
}

export const fieldMask = ([hi, lo]: readonly [number, number]): bigint => ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);

/** Bits [hi, lo] of a 64-bit value, shifted down. */
export const fieldValue = (value: bigint, bits: readonly [number, number]): bigint =>
  (BigInt.asUintN(64, value) & fieldMask(bits)) >> BigInt(bits[1]);
