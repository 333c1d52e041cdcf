/**
 * §27.5 "Loading Host State" (rules VMEXIT.HOST.*): the processor registers after a VM exit (and
 * after a §26.7 VM-entry failure, ENTRYFAIL.HOST_LOAD), from the host-state area, the VM-exit
 * controls and fixed values. Registers §27.5 does not name (general-purpose registers, CR2, CR8,
 * DR0-DR3, DR6, the TSC, pending events) keep their values.
 *
 * Choices where the SDM leaves values undefined: an unusable SS, DS, ES, FS or GS (host selector 0)
 * gets base 0 (FS/GS: the host base field, which is canonical), limit 0 and access rights with only
 * the unusable bit (SS: also D/B = 1, which newer SDMs define); LDTR gets base 0, limit 0.
 */
import { MSR, readField, readMemory64, type CpuRegisters, type SegmentRegister, type VmcsImage } from '../../../spec/vtx/state.js';
import type { VmxAbortIndicator } from '../../../spec/vtx/vm-exit/abort.js';
import type { Capabilities } from '../capabilities.js';
import { pdpteValid } from '../vm-entry/guest-pdptes.js';
import { hiOf, loOf } from '../u64.js';
import { bit, bitN, EXIT_CTL, PIN_VIRTUAL_NMIS, signExtend, type ExitControls } from './vmcs.js';

/** CR0 bits a VM exit never modifies (§27.5.1): ET (4), 15:6, 17, 28:19, NW (29), CD (30), 63:32. */
const CR0_KEEP = 0xffff_ffff_0000_0000n | 0x10n | 0xffc0n | 0x2_0000n | 0x1ff8_0000n | 0x6000_0000n;
const CR4_PAE = 1n << 5n;
const CR4_PCIDE = 1n << 17n;
const EFER_LME = 1n << 8n;
const EFER_LMA = 1n << 10n;

/** Access rights (§24.4.1 layout) of what §27.5.2 loads. */
export const HOST_AR = {
  /** Type 11, S, DPL 0, P, G; L or D/B per "host address-space size". */
  cs: (hasz: boolean): number => 0x809b | (hasz ? 0x2000 : 0x4000),
  /** Type 3, S, DPL 0, P, D/B, G. */
  data: 0xc093,
  /** Type 11 (busy TSS), S = 0, DPL 0, P; D/B = G = 0. */
  tr: 0x8b,
  unusable: 0x1_0000,
  unusableSs: 0x1_4000,
} as const;

const FLAT = 0xffff_ffff;

/** Why the exit happens, as far as host loading cares. */
export interface HostLoadCause {
  /** The exit was caused directly by an NMI (exception or NMI exit, interruption type 2): NMIs become blocked. */
  readonly directNmi: boolean;
}

export type HostLoadResult =
  | {
    readonly kind: 'loaded';
    readonly cpu: CpuRegisters;
    /** A VMX abort the SDM also permits here (a PDPTE check it allows but does not require). */
    readonly mayAbort: VmxAbortIndicator | null;
  }
  /** `also`: other indicators equally permitted when several causes hold (§27.7: loading is in any order). */
  | { readonly kind: 'abort'; readonly indicator: VmxAbortIndicator; readonly also: readonly VmxAbortIndicator[] };

const hostSelector = (image: VmcsImage, name: 'HOST_ES_SELECTOR' | 'HOST_CS_SELECTOR' | 'HOST_SS_SELECTOR' | 'HOST_DS_SELECTOR' | 'HOST_FS_SELECTOR' | 'HOST_GS_SELECTOR' | 'HOST_TR_SELECTOR'): number =>
  Number(readField(image, name) & 0xffffn);

/** VMEXIT.HOST.SEGMENTS.DATA: a data segment register, unusable iff its selector is 0. */
const dataSegment = (selector: number, base: bigint, ss: boolean): SegmentRegister =>
  selector === 0
    ? { selector, base, limit: 0, accessRights: ss ? HOST_AR.unusableSs : HOST_AR.unusable }
    : { selector, base, limit: FLAT, accessRights: HOST_AR.data };

