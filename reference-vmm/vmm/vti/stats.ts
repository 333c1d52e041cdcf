/**
 * What the VMM counts: every entry into it by cause (virtualization intercepts by GR24 cause, other
 * host interruptions by IVT vector), the PAL calls it makes, and the interruptions it delivers to the
 * guest. The intercepts of interruption-control-register accesses are counted on their own: they are
 * what ITJ's "Virtualization Configuration" example removes.
 */
import { INTERCEPT_CAUSES } from '../../../spec/vti/intercepts.js';
import { IVT_VECTORS } from '../../../spec/vti/ivt.js';

export interface CountRow {
  readonly key: string;
  readonly count: number;
}

export interface VmmCounts {
  /** Virtualization intercepts by cause name (EVENT_* without the prefix), with the cause code. */
  readonly intercepts: readonly (CountRow & { readonly cause: number })[];
  readonly interceptsTotal: number;
  /** Intercepted mov to / from CR16-CR25. */
  readonly interruptionCrIntercepts: number;
  /** Other entries into the VMM (host IVT vectors other than 0x6100), by vector name. */
  readonly hostInterruptions: readonly CountRow[];
  /** PAL procedures and services called, by name. */
  readonly palCalls: readonly CountRow[];
  /** Interruptions the VMM delivered to the guest, by guest vector name. */
  readonly guestInterruptions: readonly CountRow[];
}

const causeName = (code: number): string =>
  (INTERCEPT_CAUSES.find((c) => c.code === code)?.name ?? `CAUSE_${code}`).replace(/^EVENT_/, '').toUpperCase();

export const vectorName = (offset: number): string => {
  const v = IVT_VECTORS.find((x) => x.offset === offset);
  return `${v?.name ?? 'vector'} (0x${offset.toString(16)})`;
};

const bump = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

const rows = (m: ReadonlyMap<string, number>): CountRow[] =>
  [...m].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

export class VmmStats {
  private readonly intercepts = new Map<number, number>();
  private interruptionCr = 0;
  private readonly host = new Map<string, number>();
  private readonly pal = new Map<string, number>();
  private readonly injected = new Map<string, number>();

  intercept(cause: number, interruptionCr: boolean): void {
    this.intercepts.set(cause, (this.intercepts.get(cause) ?? 0) + 1);
    if (interruptionCr) this.interruptionCr++;
  }

  hostInterruption(vector: number): void {
    bump(this.host, vectorName(vector));
  }

  palCall(name: string): void {
    bump(this.pal, name);
  }

  guestInterruption(vector: number): void {
    bump(this.injected, vectorName(vector));
  }

  counts(): VmmCounts {
    const intercepts = [...this.intercepts].map(([cause, count]) => ({ key: causeName(cause), cause, count }))
      .sort((a, b) => b.count - a.count || a.cause - b.cause);
    return {
      intercepts,
      interceptsTotal: intercepts.reduce((n, r) => n + r.count, 0),
      interruptionCrIntercepts: this.interruptionCr,
      hostInterruptions: rows(this.host),
      palCalls: rows(this.pal),
      guestInterruptions: rows(this.injected),
    };
  }
}
