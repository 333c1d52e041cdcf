/**
 * What an EPT paging-structure entry may hold (SDM Vol. 3C §28.2.2, Tables 28-1 to 28-6) and the
 * entries the processor cannot interpret: EPT misconfigurations (§28.2.3.1, EXIT.EPT.MISCONFIG).
 * Checked only on present entries (bits 2:0 ≠ 000b).
 */
import type { Capabilities } from '../../capabilities.js';

/** Bits (MAXPHYADDR−1):12: the address part of an entry (and of EPTP). */
export const addressMask = (maxPhysAddr: number): bigint => ((1n << BigInt(maxPhysAddr)) - 1n) & ~0xfffn;

const bits = (hi: number, lo: number): bigint => ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);

/** EPT memory types 2, 3 and 7 are reserved (§28.2.6). */
const RESERVED_MEMORY_TYPES = new Set([2, 3, 7]);

const cap = (caps: Capabilities, bit: number): boolean => ((caps.eptVpidCapLo >>> bit) & 1) === 1;

/**
 * Why the present entry at `level` (0 = PML4E … 3 = PTE) is a misconfiguration, or null. Large
 * pages need IA32_VMX_EPT_VPID_CAP bit 16 (2 MiB) or 17 (1 GiB); execute-only entries bit 0.
 */
export const misconfiguration = (caps: Capabilities, level: number, entry: bigint): string | null => {
  const rwx = Number(entry & 7n);
  if (rwx === 2 || rwx === 6) return `bits 2:0 = ${rwx.toString(2).padStart(3, '0')}b: write access without read access`;
  if (rwx === 4 && !cap(caps, 0)) return 'bits 2:0 = 100b (execute-only) and IA32_VMX_EPT_VPID_CAP[0] = 0';
  if (caps.maxPhysAddr < 52 && (entry & bits(51, caps.maxPhysAddr)) !== 0n) return `reserved bits 51:${caps.maxPhysAddr} (beyond the physical-address width) set`;
  const large = ((entry >> 7n) & 1n) === 1n;
  const leaf = level === 3 || (large && (level === 1 || level === 2));
  if (level === 0 && (entry & bits(7, 3)) !== 0n) return 'reserved bits 7:3 of a PML4E set';
  if (!leaf && (entry & bits(7, 3)) !== 0n) return 'reserved bits 7:3 of an entry that references a table set';
  if (level === 1 && large && !cap(caps, 17)) return 'bit 7 (1-GiB page) set and IA32_VMX_EPT_VPID_CAP[17] = 0';
  if (level === 2 && large && !cap(caps, 16)) return 'bit 7 (2-MiB page) set and IA32_VMX_EPT_VPID_CAP[16] = 0';
  if (level === 1 && large && (entry & bits(29, 12)) !== 0n) return 'reserved bits 29:12 of a 1-GiB page entry set';
  if (level === 2 && large && (entry & bits(20, 12)) !== 0n) return 'reserved bits 20:12 of a 2-MiB page entry set';
  const memoryType = Number((entry >> 3n) & 7n);
  if (leaf && RESERVED_MEMORY_TYPES.has(memoryType)) return `memory type ${memoryType} (bits 5:3) is reserved`;
  return null;
};
