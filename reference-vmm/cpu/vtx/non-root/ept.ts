/**
 * EPT translation of guest-physical addresses (SDM §28.2, June 2016): the 4-level walk (5-level when
 * EPTP[5:3] = 4), EPT misconfigurations (§28.2.3.1), EPT violations with their exit qualification
 * and addresses (§28.2.3.2, Table 27-7), their priority (§28.2.3.3: the walk stops at the first
 * not-present or misconfigured entry; permissions are checked once the walk reached the leaf), and
 * the accessed and dirty flags when EPTP[6] = 1 (§28.2.4).
 * Rules: EXIT.EPT.MISCONFIG, EXIT.EPT.VIOLATION, EXIT.EPT.VIOLATION.AD, EPT.WALK, EPT.PRIORITY,
 * EPT.QUALIFICATION, EPT.MISCONFIG.INFO, EPT.ACCESSED.
 */
import type { ExitCause } from '../vm-exit/index.js';
import { exitInformation, pushesRfSet, StepDone, type Guest } from './guest.js';
import { exitDuringDelivery } from './exits.js';

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
const BAD_MEMORY_TYPES = new Set([2n, 3n, 7n]);

export interface EptAccess {
  readonly write: boolean;
  /** The guest-linear address behind the access; null only when MOV to CR loads the PDPTE registers. */
  readonly linear: bigint | null;
  /** True for the access to the translated address, false for a guest paging-structure access. */
  readonly final: boolean;
}

const misconfigured = (g: Guest, e: bigint, level: number): boolean => {
  const perm = e & 7n;
  if (perm === 2n || perm === 6n) return true;
  if (perm === 4n && !bit(g.caps.eptVpidCap, 0)) return true;
  const addressBits = ((1n << 52n) - 1n) & ~((1n << g.caps.maxPhysAddr) - 1n);
  if ((e & addressBits) !== 0n) return true;
  const large = bit(e, 7);
  if (level >= 4) return large || (e & 0x78n) !== 0n;
  if (level === 1 || large) {
    if (level === 3 && (!bit(g.caps.eptVpidCap, 17) || (e & 0x3fff_f000n) !== 0n)) return true;
    if (level === 2 && (!bit(g.caps.eptVpidCap, 16) || (e & 0x1f_f000n) !== 0n)) return true;
    return BAD_MEMORY_TYPES.has((e >> 3n) & 7n);
  }
  return (e & 0x78n) !== 0n;
};

/** §27.3.3: RF = 1 unless the exit interrupted event delivery (then RF as the delivery would push it) (VMEXIT.SAVE.RFLAGS). */
const eptRf = (g: Guest): ExitCause => (g.delivering === null || pushesRfSet(g.delivering) ? { rf: true } : {});

/**
 * An EPT violation (reason 48): qualification bits 0-2 the access (no fetches here), 3-5 the AND of the
 * R/W/X bits of the entries used (0 at a not-present one), 7 = a guest-linear address exists (all but the
 * PDPTE-register loads of MOV to CR), 8 = final translation vs guest paging-structure access (0 without a
 * linear address), 12 NMI unblocking by IRET; the guest-physical and guest-linear addresses
 * (EPT.QUALIFICATION, VMEXIT.INFO.ADDRESSES).
 */
const violation = (g: Guest, gpa: bigint, a: EptAccess, rwx: bigint, pagingStructureWrite: boolean): never => {
  const read = !a.write || pagingStructureWrite;
  const linear = a.linear !== null;
  const q = (read ? 1n : 0n) | (a.write ? 2n : 0n) | (rwx << 3n) | (linear ? 1n << 7n : 0n) | (linear && a.final ? 1n << 8n : 0n)
    | (g.iretUnblockedNmi ? 1n << 12n : 0n);
  throw new StepDone(exitDuringDelivery(g, exitInformation(48, {
    qualification: q, guestLinearAddress: a.linear, guestPhysicalAddress: gpa,
  }), eptRf(g)));
};

/**
 * The host-physical address of guest-physical `gpa`, or a VM exit (thrown as StepDone): the walk from
 * EPTP through PML4E, PDPTE (bit 7: 1 GiB), PDE (bit 7: 2 MiB), PTE (EPT.WALK; 5 levels when EPTP[5:3] =
 * 4). Each entry is checked for a misconfiguration before anything else, permissions only at the leaf, so
 * a misconfiguration is reported before a violation the entries would also cause (EPT.PRIORITY); it
 * exits with qualification 0 and the guest-physical address only (EPT.MISCONFIG.INFO,
 * VMEXIT.INFO.ADDRESSES). With EPT A/D flags enabled the accessed flag of every entry used and the dirty
 * flag of the leaf for a write are set, guest paging-structure accesses counting as writes
 * (qualification bits 0 and 1) (EPT.ACCESSED).
 */
export const eptTranslate = (g: Guest, gpa: bigint, a: EptAccess): bigint => {
  const m = g.m;
  const eptp = g.f('EPT_POINTER');
  const ad = bit(eptp, 6) && bit(g.caps.eptVpidCap, 21);
  // Guest paging-structure reads count as writes with EPT A/D, the PDPTE-register loads excepted (§28.2.3.2).
  const pagingStructureWrite = ad && !a.final && a.linear !== null;
  const asWrite = a.write || pagingStructureWrite;
  const levels = Number((eptp >> 3n) & 7n) + 1;
  const addressMask = ((1n << 52n) - 1n) & ~0xfffn;
  let table = eptp & addressMask;
  let rwx = 7n;
  const used: bigint[] = [];
  for (let level = levels; level >= 1; level--) {
    const shift = BigInt(12 + 9 * (level - 1));
    const at = table + ((gpa >> shift) & 0x1ffn) * 8n;
    const e = m.read64(at);
    used.push(at);
    if ((e & 7n) === 0n) violation(g, gpa, { ...a, write: asWrite }, 0n, pagingStructureWrite);
    if (misconfigured(g, e, level)) {
      throw new StepDone(exitDuringDelivery(g, exitInformation(49, { guestPhysicalAddress: gpa }), eptRf(g)));
    }
    rwx &= e & 7n;
    if (level === 1 || (level <= 3 && bit(e, 7))) {
      const needed = asWrite ? 2n : 1n;
      if ((rwx & needed) !== needed || (asWrite && (rwx & 1n) === 0n)) violation(g, gpa, { ...a, write: asWrite }, rwx, pagingStructureWrite);
      if (ad) {
        for (const u of used) m.write64(u, m.read64(u) | (1n << 8n));
        if (asWrite) m.write64(at, m.read64(at) | (1n << 9n));
      }
      const low = (1n << shift) - 1n;
      return ((m.read64(at) & addressMask) & ~low) | (gpa & low);
    }
    table = e & addressMask;
  }
  return gpa; // unreachable: level 1 is always a leaf
};
