/**
 * The architectural state of one Itanium logical processor with VT-i, as the model, the reference CPU
 * and state files (spec/codec/vti-state.ts) exchange it. Plain readonly data; 64-bit values are
 * bigints. What is abstracted away, and why, is in ./README.md.
 *
 * Conventions shared by every sparse map below: an absent key reads as 0, so a map with an explicit
 * 0 entry and one without the key describe the same state (compare.ts treats them as equal).
 */

/** A general register: 64-bit value and its NaT bit (SDM 1:§3.1.1). */
export interface Gr {
  readonly value: bigint;
  readonly nat: boolean;
}

/** The current frame marker's size fields (SDM 1:§4.1, CFM.sof bits 6:0, CFM.sol bits 13:7). */
export interface Cfm {
  /** Size of frame: stacked registers GR32..GR32+sof-1 are addressable (0..96). */
  readonly sof: number;
  /** Size of locals (0..sof); GR32+sol.. are the outputs that become the callee's frame. */
  readonly sol: number;
}

/**
 * The register stack engine, abstracted (SDM 2:§6): no backing store in memory and no lazy
 * spill/fill. Registers that leave the current frame (a caller's locals at br.call, the whole frame
 * at cover) are pushed on `frames`; br.ret and rfi (IFS.v = 1) pop them back.
 */
export interface RseState {
  readonly cfm: Cfm;
  /**
   * The hidden "current frame load enable" (ITJ, "Access to Hidden State"): no instruction writes it;
   * rfi forces it to 1; PAL_VPS_RESUME_HANDLER sets it from GR26 bit 63. The model only carries it.
   */
  readonly cfle: boolean;
  /** Frames out of the current one, innermost last; `regs` are in register order (GR32 first). */
  readonly frames: readonly { readonly regs: readonly Gr[] }[];
}

/** One translation as itc/itr insert it (SDM 2:§4.1.1, itc/itr pages): everything tpa/tak/probe/vmsw need. */
export interface TlbEntry {
  /** Virtual address of the page (low `ps` bits clear), region bits 63:61 included. */
  readonly vadr: bigint;
  /** RR[vadr{63:61}].rid (bits 31:8 of the region register) when inserted. */
  readonly rid: bigint;
  /** log2 of the page size, from ITIR.ps (bits 7:2). */
  readonly ps: number;
  /** The inserted PTE: p (0), ma (4:2), a (5), d (6), pl (8:7), ar (11:9), ppn (49:12), ed (52). */
  readonly pte: bigint;
  /** ITIR.key (bits 31:8). */
  readonly key: bigint;
}

/**
 * The TLB (SDM 2:§4.1.1): translation registers by slot (null = empty) and translation caches.
 * The model keeps every TC entry until a purge or an overlapping insert; a real TC may drop entries
 * at any time, which is looseness compare.ts does not judge (see README.md).
 */
export interface TlbState {
  readonly itr: readonly (TlbEntry | null)[];
  readonly dtr: readonly (TlbEntry | null)[];
  readonly itc: readonly TlbEntry[];
  readonly dtc: readonly TlbEntry[];
}

/**
 * The guest-visible part of a virtual processor descriptor (spec/vti/vpd.ts): the fields the
 * mechanisms read or write, each at its VPD offset. Loads and stores to [vpd, vpd + 64 KiB) of a
 * created VP reach these fields (VPD_OFFSETS below); every other 8-byte slot is in `other`.
 */
export interface Vpd {
  /** 0x000: virtualization acceleration control (VAC_BITS). */
  readonly vac: bigint;
  /** 0x008: virtualization disable control (VDC_BITS). */
  readonly vdc: bigint;
  /** 0x010: host virtual address of the PAL virtual environment buffer. */
  readonly virtEnvVaddr: bigint;
  /** 0x100: virtual highest pending interrupt (0 none, 16 ExtINT, 32 NMI, else vector >> 4). */
  readonly vhpi: bigint;
  /** 0x400 (values) and 0x500 (NaT bits): guest bank-1 GR16-31 while the guest runs on bank 0. */
  readonly vgr: readonly Gr[];
  /** 0x480 (values) and 0x508 (NaT bits): guest bank-0 GR16-31 while the guest runs on bank 1. */
  readonly vbgr: readonly Gr[];
  /** 0x510: guest CPUID[0..4]. */
  readonly vcpuid: readonly bigint[];
  /** 0x590: guest PSR. */
  readonly vpsr: bigint;
  /** 0x598: guest predicates. */
  readonly vpr: bigint;
  /** 0x5a0: virtual RSE CFLE (offset constant only; see spec/vti/vpd.ts). */
  readonly vrseCfle: bigint;
  /** 0x800 + 8n: guest control register n; vtpr is vcr[66] (0xa10). */
  readonly vcr: ReadonlyMap<number, bigint>;
  /** Any other 8-byte-aligned offset (vmm_avail at 0x7c00 and the reserved areas), keyed by offset. */
  readonly other: ReadonlyMap<number, bigint>;
}

