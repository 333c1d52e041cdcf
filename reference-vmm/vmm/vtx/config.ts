/**
 * How the VT-x reference VMM virtualizes a guest: one choice per usage model of the paper
 * ("Usage of the Intel Virtualization Architecture"). The default uses every helping control; each
 * workload turns one off (`--without FEATURE`) and the VMM falls back to what a VMM without it does.
 */
export interface VtxVmmConfig {
  /** Memory virtualization: EPT (the VMM's guest-physical → host-physical tables) or shadow page tables. */
  readonly memory: 'ept' | 'shadow';
  /**
   * Host-physical address of guest-physical 0, where the guest's initial 16 MiB lie (0: identity map;
   * else an offset map, 2-MiB aligned, clear of the VMM's own region); the rest of guest-physical
   * memory is backed page by page at first use (guest-memory.ts).
   */
  readonly guestBase: bigint;
  /** TPR virtualization: the TPR shadow with the TPR threshold, or CR8-load/store exiting. */
  readonly tpr: 'tpr-shadow' | 'cr8-exiting';
  /**
   * Waiting for the guest to accept a virtual interrupt: interrupt-window exiting, or polling at every
   * instruction boundary with a VMX-preemption timer of one guest instruction (the fallback; the
   * monitor trap flag would do the same, but the default profile, Bochs' Skylake-X, lacks it).
   */
  readonly interruptWindow: 'interrupt-window' | 'poll';
  /** Floating-point context: the paper's lazy recipe, or eager switching at every guest CR0.TS change. */
  readonly fpu: 'lazy' | 'eager';
  /** MSR bitmaps (only writes of IA32_TIME_STAMP_COUNTER and accesses of IA32_SYSENTER_CS exit, msr.ts), or every RDMSR/WRMSR exits. */
  readonly msrBitmaps: boolean;
  /** Exception vectors the VMM intercepts (exception bitmap) only to reflect them to the guest by injection. */
  readonly reflect: readonly number[];
}

export const DEFAULT_VTX_VMM_CONFIG: VtxVmmConfig = {
  memory: 'ept', guestBase: 0x1000_0000n, tpr: 'tpr-shadow', interruptWindow: 'interrupt-window', fpu: 'lazy', msrBitmaps: true, reflect: [],
};

/** The helping features a workload can switch off, and what the VMM does instead. */
export const VTX_FEATURES = {
  'tpr-shadow': { off: { tpr: 'cr8-exiting' }, fallback: 'CR8-load and CR8-store exiting: every MOV CR8 exits and the VMM emulates it' },
  'interrupt-window': { off: { interruptWindow: 'poll' }, fallback: 'a one-instruction VMX-preemption timer while a virtual interrupt waits: an exit at every guest instruction until the guest can take it' },
  'lazy-fpu': { off: { fpu: 'eager' }, fallback: 'CR0.TS always in the guest/host mask: every guest CR0.TS change exits and the VMM switches the FPU context' },
  ept: { off: { memory: 'shadow' }, fallback: 'shadow page tables: CR3 loads/stores, INVLPG and #PF exit' },
  'msr-bitmaps': { off: { msrBitmaps: false }, fallback: 'every RDMSR and WRMSR exits' },
} as const satisfies Record<string, { off: Partial<VtxVmmConfig>; fallback: string }>;

export type VtxFeature = keyof typeof VTX_FEATURES;

export const configWithout = (without: readonly string[], base: VtxVmmConfig = DEFAULT_VTX_VMM_CONFIG): VtxVmmConfig => {
  let c = base;
  for (const f of without) {
    const spec = (VTX_FEATURES as Record<string, { off: Partial<VtxVmmConfig> } | undefined>)[f];
    if (spec === undefined) throw new Error(`unknown VT-x feature '${f}' (known: ${Object.keys(VTX_FEATURES).join(', ')})`);
    c = { ...c, ...spec.off };
  }
  return c;
};
