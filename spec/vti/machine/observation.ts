/**
 * What one VT-i step can be seen to do from outside the processor. Interruptions are named by their
 * IVT offset (spec/vti/ivt.ts) and ISR.code, as a handler sees them. The `rule` fields explain and are
 * not compared.
 */

export type VtiObservation =
  /** The instruction completed; `value` is what it wrote to r1 where it writes one (with its NaT). */
  | { readonly kind: 'executed'; readonly value?: bigint; readonly nat?: boolean }
  /**
   * A virtualization intercept (SDM §11.7.3): control went to `target` (host IVA + 0x6100, or the
   * VP's opt_handler) with PSR.vm = 0; cause in bank-0 GR24 and opcode in GR25 when the PAL_VP_INIT_ENV
   * options provide them (null when not provided).
   */
  | { readonly kind: 'intercept'; readonly target: bigint; readonly cause: number | null; readonly opcode: bigint | null; readonly rule?: string }
  /** An IVA-based interruption (fault, trap or external interrupt) at IVA + `vector`, with ISR{15:0}. */
  | { readonly kind: 'interruption'; readonly vector: number; readonly isrCode: number; readonly rule?: string }
  /** The Virtual External Interrupt vector (IVA + 0x3400): a pending virtual interrupt became unmasked. */
  | { readonly kind: 'virtual-external-interrupt'; readonly vector: 0x3400 }
  /** A PAL procedure or returning service came back: status (GR8 / 0 for services) and return values. */
  | { readonly kind: 'pal-return'; readonly status: number; readonly values: readonly bigint[] }
  /** A PAL_VPS_RESUME_* service entered the guest (it never returns to the caller). */
  | { readonly kind: 'guest-resumed'; readonly ip: bigint }
  /** An event changed only internal state (an interrupt pended but masked, the clock advanced). */
  | { readonly kind: 'event-absorbed' };

export type VtiObservationKind = VtiObservation['kind'];

const valuesEqual = (a: readonly bigint[], b: readonly bigint[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

export const observationEqual = (a: VtiObservation, b: VtiObservation): boolean => {
  switch (a.kind) {
    case 'executed':
      return b.kind === 'executed' && a.value === b.value && (a.nat ?? false) === (b.nat ?? false);
    case 'intercept':
      return b.kind === 'intercept' && a.target === b.target && a.cause === b.cause && a.opcode === b.opcode;
    case 'interruption':
      return b.kind === 'interruption' && a.vector === b.vector && a.isrCode === b.isrCode;
    case 'virtual-external-interrupt':
      return b.kind === 'virtual-external-interrupt';
    case 'pal-return':
      return b.kind === 'pal-return' && a.status === b.status && valuesEqual(a.values, b.values);
    case 'guest-resumed':
      return b.kind === 'guest-resumed' && a.ip === b.ip;
    case 'event-absorbed':
      return b.kind === 'event-absorbed';
  }
};

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export const describeVtiObservation = (o: VtiObservation): string => {
  switch (o.kind) {
    case 'executed':
      return o.value === undefined ? 'executed' : `executed, r1 = ${hex(o.value)}${o.nat === true ? ' (NaT)' : ''}`;
    case 'intercept':
      return `virtualization intercept to ${hex(o.target)}, cause ${o.cause ?? 'not provided'}, opcode ${o.opcode === null ? 'not provided' : hex(o.opcode)}`;
    case 'interruption':
      return `interruption at IVA + ${hex(o.vector)}, ISR.code ${hex(o.isrCode)}`;
    case 'virtual-external-interrupt':
      return 'virtual external interrupt at IVA + 0x3400';
    case 'pal-return':
      return `PAL returned status ${o.status}${o.values.length === 0 ? '' : `, values ${o.values.map(hex).join(', ')}`}`;
    case 'guest-resumed':
      return `guest resumed at ${hex(o.ip)}`;
    case 'event-absorbed':
      return 'event absorbed (no interruption)';
  }
};
