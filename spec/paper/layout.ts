/**
 * The addresses the challenge counterexamples (./challenges.ts) name. A counterexample is a concrete
 * program, so it must agree with the guest it starts in and with where the software-only baseline
 * VMM keeps its own structures; the challenge properties build their guests and the baseline from
 * these constants, and a change here is a change of the expected counterexamples.
 */
import { DEFAULT_GUEST } from '../vti/machine/initial.js';

/** A VT-x guest kernel's layout (linear = physical in the guest; flat segments, base 0). */
export const VTX_GUEST = {
  /** GDTR.base; the guest's data segments use selector 0x10 (GDT entry 2). */
  gdtBase: 0x1000n,
  dsSelector: 0x10,
  /** An ordinary data word of the guest kernel. */
  data: 0x2000n,
  /** Where the guest stores what SGDT returns. */
  scratch: 0x2100n,
  /** A page the guest's own page tables map supervisor-only (U/S = 0). */
  kernelPage: 0x5000n,
} as const;

/** Linear address of the high doubleword of the GDT descriptor of DS (type, S, DPL, P, limit 19:16, G, base 31:16). */
export const VTX_GUEST_DS_DESCRIPTOR_HIGH = VTX_GUEST.gdtBase + BigInt(VTX_GUEST.dsSelector) + 4n;

/**
 * The software-only baseline VMM for IA-32 keeps its IDT, GDT, handlers and data in the top 4 MiB of
 * the 32-bit linear-address space of every guest (protected from the guest by segment limits in the
 * 0/1/3 model, by supervisor-only pages in 0/3/3).
 */
export const VTX_BASELINE_VMM_AREA = 0xffc0_0000n;

/** A VT-i guest kernel: it starts at this IP in region 0. */
export const VTI_GUEST = { ip: DEFAULT_GUEST.ip } as const;

/**
 * Where a VMM on Itanium keeps its IVT: region 7, in the half that PSR.vm = 1 code cannot name on the
 * default profile (spec/vti/machine/initial.ts). The software-only baseline uses the same address, so
 * the two VMMs differ only in what the hardware does about guest accesses to it.
 */
export const VTI_VMM_IVT = DEFAULT_GUEST.hostIva;
