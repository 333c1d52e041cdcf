/**
 * Architectural MSRs a VM-entry MSR-load list may name (SDM Vol. 3C §26.4), with what WRMSR accepts
 * for each: reserved bits that must be 0, canonical-address requirements, and the other value
 * rules the SDM states (Vol. 4 Table 2-2 "IA-32 Architectural MSRs"; Vol. 3A sections cited per
 * entry). VM-entry MSR loading fails exactly where WRMSR at CPL 0 would raise #GP (MSRLOAD.WRMSR),
 * plus the index-based refusals recorded in `entryLoad`.
 *
 * Values whose valid bits depend on the processor (IA32_DEBUGCTL, IA32_PERF_GLOBAL_CTRL,
 * IA32_SPEC_CTRL) take their mask from the context (the capability profile's `choices`).
 */

/** A rule a value written with WRMSR must satisfy; all rules of an MSR must hold. */
export type MsrValueRule =
  /** These bits must be 0. */
  | { readonly kind: 'reserved-zero'; readonly mask: bigint }
  /** Bits outside the mask named by the context must be 0. */
  | { readonly kind: 'valid-mask'; readonly from: 'debugctlValidMask' | 'perfGlobalCtrlValidMask' | 'specCtrlValidMask' }
  /** The value with its low `ignoreLow` bits cleared must be canonical for the linear-address width. */
  | { readonly kind: 'canonical'; readonly ignoreLow: number }
  /** Bits MAXPHYADDR..63 must be 0. */
  | { readonly kind: 'physical-address' }
  /** Each byte is a PAT memory type: 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-). */
  | { readonly kind: 'pat-types' }
  /** Writable only in SMM. */
  | { readonly kind: 'smm-only' }
  /** #GP(0) once bit 0 (lock) of the current value is 1. */
  | { readonly kind: 'lockable' }
  /** IA32_EFER: changing LME (bit 8) while CR0.PG = 1 raises #GP(0); LMA (bit 10) writes are ignored. */
  | { readonly kind: 'efer-lme-while-paging' };

/** How §26.4 treats the index in a VM-entry MSR-load list, apart from the value checks. */
export type EntryLoadTreatment =
  | 'value-checks'
  /** Refused by index (FS/GS base: the guest-state area loads them). */
  | 'refused'
  /** Refused unless the VM entry starts in SMM. */
  | 'smm-only'
  /** Some processors refuse it for model-specific reasons (profile choices.msrLoadRejected). */
  | 'model-specific';

export interface ArchMsrSpec {
  readonly index: number;
  readonly name: string;
  readonly rules: readonly MsrValueRule[];
  readonly entryLoad: EntryLoadTreatment;
  readonly ref: string;
  readonly note?: string;
}

const m = (index: number, name: string, rules: readonly MsrValueRule[], ref: string, entryLoad: EntryLoadTreatment = 'value-checks', note?: string): ArchMsrSpec =>
  note === undefined ? { index, name, rules, entryLoad, ref } : { index, name, rules, entryLoad, ref, note };

const rz = (mask: bigint): MsrValueRule => ({ kind: 'reserved-zero', mask });
const canonical = (ignoreLow = 0): MsrValueRule => ({ kind: 'canonical', ignoreLow });
const HI32 = 0xffff_ffff_0000_0000n;

/** IA32_FEATURE_CONTROL bits no feature defines: 7:3, 16, 19, 63:21. */
export const FEATURE_CONTROL_RESERVED = 0xf8n | (1n << 16n) | (1n << 19n) | (0xffff_ffff_ffff_ffffn << 21n & 0xffff_ffff_ffff_ffffn);

/** EFER bits Intel processors define: SCE (0), LME (8), LMA (10), NXE (11). */
export const EFER_VALID_MASK = 0xd01n;