/** Offsets of the `Vpd` fields, from spec/vti/vpd.ts (VPD_FIELDS). */
export const VPD_OFFSETS = {
  vac: 0x000, vdc: 0x008, virtEnvVaddr: 0x010, vhpi: 0x100, vgr: 0x400, vbgr: 0x480, vnat: 0x500, vbnat: 0x508,
  vcpuid: 0x510, vpsr: 0x590, vpr: 0x598, vrseCfle: 0x5a0, vcr: 0x800,
} as const;

/** A virtual processor created by PAL_VP_CREATE (SDM 2:471), keyed by its VPD's host virtual address. */
export interface VirtualProcessor {
  readonly vpd: Vpd;
  /** The host IVT for IVA-based interruptions while this VP runs. */
  readonly hostIva: bigint;
  /** 0: intercepts go to hostIva + 0x6100; else the address of the intercept handler. */
  readonly optHandler: bigint;
}

/**
 * The PAL virtual environment of this logical processor (SDM §11.10): not entered, or entered by
 * PAL_VP_INIT_ENV with its options, buffer and service base, with the VPs created in it and the one
 * restored on this processor (PAL_VP_RESTORE / PAL_VPS_RESTORE) until a save.
 */
export type PalEnvironment =
  | { readonly status: 'not-initialised' }
  | {
    readonly status: 'initialised';
    readonly configOptions: bigint;
    readonly bufferPhysical: bigint;
    readonly bufferVirtual: bigint;
    /** Returned by PAL_VP_INIT_ENV (the profile's vsaBase). */
    readonly vsaBase: bigint;
    readonly vps: ReadonlyMap<bigint, VirtualProcessor>;
    /** VPD address of the VP restored on this processor, or null. */
    readonly current: bigint | null;
  };

export interface VtiState {
  /** The PSR, all 64 bits (spec/vti/psr.ts); PSR.vm = bit 46: 0 = VMM (host), 1 = guest. */
  readonly psr: bigint;
  /** Address of the bundle of the next instruction; PSR.ri selects its slot. */
  readonly ip: bigint;
  /** Bundle address of the last successfully executed instruction: what CR.IIPA receives (SDM §3.3.5.6). */
  readonly lastIp: bigint;
  /**
   * Control registers by number (spec/vti/control-registers.ts): dcr 0, itm 1, iva 2, pta 8, ipsr 16,
   * isr 17, iip 19, ifa 20, itir 21, iipa 22, ifs 23, iim 24, iha 25, lid 64, ivr 65, tpr 66, eoi 67,
   * irr0-3 68-71, itv 72, pmv 73, cmcv 74, lrr0 80, lrr1 81. Absent = 0.
   */
  readonly cr: ReadonlyMap<number, bigint>;
  /**
   * GR0-GR127 as currently addressed: GR16-31 are the bank PSR.bn selects; GR32+ the current frame
   * (entries at or above 32 + CFM.sof are outside it and not architecturally visible).
   */
  readonly gr: readonly Gr[];
  /** GR16-31 of the bank PSR.bn does not select (16 entries). */
  readonly grInactiveBank: readonly Gr[];
  /** Predicates p0-p63 as a bit mask (p0 is always 1). */
  readonly pr: bigint;
  /** Branch registers b0-b7. */
  readonly br: readonly bigint[];
  /** Application registers by number: k0-k7 0-7, rsc 16, bsp 17, itc 44, pfs 64, lc 65, ec 66 … Absent = 0. */
  readonly ar: ReadonlyMap<number, bigint>;
  readonly rse: RseState;
  /** Region registers rr0-rr7 (rid 31:8, ps 7:2, ve 0). */
  readonly rr: readonly bigint[];
  /** Protection key registers by index. */
  readonly pkr: ReadonlyMap<number, bigint>;
  readonly ibr: ReadonlyMap<number, bigint>;
  readonly dbr: ReadonlyMap<number, bigint>;
  readonly pmc: ReadonlyMap<number, bigint>;
  readonly pmd: ReadonlyMap<number, bigint>;
  /** The processor's CPUID registers (CPUID[3]{7:0} = index of the last one). */
  readonly cpuid: readonly bigint[];
  readonly tlb: TlbState;
  /** Sparse memory of 8-byte words keyed by their (8-byte-aligned) virtual address. Absent = 0. */
  readonly memory: ReadonlyMap<bigint, bigint>;
  /** External interrupt vectors in service (bit v = vector v), acknowledged by IVR reads, retired by EOI. */
  readonly inService: bigint;
  readonly pal: PalEnvironment;
  /**
   * The highest pending virtual interrupt the processor was told about (VPD vhpi latched by
   * PAL_VPS_SET_PENDING_INTERRUPT and the restores): what the vac.a_int logic compares, 0 = none.
   */
  readonly pendingVirtualInterrupt: bigint;
}

/** PSR.vm = 1: a guest runs; 0: the VMM (or a native OS) runs. */
export const isGuest = (s: VtiState): boolean => ((s.psr >> 46n) & 1n) === 1n;

/** The restored VP, if any (the VP whose VPD governs PSR.vm = 1 execution). */
export const currentVp = (s: VtiState): { readonly address: bigint; readonly vp: VirtualProcessor } | null => {
  if (s.pal.status !== 'initialised' || s.pal.current === null) return null;
  const vp = s.pal.vps.get(s.pal.current);
  return vp === undefined ? null : { address: s.pal.current, vp };
};
