/**
 * Memory virtualization with EPT (§28.2): the VMM's guest-physical → host-physical tables. At set-up
 * they map the guest's initial block (GUEST_MEMORY_SIZE from guest-physical 0) to host-physical
 * `guestBase` onwards — an identity map when guestBase = 0, an offset map otherwise — in 2-MiB pages,
 * read/write/execute, write-back when IA32_VMX_EPT_VPID_CAP[14] allows it. Every other guest-physical
 * page is mapped at its first use: the access causes an EPT violation (exit 48, §28.2.3.2) at a
 * not-present entry, the VMM backs the page with a zero-filled frame (guest-memory.ts), adds a 4-KiB
 * mapping (creating the paging structures it needs) and resumes, so the access is made again and
 * succeeds — the guest has all of its physical address space, as natively. Only the guest's frames
 * are ever mapped, so the VMM's own region (layout.ts) stays out of its reach. No INVEPT is needed:
 * an entry goes from not present to present, and no mapping is ever cached from a not-present one
 * (§28.3.2). With EPT the guest's CR3, INVLPG and #PF are its own: none of them exits.
 */
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import { GUEST_MEMORY_SIZE } from '../../guests/vtx/program.js';
import { VmmError, type VmxHost } from './host.js';
import { VMM } from './layout.js';
import type { Vm } from './vm.js';

const TWO_MIB = 0x20_0000n;
const RWX = 7n;
const ADDR = ((1n << 52n) - 1n) & ~0xfffn;

const memoryTypeOf = (profile: VtxProfile): bigint => ((((profile.msrs.IA32_VMX_EPT_VPID_CAP ?? 0n) >> 14n) & 1n) === 1n ? 6n : 0n);

export const eptPointer = (profile: VtxProfile): bigint => {
  const cap = profile.msrs.IA32_VMX_EPT_VPID_CAP ?? 0n;
  if (((cap >> 6n) & 1n) === 0n) throw new VmmError(`the profile ${profile.name} has no 4-level EPT walk`);
  return VMM.eptPml4 | (3n << 3n) | memoryTypeOf(profile);
};

export const buildEpt = (host: VmxHost, profile: VtxProfile, guestBase: bigint): void => {
  const cap = profile.msrs.IA32_VMX_EPT_VPID_CAP ?? 0n;
  if (((cap >> 16n) & 1n) === 0n) throw new VmmError(`the profile ${profile.name} has no 2-MiB EPT pages`);
  if ((guestBase & (TWO_MIB - 1n)) !== 0n) throw new VmmError('guestBase must be 2-MiB aligned');
  const memoryType = memoryTypeOf(profile);
  host.write64(VMM.eptPml4, VMM.eptPdpt | RWX);
  host.write64(VMM.eptPdpt, VMM.eptPd | RWX);
  for (let i = 0n; i * TWO_MIB < GUEST_MEMORY_SIZE; i++) {
    host.write64(VMM.eptPd + 8n * i, (guestBase + i * TWO_MIB) | RWX | (memoryType << 3n) | (1n << 7n));
  }
};

const eptTables = new WeakMap<Vm, { next: number }>();

/**
 * An EPT violation: map the guest-physical page the access wanted (a 4-KiB leaf under the PML4E, PDPTE
 * and PDE it needs) and let the guest make the access again. A violation at a present entry, or inside
 * the initial block, would mean the VMM's tables are wrong: a VmmError.
 */
export const onEptViolation = (vm: Vm): void => {
  const gpa = vm.f('GUEST_PHYSICAL_ADDRESS');
  const q = vm.f('EXIT_QUALIFICATION');
  if (((q >> 3n) & 7n) !== 0n) {
    throw new VmmError(`EPT violation at guest-physical 0x${gpa.toString(16)} on a present entry (qualification 0x${q.toString(16)})`);
  }
  let pool = eptTables.get(vm);
  if (pool === undefined) { pool = { next: 0 }; eptTables.set(vm, pool); }
  const host = vm.host;
  let table: bigint = VMM.eptPml4;
  for (const shift of [39n, 30n, 21n]) {
    const at = table + ((gpa >> shift) & 0x1ffn) * 8n;
    let e = host.read64(at);
    if ((e & RWX) === 0n) {
      if (pool.next >= VMM.eptPoolPages) throw new VmmError('out of EPT paging structures');
      e = (VMM.eptPool + BigInt(pool.next++) * 0x1000n) | RWX;
      host.write64(at, e);
    } else if ((e & (1n << 7n)) !== 0n) {
      throw new VmmError(`EPT violation at guest-physical 0x${gpa.toString(16)} inside a mapped large page`);
    }
    table = e & ADDR;
  }
  host.write64(table + ((gpa >> 12n) & 0x1ffn) * 8n, (vm.hpa(gpa) & ~0xfffn) | RWX | (memoryTypeOf(vm.profile) << 3n));
};