export const ARCH_MSRS = [
  m(0x10, 'IA32_TIME_STAMP_COUNTER', [], 'Vol. 4 Table 2-2; Vol. 3B 17.17'),
  m(0x1b, 'IA32_APIC_BASE', [rz(0x2ffn), { kind: 'physical-address' }], 'Vol. 4 Table 2-2; Vol. 3A 10.4.4', 'value-checks',
    'bit 8 BSP, bit 10 x2APIC enable, bit 11 APIC global enable, bits MAXPHYADDR-1:12 base; invalid x2APIC/xAPIC mode transitions (Vol. 3A 10.12.5) also fault and are not modelled here'),
  m(0x3a, 'IA32_FEATURE_CONTROL', [{ kind: 'lockable' }, rz(FEATURE_CONTROL_RESERVED)], 'Vol. 4 Table 2-2; Vol. 3C 23.7', 'value-checks',
    'bits 0 lock, 1/2 VMX inside/outside SMX, 14:8 and 15 SENTER enables, 17/18 SGX launch control / global enable, 20 LMCE'),
  m(0x48, 'IA32_SPEC_CTRL', [{ kind: 'valid-mask', from: 'specCtrlValidMask' }], 'Vol. 4 Table 2-2 (post-2016)', 'value-checks',
    'valid bits enumerated by CPUID.(EAX=7,ECX=0):EDX[26,27,31] and later leaves; default mask 0x7 (IBRS, STIBP, SSBD)'),
  m(0x79, 'IA32_BIOS_UPDT_TRIG', [], 'Vol. 4 Table 2-2; Vol. 3A 9.11', 'model-specific', 'microcode update trigger; KVM refuses it in the MSR-load list'),
  m(0x8b, 'IA32_BIOS_SIGN_ID', [], 'Vol. 4 Table 2-2; Vol. 3A 9.11', 'model-specific', 'microcode signature; KVM refuses it in the MSR-load list'),
  m(0x9b, 'IA32_SMM_MONITOR_CTL', [{ kind: 'smm-only' }, rz(HI32 | 0xffan)], 'Vol. 4 Table 2-2; Vol. 3C 34.15.5', 'smm-only',
    'bit 0 valid, bit 2 VMXOFF leaves SMIs blocked (if IA32_VMX_MISC[28]), bits 31:12 MSEG base'),
  m(0x174, 'IA32_SYSENTER_CS', [], 'Vol. 4 Table 2-2; Vol. 3A 5.8.7', 'value-checks', 'bits 63:16 are not used and are not checked'),
  m(0x175, 'IA32_SYSENTER_ESP', [canonical()], 'Vol. 4 Table 2-2; Vol. 3A 5.8.7'),
  m(0x176, 'IA32_SYSENTER_EIP', [canonical()], 'Vol. 4 Table 2-2; Vol. 3A 5.8.7'),
  m(0x1d9, 'IA32_DEBUGCTL', [{ kind: 'valid-mask', from: 'debugctlValidMask' }], 'Vol. 4 Table 2-2; Vol. 3B 17.4.1'),
  m(0x277, 'IA32_PAT', [{ kind: 'pat-types' }], 'Vol. 4 Table 2-2; Vol. 3A 11.12.2'),
  m(0x38f, 'IA32_PERF_GLOBAL_CTRL', [{ kind: 'valid-mask', from: 'perfGlobalCtrlValidMask' }], 'Vol. 4 Table 2-2; Vol. 3B 18.2.2'),
  m(0xd90, 'IA32_BNDCFGS', [rz(0xffcn), canonical(12)], 'Vol. 4 Table 2-2; Vol. 1 17.3.3', 'value-checks',
    'bit 0 EN, bit 1 BNDPRESERVE, bits 11:2 reserved, bits 63:12 base of the bound directory (canonical)'),
  m(0xc0000080, 'IA32_EFER', [rz(~EFER_VALID_MASK & 0xffff_ffff_ffff_ffffn), { kind: 'efer-lme-while-paging' }], 'Vol. 4 Table 2-2; Vol. 3A 2.2.1'),
  m(0xc0000081, 'IA32_STAR', [], 'Vol. 4 Table 2-2; Vol. 3A 5.8.8'),
  m(0xc0000082, 'IA32_LSTAR', [canonical()], 'Vol. 4 Table 2-2; Vol. 3A 5.8.8'),
  m(0xc0000083, 'IA32_CSTAR', [canonical()], 'Vol. 3A 5.8.8', 'value-checks',
    'Intel processors do not use it (SYSCALL is #UD in compatibility mode); the canonical check follows KVM'),
  m(0xc0000084, 'IA32_FMASK', [rz(HI32)], 'Vol. 4 Table 2-2; Vol. 3A 5.8.8'),
  m(0xc0000100, 'IA32_FS_BASE', [canonical()], 'Vol. 4 Table 2-2; Vol. 3C 26.4', 'refused'),
  m(0xc0000101, 'IA32_GS_BASE', [canonical()], 'Vol. 4 Table 2-2; Vol. 3C 26.4', 'refused'),
  m(0xc0000102, 'IA32_KERNEL_GS_BASE', [canonical()], 'Vol. 4 Table 2-2; Vol. 3A 5.8.8'),
  m(0xc0000103, 'IA32_TSC_AUX', [rz(HI32)], 'Vol. 4 Table 2-2; Vol. 3B 17.17.2'),
] as const satisfies readonly ArchMsrSpec[];

export const ARCH_MSR_BY_INDEX: ReadonlyMap<number, ArchMsrSpec> = new Map(ARCH_MSRS.map((x) => [x.index, x]));

/** The x2APIC MSR range 800H-8FFH: refused in the VM-entry MSR-load list (§26.4). */
export const isX2ApicMsr = (index: number): boolean => index >>> 8 === 0x8;