/** The four PDPTEs at host CR3[31:5] (Vol. 3A §4.4.1). */
const hostPdptes = (cr3: bigint, memory: ReadonlyMap<bigint, bigint>): readonly bigint[] =>
  [0n, 1n, 2n, 3n].map((i) => readMemory64(memory, (cr3 & 0xffff_ffe0n) + 8n * i));

/** The PDPTEs at host CR3 pass the MOV-to-CR3 checks of PAE paging (Vol. 3A §4.4.1). */
const hostPdptesValid = (caps: Capabilities, cr3: bigint, memory: ReadonlyMap<bigint, bigint>): boolean =>
  hostPdptes(cr3, memory).every((e) => pdpteValid(loOf(e), hiOf(e), caps.maxPhysAddr));

const paePaging = (cpu: CpuRegisters): boolean => bitN(cpu.cr0, 31) && bitN(cpu.cr4, 5) && !bitN(cpu.efer, 10);

/**
 * VMEXIT.HOST.CR0, VMEXIT.HOST.CR3, VMEXIT.HOST.CR4, VMEXIT.HOST.DR7, VMEXIT.HOST.DEBUGCTL,
 * VMEXIT.HOST.SYSENTER, VMEXIT.HOST.EFER, VMEXIT.HOST.PERF_GLOBAL_CTRL, VMEXIT.HOST.PAT,
 * VMEXIT.HOST.BNDCFGS, VMEXIT.HOST.SEGMENTS.CS, VMEXIT.HOST.SEGMENTS.DATA, VMEXIT.HOST.SEGMENTS.TR,
 * VMEXIT.HOST.SEGMENTS.LDTR, VMEXIT.HOST.DESCRIPTOR_TABLES, VMEXIT.HOST.RIP_RSP, VMEXIT.HOST.RFLAGS,
 * VMEXIT.HOST.PDPTE, VMEXIT.HOST.IA32E, VMEXIT.HOST.ACTIVITY, VMEXIT.HOST.BLOCKING,
 * VMEXIT.HOST.PENDING_DEBUG (§27.5). `before` is the processor as the exit
 * (or failed entry) leaves it; `memory` is read for the host PDPTEs.
 */
