/**
 * What every VT-i spec row carries: where the fact comes from and how sure we are of it.
 *
 * Source keys (the same as in shared/facts/vti-*.md, spelled out in spec/vti/README.md):
 * - `SDM`: Intel Itanium Architecture SDM rev 2.3; "2:471" is Vol. 2 page 471, "§11.7.4" a section.
 * - `SDM-old`: the pre-VT instruction reference, only used to show what VT-i added.
 * - `VTI-SPEC`: Intel's "VT for Itanium" specification, ch. 5 (a public excerpt).
 * - `LK`: Linux arch/ia64/kvm (vti.h, vcpu.c, optvfault.S, ...) and arch/ia64/include/asm/kregs.h.
 * - `XEN`: Xen 4.1 xen/arch/ia64/vmx and xen/include/asm-ia64.
 * - `ITJ`: Neiger et al., Intel Technology Journal 10(3), 2006.
 */

/**
 * `2+`: two or more sources agree; `1`: a single source; `!`: the sources disagree (the `note`
 * records both values); `?`: inferred or not verified (the `note` says what is doubtful).
 */
export type Confidence = '2+' | '1' | '!' | '?';

export interface Sourced {
  /** Manual section/page or source file the row was taken from. */
  readonly source: string;
  readonly confidence: Confidence;
  /** Present when confidence is `!` or `?`, and wherever a row needs a caveat. */
  readonly note?: string;
}

/** A bit range `[hi, lo]`, inclusive, as the manuals write `{hi:lo}`. */
export type BitRange = readonly [hi: number, lo: number];