export interface WrmsrContext {
  /** CPUID.80000008H:EAX[15:8] (48 or 57). */
  readonly linearAddressWidth: number;
  /** CPUID.80000008H:EAX[7:0]. */
  readonly maxPhysAddr: number;
  /** Default false. */
  readonly inSmm?: boolean;
  /** Default DEFAULT_DEBUGCTL_VALID_MASK; pass the profile's choices.debugctlValidMask. */
  readonly debugctlValidMask?: bigint;
  /** Default DEFAULT_PERF_GLOBAL_CTRL_VALID_MASK; pass the profile's choices.perfGlobalCtrlValidMask. */
  readonly perfGlobalCtrlValidMask?: bigint;
  /** Default DEFAULT_SPEC_CTRL_VALID_MASK. */
  readonly specCtrlValidMask?: bigint;
  /** The MSR's value before the write (IA32_FEATURE_CONTROL lock, IA32_EFER.LME); unknown = not checked. */
  readonly current?: bigint;
  /** CR0.PG at the time of the write (IA32_EFER.LME); unknown = not checked. */
  readonly pagingEnabled?: boolean;
}

/** LBR, BTF (bits 1:0) and bits 15:6 (TR, BTS, BTINT, BTS_OFF_OS/USR, FREEZE_*, uncore PMI, RTM). */
export const DEFAULT_DEBUGCTL_VALID_MASK = 0xffc3n;
/** Four general-purpose counters (bits 3:0) and three fixed counters (bits 34:32). */
export const DEFAULT_PERF_GLOBAL_CTRL_VALID_MASK = 0x7_0000_000fn;
/** IBRS, STIBP, SSBD. */
export const DEFAULT_SPEC_CTRL_VALID_MASK = 0x7n;

export type WrmsrVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'gp'; readonly rule: MsrValueRule['kind'] }
  /** The table does not describe this MSR. */
  | { readonly kind: 'unknown' };

const U64 = 0xffff_ffff_ffff_ffffn;

export const isCanonical = (value: bigint, linearAddressWidth: number): boolean => {
  const v = BigInt.asUintN(64, value);
  const top = v >> BigInt(linearAddressWidth - 1);
  return top === 0n || top === U64 >> BigInt(linearAddressWidth - 1);
};

const PAT_TYPES = new Set([0n, 1n, 4n, 5n, 6n, 7n]);

const ruleHolds = (rule: MsrValueRule, value: bigint, ctx: WrmsrContext): boolean => {
  switch (rule.kind) {
    case 'reserved-zero': return (value & rule.mask) === 0n;
    case 'valid-mask': {
      const mask = rule.from === 'specCtrlValidMask' ? (ctx.specCtrlValidMask ?? DEFAULT_SPEC_CTRL_VALID_MASK)
        : rule.from === 'debugctlValidMask' ? (ctx.debugctlValidMask ?? DEFAULT_DEBUGCTL_VALID_MASK)
          : (ctx.perfGlobalCtrlValidMask ?? DEFAULT_PERF_GLOBAL_CTRL_VALID_MASK);
      return (value & ~mask & U64) === 0n;
    }
    case 'canonical': return isCanonical(value & ~((1n << BigInt(rule.ignoreLow)) - 1n), ctx.linearAddressWidth);
    case 'physical-address': return value >> BigInt(ctx.maxPhysAddr) === 0n;
    case 'pat-types': {
      for (let i = 0n; i < 64n; i += 8n) if (!PAT_TYPES.has((value >> i) & 0xffn)) return false;
      return true;
    }
    case 'smm-only': return ctx.inSmm === true;
    case 'lockable': return ctx.current === undefined || (ctx.current & 1n) === 0n;
    case 'efer-lme-while-paging':
      return ctx.pagingEnabled !== true || ctx.current === undefined || ((value ^ ctx.current) & 0x100n) === 0n;
  }
};

/** What WRMSR of `value` to `index` at CPL 0 does, naming the first rule that fails. */
export const wrmsrVerdict = (index: number, value: bigint, ctx: WrmsrContext): WrmsrVerdict => {
  const spec = ARCH_MSR_BY_INDEX.get(index);
  if (spec === undefined) return { kind: 'unknown' };
  const v = BigInt.asUintN(64, value);
  for (const rule of spec.rules) if (!ruleHolds(rule, v, ctx)) return { kind: 'gp', rule: rule.kind };
  return { kind: 'ok' };
};

/**
 * Would WRMSR of `value` to `index` at CPL 0 raise #GP(0)? false for MSRs the table does not
 * describe (their validity is model-specific; use wrmsrVerdict to tell the two apart).
 */
export const wrmsrWouldFault = (index: number, value: bigint, ctx: WrmsrContext): boolean =>
  wrmsrVerdict(index, value, ctx).kind === 'gp';
