/**
 * EPT translation of a guest-physical address (SDM Vol. 3C §28.2, June 2016 edition): the 4-level
 * walk from the EPT pointer (EPT.WALK), the misconfigurations found on the way (EXIT.EPT.MISCONFIG,
 * ./entries.ts), then the permission check (EXIT.EPT.VIOLATION, EXIT.EPT.VIOLATION.AD) with the
 * qualification of §27.2.1 (EPT.QUALIFICATION), and the accessed/dirty flags when EPTP[6] = 1
 * (EPT.ACCESSED). A misconfiguration anywhere in the walk wins over a violation (EPT.PRIORITY).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import { readMemory64, type VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { control } from '../events/controls.js';
import { exitInformation, hex } from '../events/info.js';
import { decision, vmcsField } from '../result.js';
import { flagUpdate, type FlagUpdate } from '../paging/physical.js';
import type { AccessKind, Translation } from '../paging/types.js';
import { addressMask, misconfiguration } from './entries.js';

export interface EptAccess {
  readonly gpa: bigint;
  readonly kind: AccessKind;
  /**
   * The guest-linear address whose translation made the access (qualification bit 7 is then 1); null
   * for the load of the PDPTE registers by MOV to CR, which has none (bits 7 and 8 are 0, §27.2.1).
   */
  readonly linear: bigint | null;
  /** Qualification bit 8: the access is to the translated page (true) or to a guest paging-structure entry (false). */
  readonly final: boolean;
  /** Qualification bit 12: the access was made by an IRET that removed (virtual-)NMI blocking. */
  readonly nmiUnblocking: boolean;
}

export const eptEnabled = (s: VtxState): boolean => control(s, 'proc2.ENABLE_EPT');

/** EPTP[6] = 1 on a processor that supports EPT accessed/dirty flags (IA32_VMX_EPT_VPID_CAP[21]). */
export const eptAccessedDirty = (caps: Capabilities, s: VtxState): boolean =>
  ((vmcsField(s, 'EPT_POINTER') >> 6n) & 1n) === 1n && ((caps.eptVpidCapLo >>> 21) & 1) === 1;

const SHIFTS = [39n, 30n, 21n, 12n] as const;
const LEVEL_NAMES = ['EPT PML4E', 'EPT PDPTE', 'EPT PDE', 'EPT PTE'] as const;
const ACCESS_BIT: Readonly<Record<AccessKind, number>> = { read: 1, write: 2, fetch: 4 };
const EPT_SECTION = '28.2.3.2';

interface Used { readonly at: bigint; readonly entry: bigint; readonly leaf: boolean }

/**
 * Translates `access.gpa`. Without "enable EPT" the guest-physical address is the physical address.
 * A guest paging-structure access with EPT accessed/dirty flags on counts as a write (§28.2.3.2).
 */
