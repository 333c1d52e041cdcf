/**
 * Loading host state (SDM §27.5, June 2016): control and debug registers and MSRs (§27.5.1),
 * segment and descriptor-table registers with the fixed attributes of §27.5.2, RIP/RSP/RFLAGS
 * (§27.5.3), the PDPTE check of a PAE host (§27.5.4) and non-register state (§27.5.5). Also used by
 * VM-entry failures (§26.7; ENTRYFAIL.HOST_LOAD).
 * Concrete choice (§27.5.4 allows it): a PAE host's PDPTEs are checked on every exit to it, not only
 * when PAE paging was not in use before or CR3 changes; the PDPTE registers are then loaded from them.
 */
import type { Capabilities } from '../capabilities.js';
import type { Machine, Segment, VmcsData } from '../machine.js';
import { pdpteValid } from '../vm-entry/guest-pdpte.js';

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

/** CR0 bits the host-state load leaves alone: ET, 15:6, 17, 28:19, NW, CD and 63:32. */
const CR0_KEEP = 0x10n | 0xffc0n | 0x2_0000n | 0x1ff8_0000n | 0x6000_0000n | 0xffff_ffff_0000_0000n;

/** Sign-extends bit N-1 into 63:N (N = linear-address width). */
const canonicalise = (caps: Capabilities, v: bigint): bigint => {
  const n = BigInt(caps.linearWidth);
  return bit(v, caps.linearWidth - 1) ? (v | (0xffff_ffff_ffff_ffffn << n)) & 0xffff_ffff_ffff_ffffn : v & ((1n << n) - 1n);
};

/**
 * Data segment after the exit: type 3, S, DPL 0, P, D/B, G; unusable (bit 16) when the selector is 0,
 * the base kept (FS/GS: the host base) (VMEXIT.HOST.SEGMENTS.DATA).
 */
const dataSegment = (selector: number, base: bigint): Segment =>
  selector === 0
    ? { selector, base, limit: 0, accessRights: 0x1_c093 }
    : { selector, base, limit: 0xffff_ffff, accessRights: 0xc093 };

/**
 * Loads the host state into `m` and returns false when the PDPTE check of a PAE host failed (VMX
 * abort 2 for the caller, §27.7).
 */
