/**
 * The Bochs harness's memory map and fixed addresses. One source of truth: run.ts passes these to
 * nasm (-D), and realise.ts uses them for the host-state substitutions it model-checks.
 *
 *   0 .. 16 MiB            the cases' physical memory (VMXON regions, VMCSs, lists, bitmaps ...),
 *                          except the legacy VGA/ROM hole A0000H-FFFFFH, which is not RAM
 *   16 MiB (HI_BASE)       harness code and data (entry points at +0x10 and +0x20)
 *   PT_BASE                harness page tables: identity map of 4 GiB with 2 MiB pages
 *   STACK_TOP, HOST_RSP    harness stack; stack a VM exit lands on
 *   SCRATCH_VMCS           VMCS the harness uses to leave no VMCS current
 *   BLOB_ADDR ..           the batch of cases, read from the ATA disk
 */
export const MIB = 0x10_0000n;
export const HI_BASE = 16n * MIB;
export const PT_BASE = HI_BASE + 0x2_0000n;
export const STACK_TOP = HI_BASE + 0x4_0000n;
export const HOST_RSP = HI_BASE + 0x4_8000n;
export const SCRATCH_VMCS = HI_BASE + 0x5_0000n;
export const BLOB_ADDR = HI_BASE + 0x10_0000n;
/** Guest RAM in MiB (bochsrc `megs`); the blob must fit between BLOB_ADDR and the end of RAM. */
export const MEGS = 64;
export const BLOB_CAPACITY = BigInt(MEGS) * MIB - BLOB_ADDR;

/** Where a VM exit from a case returns (HOST_RIP), and where the 'launched'-making guest returns. */
export const HOST_RIP_CASE = HI_BASE + 0x10n;
export const HOST_RIP_PREP = HI_BASE + 0x20n;
/** CR3, CR0, CR4, EFER the harness runs with (the baselines' host and cpu values, CR3 excepted). */
export const HARNESS_CR3 = PT_BASE;
export const HARNESS_CR0 = 0x8000_0031n;
export const HARNESS_CR4 = 0x2020n;
export const HARNESS_EFER = 0xd00n;

/** Physical memory a case may use: [0, CASE_AREA_END) without [HOLE_START, HOLE_END). */
export const CASE_AREA_END = HI_BASE;
export const HOLE_START = 0xa_0000n;
export const HOLE_END = 0x10_0000n;

export const inCaseArea = (address: bigint): boolean =>
  address >= 0n && address < CASE_AREA_END && !(address >= HOLE_START && address < HOLE_END);

/** nasm -D definitions for harness.asm. */
export const NASM_DEFINES: Readonly<Record<string, bigint>> = {
  HI_BASE, PT_BASE, STACK_TOP, SCRATCH_VMCS, BLOB_ADDR, BLOB_LBA: 0n, CASE_AREA_END,
};
