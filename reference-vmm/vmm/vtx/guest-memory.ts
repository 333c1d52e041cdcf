/**
 * The guest's physical memory as the VMM provides it. On the native machine the guest's physical
 * address space is the whole of it, up to MAXPHYADDR (Vol. 1 §3.3.1; CPUID.80000008H:EAX[7:0]), and
 * any page of it reads as zeros until written (the abstraction's sparse memory). The VMM gives the guest
 * the same: the block the guest program starts with (GUEST_MEMORY_SIZE from guest-physical 0) at
 * host-physical `base` onwards, mapped when the VM is set up, and every other guest-physical page on
 * demand — at its first use the VMM takes a fresh 4-KiB frame from its pool (never used before, so all
 * zeros), as a VMM that allocates guest memory lazily does. The first use is an EPT violation (ept.ts)
 * or, under shadow paging, the VMM's walk of the guest's tables or a shadow fill (shadow.ts).
 *
 * The pool lies below 4 GiB (layout.ts) so that 32-bit shadow page tables can name every frame.
 */
import { GUEST_MEMORY_SIZE } from '../../guests/vtx/program.js';
import { VmmError } from './host.js';
import { VMM } from './layout.js';

const PAGE = 0x1000n;
const OFFSET = PAGE - 1n;

export class GuestMemory {
  /** Guest-physical page → host-physical frame, for the pages outside the initial block. */
  private readonly frames = new Map<bigint, bigint>();
  /** Host-physical frame → guest-physical page (the inverse, for the guest's view of its memory). */
  private readonly owners = new Map<bigint, bigint>();
  private next = 0;

  /** `base`: host-physical address of guest-physical 0; `maxPhysAddr`: the guest's MAXPHYADDR. */
  constructor(readonly base: bigint, private readonly maxPhysAddr: bigint) {}

  /** Whether `gpa` lies in the block mapped at set-up (GUEST_MEMORY_SIZE from 0, at `base`). */
  static initial(gpa: bigint): boolean { return gpa < GUEST_MEMORY_SIZE; }

  /**
   * The host-physical address of guest-physical `gpa`, backing its page now if it has none yet. A
   * guest-physical address at or above 2^MAXPHYADDR has no memory natively and no guest access can form
   * one (paging reserves those address bits, Vol. 3A §4.5): asking for one is a VMM bug.
   */
  hpa(gpa: bigint): bigint {
    if (GuestMemory.initial(gpa)) return this.base + gpa;
    if ((gpa >> this.maxPhysAddr) !== 0n) throw new VmmError(`guest-physical 0x${gpa.toString(16)} is beyond MAXPHYADDR`);
    const page = gpa & ~OFFSET;
    let frame = this.frames.get(page);
    if (frame === undefined) {
      if (this.next >= VMM.framePoolPages) throw new VmmError('out of host memory for the guest');
      frame = VMM.framePool + BigInt(this.next++) * PAGE;
      this.frames.set(page, frame);
      this.owners.set(frame, page);
    }
    return frame | (gpa & OFFSET);
  }

  /** The guest-physical address host-physical `hpa` holds for the guest, or null (the VMM's own memory). */
  gpaOf(hpa: bigint): bigint | null {
    if (hpa >= this.base && hpa < this.base + GUEST_MEMORY_SIZE) return hpa - this.base;
    const page = this.owners.get(hpa & ~OFFSET);
    return page === undefined ? null : page | (hpa & OFFSET);
  }

  /** Pages backed on demand so far. */
  get demandPages(): number { return this.frames.size; }
}
