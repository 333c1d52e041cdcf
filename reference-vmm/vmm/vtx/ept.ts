/**
 * Memory virtualization with EPT (§28.2): the VMM's guest-physical → host-physical tables, built once.
 * The guest's memory (GUEST_MEMORY_SIZE from guest-physical 0) maps to host-physical `guestBase`
 * onwards — an identity map when guestBase = 0, an offset map otherwise — in 2-MiB pages, read/write/
 * execute, write-back when IA32_VMX_EPT_VPID_CAP[14] allows it; nothing else is mapped, so the VMM's
 * own region (layout.ts) is out of the guest's reach. With EPT the guest's CR3, INVLPG and #PF are
 * its own: none of them exits.
 */
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import { GUEST_MEMORY_SIZE } from '../../guests/vtx/program.js';
import { VmmError, type VmxHost } from './host.js';
import { VMM } from './layout.js';

const TWO_MIB = 0x20_0000n;

export const eptPointer = (profile: VtxProfile): bigint => {
  const cap = profile.msrs.IA32_VMX_EPT_VPID_CAP ?? 0n;
  if (((cap >> 6n) & 1n) === 0n) throw new VmmError(`the profile ${profile.name} has no 4-level EPT walk`);
  const memoryType = ((cap >> 14n) & 1n) === 1n ? 6n : 0n;
  return VMM.eptPml4 | (3n << 3n) | memoryType;
};

export const buildEpt = (host: VmxHost, profile: VtxProfile, guestBase: bigint): void => {
  const cap = profile.msrs.IA32_VMX_EPT_VPID_CAP ?? 0n;
  if (((cap >> 16n) & 1n) === 0n) throw new VmmError(`the profile ${profile.name} has no 2-MiB EPT pages`);
  if ((guestBase & (TWO_MIB - 1n)) !== 0n) throw new VmmError('guestBase must be 2-MiB aligned');
  const memoryType = ((cap >> 14n) & 1n) === 1n ? 6n : 0n;
  host.write64(VMM.eptPml4, VMM.eptPdpt | 7n);
  host.write64(VMM.eptPdpt, VMM.eptPd | 7n);
  for (let i = 0n; i * TWO_MIB < GUEST_MEMORY_SIZE; i++) {
    host.write64(VMM.eptPd + 8n * i, (guestBase + i * TWO_MIB) | 7n | (memoryType << 3n) | (1n << 7n));
  }
};
