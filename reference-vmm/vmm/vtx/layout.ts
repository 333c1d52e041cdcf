/**
 * Where the VMM keeps its structures in host-physical memory: a region at 1 GiB, apart from the guest's
 * initial block (which starts at `config.guestBase` and is GUEST_MEMORY_SIZE long) and from the pool of
 * frames that back the rest of guest-physical memory on demand (guest-memory.ts), so no guest-physical
 * address reaches it — with EPT because the EPT tables map only the guest's frames, with shadow paging
 * because the shadow tables map only frames of the guest's memory. Everything lies below 4 GiB, so that
 * 32-bit shadow page tables (4-byte entries) can name it.
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
  /** EPT paging structures for the pages mapped on demand (ept.ts). */
  eptPool: 0x4200_0000n,
  eptPoolPages: 4096,
  /** Shadow page tables: a pool of 4-KiB pages handed out in order, emptied on every guest CR3 load. */
  shadowPool: 0x4010_0000n,
  shadowPoolPages: 4096,
  hostRsp: 0x4000_8000n,
  hostRip: 0x4000_9000n,
  /** Frames for guest-physical pages outside the initial block, handed out at first use (2 GiB). */
  framePool: 0x8000_0000n,
  framePoolPages: 0x8_0000,
} as const;

/** The host-physical ranges the VMM keeps for itself (the guest's initial block must not meet them). */
export const VMM_RANGES: readonly (readonly [bigint, bigint])[] = [
  [VMM.vmxon, VMM.eptPool + BigInt(VMM.eptPoolPages) * 0x1000n],
  [VMM.framePool, VMM.framePool + BigInt(VMM.framePoolPages) * 0x1000n],
];
