/**
 * Value rules VM entry shares between host and guest MSR fields (§26.2.2, §26.3.1.1).
 */

/** A PAT entry names a memory type: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-; 2, 3 and 8–255 are reserved (Vol. 3A §11.12.2). */
const patByteValid = (b: number): boolean => b <= 7 && b !== 2 && b !== 3;

/** All eight PAT entries of a 64-bit value given as two halves are valid memory types. */
export const patValid = (valueLo: number, valueHi: number): boolean => {
  for (let i = 0; i < 32; i += 8) {
    if (!patByteValid((valueLo >>> i) & 0xff) || !patByteValid((valueHi >>> i) & 0xff)) return false;
  }
  return true;
};