export const loadHostState = (m: Machine, caps: Capabilities, vmcs: VmcsData): boolean => {
  const cpu = m.cpu;
  const f = (n: Parameters<VmcsData['get']>[0]): bigint => vmcs.get(n);
  const exit = f('VM_EXIT_CONTROLS');
  const hasz = bit(exit, 9);
  // §27.5.1. CR0 from the host field except the bits CR0_KEEP names (VMEXIT.HOST.CR0); CR3 from its
  // field, whose bits beyond the physical-address width VM entry checked (VMEXIT.HOST.CR3); CR4 from its
  // field with PAE := 1 or PCIDE := 0 per "host address-space size" (VMEXIT.HOST.CR4).
  cpu.cr0 = (cpu.cr0 & CR0_KEEP) | (f('HOST_CR0') & ~CR0_KEEP);
  cpu.cr3 = f('HOST_CR3');
  let cr4 = f('HOST_CR4');
  if (hasz) cr4 |= 1n << 5n; else cr4 &= ~(1n << 17n);
  cpu.cr4 = cr4;
  cpu.dr7 = 0x400n; // VMEXIT.HOST.DR7
  cpu.msrs.set(0x1d9, 0n); // IA32_DEBUGCTL (VMEXIT.HOST.DEBUGCTL)
  // VMEXIT.HOST.SYSENTER: CS bits 31:0; ESP and EIP with bits 63:N from bit N-1.
  cpu.msrs.set(0x174, f('HOST_IA32_SYSENTER_CS') & 0xffff_ffffn);
  cpu.msrs.set(0x175, canonicalise(caps, f('HOST_IA32_SYSENTER_ESP')));
  cpu.msrs.set(0x176, canonicalise(caps, f('HOST_IA32_SYSENTER_EIP')));
  // VMEXIT.HOST.EFER: "load IA32_EFER", else LMA = LME = "host address-space size".
  if (bit(exit, 21)) cpu.efer = f('HOST_IA32_EFER');
  else cpu.efer = hasz ? cpu.efer | 0x500n : cpu.efer & ~0x500n;
  if (bit(exit, 12)) cpu.msrs.set(0x38f, f('HOST_IA32_PERF_GLOBAL_CTRL')); // VMEXIT.HOST.PERF_GLOBAL_CTRL
  if (bit(exit, 19)) cpu.msrs.set(0x277, f('HOST_IA32_PAT')); // VMEXIT.HOST.PAT
  if (bit(exit, 23)) cpu.msrs.set(0xd90, 0n); // "clear IA32_BNDCFGS" (VMEXIT.HOST.BNDCFGS)
  // §27.5.2. CS: flat, type 11, L = "host address-space size", D/B its inverse, G; CPL 0 below
  // (VMEXIT.HOST.SEGMENTS.CS).
  const s = cpu.segments;
  s.cs = { selector: Number(f('HOST_CS_SELECTOR')), base: 0n, limit: 0xffff_ffff, accessRights: hasz ? 0xa09b : 0xc09b };
  // SS, DS, ES, FS, GS (VMEXIT.HOST.SEGMENTS.DATA): an unusable SS keeps DPL 0; the FS/GS bases are
  // loaded even when unusable.
  const ss = Number(f('HOST_SS_SELECTOR'));
  s.ss = ss === 0 ? { selector: 0, base: 0n, limit: 0, accessRights: 0x1_4000 } : dataSegment(ss, 0n);
  s.ds = dataSegment(Number(f('HOST_DS_SELECTOR')), 0n);
  s.es = dataSegment(Number(f('HOST_ES_SELECTOR')), 0n);
  s.fs = dataSegment(Number(f('HOST_FS_SELECTOR')), canonicalise(caps, f('HOST_FS_BASE')));
  s.gs = dataSegment(Number(f('HOST_GS_SELECTOR')), canonicalise(caps, f('HOST_GS_BASE')));
  // TR: busy TSS, limit 67H, never unusable (VMEXIT.HOST.SEGMENTS.TR); LDTR: selector 0, unusable, base 0
  // (VMEXIT.HOST.SEGMENTS.LDTR).
  s.tr = { selector: Number(f('HOST_TR_SELECTOR')), base: canonicalise(caps, f('HOST_TR_BASE')), limit: 0x67, accessRights: 0x8b };
  s.ldtr = { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 };
  // The FS/GS bases are also the FS.base/GS.base MSRs (VMEXIT.HOST.SEGMENTS.DATA).
  cpu.msrs.set(0xc000_0100, s.fs.base);
  cpu.msrs.set(0xc000_0101, s.gs.base);
  // GDTR/IDTR bases from the host fields, limits FFFFH (VMEXIT.HOST.DESCRIPTOR_TABLES).
  cpu.gdtr = { base: canonicalise(caps, f('HOST_GDTR_BASE')), limit: 0xffff };
  cpu.idtr = { base: canonicalise(caps, f('HOST_IDTR_BASE')), limit: 0xffff };
  // §27.5.3 (VMEXIT.HOST.RIP_RSP, VMEXIT.HOST.RFLAGS)
  cpu.rip = f('HOST_RIP');
  cpu.rsp = f('HOST_RSP');
  cpu.rflags = 2n;
  cpu.cpl = 0;
  cpu.csL = hasz;
  // §27.5.5: active (VMEXIT.HOST.ACTIVITY), no STI/MOV-SS blocking (VMEXIT.HOST.BLOCKING; NMI blocking is
  // the caller's), no pending debug exceptions (VMEXIT.HOST.PENDING_DEBUG); VMX root operation
  // (VMEXIT.STATE.ROOT).
  cpu.activity = 'active';
  cpu.blockingBySti = false;
  cpu.blockingByMovSs = false;
  cpu.pendingDebug = 0n;
  m.vmx = 'root';
  // §27.5.4 (VMEXIT.HOST.PDPTE): an exit to PAE paging (CR4.PAE = 1, "host address-space size" = 0)
  // checks the four PDPTEs at CR3[31:5] as MOV to CR3 would: a present one with a reserved bit fails.
  // Without an abort they are loaded "as would MOV to CR3".
  if (!hasz && bit(cpu.cr4, 5) && bit(cpu.cr0, 31)) {
    const entries = [0n, 1n, 2n, 3n].map((i) => m.read64((cpu.cr3 & 0xffff_ffe0n) + 8n * i));
    if (!entries.every((e) => pdpteValid(caps, e))) return false;
    cpu.pdpte = entries;
  }
  return true;
};
