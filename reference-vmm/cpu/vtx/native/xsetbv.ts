/**
 * XSETBV as a processor without VMX performs it (Vol. 2D XSETBV), shared by the native CPU and the
 * VMM that emulates the unconditional XSETBV exit (§25.1.2): #UD when CR4.OSXSAVE = 0, #GP(0) at
 * CPL > 0, for ECX ≠ 0 (only XCR0 exists), when EAX[0] (x87 state) is 0, or when AVX state (bit 2)
 * is set without SSE state (bit 1). XCR0 itself is not part of the abstract machine state (no
 * instruction of the abstract ISA reads it), so an accepted XSETBV only retires: a documented choice.
 */
export type XsetbvOutcome = 'retire' | 'ud' | 'gp';

export const xsetbvOutcome = (cr4: bigint, cpl: number, rcx: bigint, rdx: bigint, rax: bigint): XsetbvOutcome => {
  if (((cr4 >> 18n) & 1n) === 0n) return 'ud';
  if (cpl !== 0) return 'gp';
  if ((rcx & 0xffff_ffffn) !== 0n) return 'gp';
  const value = ((rdx & 0xffff_ffffn) << 32n) | (rax & 0xffff_ffffn);
  if ((value & 1n) === 0n) return 'gp';
  if ((value & 4n) !== 0n && (value & 2n) === 0n) return 'gp';
  return 'retire';
};
