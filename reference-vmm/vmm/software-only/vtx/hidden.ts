/**
 * The hidden parts of the segment registers (ITJ, "Access to Hidden State"). No instruction saves
 * the base, limit and access rights a segment register cached when it was loaded, so a VMM entered
 * through an interruption — which then loads its own data segments — can give the guest its data
 * segments back only by loading their selectors again, from the guest's GDT as it is now. If the
 * guest has changed the descriptor since it loaded the register, the guest resumes with something
 * else than it had; if the descriptor is no longer usable (not present), the load faults in the VMM,
 * which can only resume the guest with the register null, and the guest's next access through it
 * faults (#GP(0), Vol. 3A §5.4.1) where natively it would have used the stale cache undisturbed.
 *
 * The abstract CPU does not check segment registers on data accesses, so the VMM keeps the fault the
 * hardware would raise: the machine gets a base no access can translate (layout.ts), and the page
 * fault that follows becomes the guest's #GP(0) (platform.ts). In 64-bit mode the bases of DS and ES
 * are not used and a null selector does not fault, so nothing shows there.
 */
import type { CpuRegisters, SegmentRegister } from '../../../../spec/vtx/state.js';
import { UNUSABLE_SEGMENT_BASE } from './layout.js';
import { guestDescriptor } from './tables.js';

export type DataSegment = 'es' | 'ds' | 'fs' | 'gs';
export const DATA_SEGMENTS: readonly DataSegment[] = ['es', 'ds', 'fs', 'gs'];

const NULL_SEGMENT: SegmentRegister = { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 };

const fromDescriptor = (selector: number, d: bigint): SegmentRegister => {
  const raw = Number((d & 0xffffn) | (((d >> 48n) & 0xfn) << 16n));
  const limit = ((d >> 55n) & 1n) === 1n ? ((raw * 0x1000) + 0xfff) >>> 0 : raw;
  const base = ((d >> 16n) & 0xff_ffffn) | (((d >> 56n) & 0xffn) << 24n);
  return { selector, base, limit, accessRights: Number(((d >> 40n) & 0xffn) | (((d >> 52n) & 0xfn) << 12n)) };
};

/** A data or readable code descriptor that is present: what MOV DS accepts (Vol. 2B MOV). */
const loadable = (d: bigint): boolean => ((d >> 47n) & 1n) === 1n && ((d >> 44n) & 1n) === 1n && (((d >> 43n) & 1n) === 0n || ((d >> 41n) & 1n) === 1n);

export interface Reloaded {
  /** The guest's data segment registers after the reload (its view). */
  readonly guest: Record<DataSegment, SegmentRegister>;
  /** What the machine is loaded with where the guest's register became null and must fault. */
  readonly machine: Partial<Record<DataSegment, SegmentRegister>>;
  readonly unusable: ReadonlySet<DataSegment>;
}

/** The VMM's resume path: DS, ES, FS and GS loaded again from the guest's GDT. */
export const reloadDataSegments = (memory: ReadonlyMap<bigint, bigint>, g: CpuRegisters, ia32e: boolean): Reloaded => {
  const guest = {} as Record<DataSegment, SegmentRegister>;
  const machine: Partial<Record<DataSegment, SegmentRegister>> = {};
  const unusable = new Set<DataSegment>();
  for (const k of DATA_SEGMENTS) {
    const s = g.segments[k];
    if ((s.selector & 0xfffc) === 0) {
      guest[k] = s;
      continue;
    }
    const d = guestDescriptor(memory, g, ia32e, s.selector);
    if (d !== null && loadable(d)) {
      guest[k] = fromDescriptor(s.selector, d);
      continue;
    }
    guest[k] = NULL_SEGMENT;
    if (!ia32e) {
      machine[k] = { ...s, base: UNUSABLE_SEGMENT_BASE };
      unusable.add(k);
    }
  }
  return { guest, machine, unusable };
};