export const loadHostState = (
  caps: Capabilities, image: VmcsImage, ctl: ExitControls, before: CpuRegisters, cause: HostLoadCause, memory: ReadonlyMap<bigint, bigint>,
): HostLoadResult => {
  const f = (name: Parameters<typeof readField>[1]): bigint => readField(image, name);
  // Bits 63:N copy bit N-1 on Intel 64; the fields are 32 bits wide on other processors.
  const address = (v: bigint): bigint => (caps.intel64 ? signExtend(v, caps.linearAddressWidth) : v & 0xffff_ffffn);
  const hasz = caps.intel64 && bit(ctl.exit, EXIT_CTL.HOST_ADDRESS_SPACE_SIZE);

  const cr0 = (f('HOST_CR0') & ~CR0_KEEP) | (before.cr0 & CR0_KEEP);
  const paw = BigInt(Math.min(caps.maxPhysAddr, 52));
  const cr3 = f('HOST_CR3') & ((1n << paw) - 1n);
  let cr4 = f('HOST_CR4');
  cr4 = hasz ? cr4 | CR4_PAE : cr4 & ~CR4_PCIDE;

  // VMEXIT.HOST.IA32E and VMEXIT.HOST.PDPTE: the two aborts host loading can end in, in any order.
  const aborts: VmxAbortIndicator[] = [];
  if (bitN(before.efer, 10) && !hasz) aborts.push(6);
  let mayAbort: VmxAbortIndicator | null = null;
  if (!hasz && bitN(cr4, 5) && !hostPdptesValid(caps, cr3, memory)) {
    // Required when PAE paging was off before or CR3 changes; permitted otherwise.
    if (!paePaging(before) || before.cr3 !== cr3) aborts.push(2);
    else mayAbort = 2;
  }
  if (aborts.length > 0) return { kind: 'abort', indicator: aborts[0]!, also: [...aborts.slice(1), ...(mayAbort === null ? [] : [mayAbort])] };

  let efer: bigint;
  if (bit(ctl.exit, EXIT_CTL.LOAD_EFER)) efer = f('HOST_IA32_EFER');
  else efer = hasz ? before.efer | EFER_LMA | EFER_LME : before.efer & ~(EFER_LMA | EFER_LME);

  const fsBase = address(f('HOST_FS_BASE'));
  const gsBase = address(f('HOST_GS_BASE'));
  const msrs = new Map(before.msrs);
  msrs.set(MSR.IA32_SYSENTER_CS, f('HOST_IA32_SYSENTER_CS') & 0xffff_ffffn);
  msrs.set(MSR.IA32_SYSENTER_ESP, address(f('HOST_IA32_SYSENTER_ESP')));
  msrs.set(MSR.IA32_SYSENTER_EIP, address(f('HOST_IA32_SYSENTER_EIP')));
  msrs.set(MSR.IA32_DEBUGCTL, 0n);
  msrs.set(MSR.IA32_FS_BASE, fsBase);
  msrs.set(MSR.IA32_GS_BASE, gsBase);
  if (bit(ctl.exit, EXIT_CTL.LOAD_PERF_GLOBAL_CTRL)) msrs.set(MSR.IA32_PERF_GLOBAL_CTRL, f('HOST_IA32_PERF_GLOBAL_CTRL'));
  if (bit(ctl.exit, EXIT_CTL.LOAD_PAT)) msrs.set(MSR.IA32_PAT, f('HOST_IA32_PAT'));
  if (bit(ctl.exit, EXIT_CTL.CLEAR_BNDCFGS)) msrs.set(MSR.IA32_BNDCFGS, 0n);

  const cpu: CpuRegisters = {
    ...before,
    cr0, cr3, cr4,
    dr7: 0x400n,
    efer,
    rip: f('HOST_RIP'),
    rsp: f('HOST_RSP'),
    rflags: 0x2n,
    cpl: 0,
    csL: hasz,
    msrs,
    segments: {
      cs: { selector: hostSelector(image, 'HOST_CS_SELECTOR'), base: 0n, limit: FLAT, accessRights: HOST_AR.cs(hasz) },
      ss: dataSegment(hostSelector(image, 'HOST_SS_SELECTOR'), 0n, true),
      ds: dataSegment(hostSelector(image, 'HOST_DS_SELECTOR'), 0n, false),
      es: dataSegment(hostSelector(image, 'HOST_ES_SELECTOR'), 0n, false),
      fs: dataSegment(hostSelector(image, 'HOST_FS_SELECTOR'), fsBase, false),
      gs: dataSegment(hostSelector(image, 'HOST_GS_SELECTOR'), gsBase, false),
      tr: { selector: hostSelector(image, 'HOST_TR_SELECTOR'), base: address(f('HOST_TR_BASE')), limit: 0x67, accessRights: HOST_AR.tr },
      ldtr: { selector: 0, base: 0n, limit: 0, accessRights: HOST_AR.unusable },
    },
    gdtr: { base: address(f('HOST_GDTR_BASE')), limit: 0xffff },
    idtr: { base: address(f('HOST_IDTR_BASE')), limit: 0xffff },
    activity: 'active',
    blockingBySti: false,
    blockingByMovSs: false,
    // With "virtual NMIs" = 1 the guest's flag was virtual-NMI blocking, and NMIs themselves were unblocked (§26.6.1).
    blockingByNmi: cause.directNmi || (!bit(ctl.pin, PIN_VIRTUAL_NMIS) && before.blockingByNmi),
    pendingDebug: 0n,
    // VMEXIT.HOST.PDPTE: an exit to a PAE host that does not abort loads the PDPTEs as MOV to CR3 would.
    pdpte: !hasz && bitN(cr4, 5) ? hostPdptes(cr3, memory) : before.pdpte,
  };
  return { kind: 'loaded', cpu, mayAbort };
};
