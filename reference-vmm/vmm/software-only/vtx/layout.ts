/**
 * Where the software-only VMM for IA-32 keeps itself (ITJ, "Address-Space Compression"): without VT
 * the processor takes every interruption through an IDT, a GDT and a TSS in the linear-address space
 * the guest runs in, so the VMM must occupy part of that space. It takes the top 4 MiB — of the
 * 32-bit space for a protected-mode guest (spec/paper/layout.ts VTX_BASELINE_VMM_AREA), of the
 * canonical 64-bit space for an IA-32e guest — backed by host-physical memory above the guest's
 * (GUEST_MEMORY_SIZE), where no guest-physical address reaches.
 */
import { VTX_BASELINE_VMM_AREA } from '../../../../spec/paper/layout.js';

/** Host-physical base of the VMM's 4 MiB (above the guest's 16 MiB, as the VT-x VMM's structures are). */
export const VMM_PHYSICAL = 0x4000_0000n;
export const VMM_AREA_SIZE = 0x40_0000n;
/** Shadow page tables: 4-KiB pages handed out from here (not mapped in any linear-address space). */
export const SHADOW_POOL = VMM_PHYSICAL + VMM_AREA_SIZE;

/** Linear base of the VMM's area in a guest of each kind. */
export const vmmAreaBase = (ia32e: boolean): bigint => (ia32e ? 0xffff_ffff_ffc0_0000n : VTX_BASELINE_VMM_AREA);

/** Offsets in the area. Handlers and the SYSENTER entry are RIPs only: the VMM's code is TypeScript. */
export const AREA = { gdt: 0x0000n, idt: 0x1000n, tss: 0x2000n, stackTop: 0x8000n, handlers: 0x10_0000n, sysenter: 0x20_0000n } as const;

/**
 * The VMM's own descriptors, in its GDT after the copies of the guest's descriptors (so the guest's
 * GDT may use offsets below 0xF00).
 */
export const VMM_SELECTORS = { code: 0xf00, data: 0xf08, tss: 0xf10 } as const;
export const VMM_GDT_LIMIT = 0xf1f;

/**
 * A linear base no access of a protected-mode guest can translate (neither the challenge guests nor
 * the VMM map anything at 2 GiB): what the VMM gives a data segment register it cannot reload, so
 * that the guest's next access through it faults into the VMM (hidden.ts).
 */
export const UNUSABLE_SEGMENT_BASE = 0x8000_0000n;
