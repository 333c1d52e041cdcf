/**
 * The guest platform's interrupt controller, one class for both sides of the comparison: natively it
 * is the local APIC in front of the processor (native-platform.ts); under the VMM it is the virtual
 * interrupt controller the VMM fills from external-interrupt exits (vmm.ts). A set of pending vectors
 * (the IRR) of which the highest whose priority class (vector bits 7:4) is above the task-priority
 * class (TPR bits 3:0, i.e. CR8) is offered to the processor (Vol. 3A §10.8.3.1, §10.8.6.1).
 * Simplifications (documented): no in-service register and no EOI — a vector is offered again only
 * when it arrives again; vectors 0–15 are never above TPR class 0 and so never offered.
 */
export class InterruptController {
  private readonly irr = new Set<number>();

  /** An interrupt arrives (the host fills the queue). */
  raise(vector: number): void {
    this.irr.add(vector & 0xff);
  }

  /** The highest pending vector, whatever the TPR. */
  highest(): number | null {
    let best: number | null = null;
    for (const v of this.irr) if (best === null || v > best) best = v;
    return best;
  }

  /** The vector to offer the processor when its task-priority class is `tprClass`, or null. */
  deliverable(tprClass: number): number | null {
    const v = this.highest();
    return v !== null && (v >> 4) > (tprClass & 0xf) ? v : null;
  }

  /** The processor took `vector`. */
  take(vector: number): void {
    this.irr.delete(vector);
  }

  get pending(): readonly number[] {
    return [...this.irr].sort((a, b) => b - a);
  }
}