export const eptTranslate = (caps: Capabilities, s: VtxState, access: EptAccess, decisions: readonly Decision[]): Translation => {
  if (!eptEnabled(s)) return { ok: true, pa: access.gpa, updates: [] };
  const ad = eptAccessedDirty(caps, s);
  // Loads of the PDPTE registers stay reads even with EPT A/D flags (§28.2.3.2).
  const asWrite = ad && !access.final && access.linear !== null;
  const needed = asWrite ? ACCESS_BIT.write : ACCESS_BIT[access.kind];
  const mask = addressMask(caps.maxPhysAddr);
  let table = vmcsField(s, 'EPT_POINTER') & mask;
  let permitted = 7;
  const used: Used[] = [];
  let pa: bigint | null = null;
  const gpa = access.gpa & 0xffff_ffff_ffffn;
  for (let level = 0; level < 4 && pa === null; level++) {
    const shift = SHIFTS[level]!;
    const at = table + (((gpa >> shift) & 0x1ffn) << 3n);
    const entry = readMemory64(s.memory, at);
    permitted &= Number(entry & 7n);
    if ((entry & 7n) === 0n) {
      return violation(access, asWrite, permitted, [...decisions, decision('EXIT.EPT.VIOLATION', EPT_SECTION,
        `${LEVEL_NAMES[level]} at ${hex(at)} is not present (bits 2:0 = 000b) while translating guest-physical ${hex(access.gpa)}`)]);
    }
    const bad = misconfiguration(caps, level, entry);
    if (bad !== null) {
      return {
        ok: false,
        failure: {
          kind: 'exit',
          info: exitInformation(49, { guestPhysicalAddress: access.gpa }),
          decisions: [...decisions,
            decision('EXIT.EPT.MISCONFIG', '28.2.3.1', `${LEVEL_NAMES[level]} ${hex(entry)} at ${hex(at)}: ${bad}`),
            decision('EPT.MISCONFIG.INFO', '27.2.1', `qualification 0, guest-physical address ${hex(access.gpa)}`)],
        },
      };
    }
    const leaf = level === 3 || ((entry >> 7n) & 1n) === 1n;
    used.push({ at, entry, leaf });
    if (leaf) {
      const size = 1n << shift;
      pa = (entry & mask & ~(size - 1n)) | (gpa & (size - 1n));
    } else {
      table = entry & mask;
    }
  }
  if ((permitted & needed) === 0) {
    const rule = asWrite && access.kind !== 'write' ? 'EXIT.EPT.VIOLATION.AD' : 'EXIT.EPT.VIOLATION';
    const what = asWrite && access.kind !== 'write'
      ? `EPTP[6] = 1 makes the guest paging-structure access at ${hex(access.gpa)} a write, and the entries used allow ${rwx(permitted)}`
      : `${access.kind} at guest-physical ${hex(access.gpa)}: the entries used allow only ${rwx(permitted)}`;
    return violation(access, asWrite, permitted, [...decisions, decision(rule, rule === 'EXIT.EPT.VIOLATION' ? EPT_SECTION : '28.2.3.2; 28.2.4', what)]);
  }
  const updates: FlagUpdate[] = [];
  if (ad) {
    const dirty = asWrite || access.kind === 'write';
    for (const u of used) {
      const bits = ((u.entry >> 8n) & 1n ? 0n : 1n << 8n) | (u.leaf && dirty && !((u.entry >> 9n) & 1n) ? 1n << 9n : 0n);
      if (bits !== 0n) updates.push(flagUpdate(u.at, bits));
    }
  }
  return { ok: true, pa: pa ?? 0n, updates };
};

const rwx = (p: number): string => (p === 0 ? 'no access' : `${p & 1 ? 'R' : ''}${p & 2 ? 'W' : ''}${p & 4 ? 'X' : ''}`);

const violation = (access: EptAccess, asWrite: boolean, permitted: number, decisions: readonly Decision[]): Translation => {
  // Bits 0-2: the access; a paging-structure access that EPT A/D turns into a write reports read and write.
  const accessBits = asWrite && access.kind !== 'write' ? 3 : ACCESS_BIT[access.kind];
  const hasLinear = access.linear !== null;
  const qualification = BigInt(accessBits | (permitted << 3) | (hasLinear ? 1 << 7 : 0) | (hasLinear && access.final ? 1 << 8 : 0) | (access.nmiUnblocking ? 1 << 12 : 0));
  return {
    ok: false,
    failure: {
      kind: 'exit',
      info: exitInformation(48, { qualification, ...(access.linear === null ? {} : { guestLinearAddress: access.linear }), guestPhysicalAddress: access.gpa }),
      decisions: [...decisions, decision('EPT.QUALIFICATION', '27.2.1',
        `qualification ${hex(qualification)} (access ${rwx(accessBits)}, translation allows ${rwx(permitted)}, ${access.linear === null ? 'load of the PDPTE registers), no guest-linear address' : `${access.final ? 'final translation' : 'guest paging-structure access'}), guest-linear ${hex(access.linear)}`}`)],
    },
  };
};
