/**
 * Where the VMM keeps its structures in host-physical memory: a region at 1 GiB, above the guest's
 * memory (which starts at `config.guestBase` and is GUEST_MEMORY_SIZE long), so no guest-physical
 * address reaches it — with EPT because the EPT tables map only the guest's memory, with shadow
 * paging because the shadow tables map only frames of the guest's memory.
 */
export const VMM = {
  vmxon: 0x4000_0000n,
  vmcs: 0x4000_1000n,
  ioBitmapA: 0x4000_2000n,
  ioBitmapB: 0x4000_3000n,
  msrBitmap: 0x4000_4000n,
  virtualApic: 0x4000_5000n,
  /** The host's own page tables (never walked: the VMM's code is not abstract-ISA code). */
  hostCr3: 0x4000_6000n,
  eptPml4: 0x4001_0000n,
  eptPdpt: 0x4001_1000n,
  eptPd: 0x4001_2000n,
  /** Shadow page tables: a pool of 4-KiB pages handed out in order, emptied on every guest CR3 load. */
  shadowPool: 0x4010_0000n,
  shadowPoolPages: 4096,
  hostRsp: 0x4000_8000n,
  hostRip: 0x4000_9000n,
} as const;
