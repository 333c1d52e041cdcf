/**
 * Which values the reference CPU accepts in the MSRs that VM entry checks or loads. Concrete choices
 * where the SDM defers to "reserved bits" of an MSR without listing them per processor.
 */

/** IA32_EFER bits this CPU implements: SCE (0), LME (8), LMA (10), NXE (11). Others are reserved. */
export const EFER_VALID = 0xd01n;
export const EFER_LME = 1n << 8n;
export const EFER_LMA = 1n << 10n;

/** IA32_PAT: each of the 8 bytes is a memory type 0, 1, 4, 5, 6 or 7. */
export const patValid = (pat: bigint): boolean => {
  for (let i = 0n; i < 64n; i += 8n) {
    const type = (pat >> i) & 0xffn;
    if (type === 2n || type === 3n || type > 7n) return false;
  }
  return true;
};

/** IA32_S_CET: bits 9:6 reserved; SUPPRESS (10) and TRACKER (11) not both set. */
export const sCetReservedOk = (sCet: bigint): boolean =>
  (sCet & 0x3c0n) === 0n && (sCet & 0xc00n) !== 0xc00n;

/** IA32_BNDCFGS: bits 11:2 reserved. */
export const BNDCFGS_RESERVED = 0xffcn;

/** IA32_FRED_CONFIG reserved bits (11, 5:4, 2). */
export const FRED_CONFIG_RESERVED = 0x834n;
