/**
 * Loading host state (SDM §27.5, June 2016): control and debug registers and MSRs (§27.5.1),
 * segment and descriptor-table registers with the fixed attributes of §27.5.2, RIP/RSP/RFLAGS
 * (§27.5.3) and non-register state (§27.5.5). Also used by VM-entry failures (§26.7).
 * PDPTE checks for PAE hosts (§27.5.4) are not performed (the hosts of this CPU use 4-level paging
 * or no PAE).
 */
import type { Capabilities } from '../capabilities.js';
import type { Machine, Segment, VmcsData } from '../machine.js';

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;

/** CR0 bits the host-state load leaves alone: ET, 15:6, 17, 28:19, NW, CD and 63:32. */
const CR0_KEEP = 0x10n | 0xffc0n | 0x2_0000n | 0x1ff8_0000n | 0x6000_0000n | 0xffff_ffff_0000_0000n;

/** Sign-extends bit N-1 into 63:N (N = linear-address width). */
const canonicalise = (caps: Capabilities, v: bigint): bigint => {
  const n = BigInt(caps.linearWidth);
  return bit(v, caps.linearWidth - 1) ? (v | (0xffff_ffff_ffff_ffffn << n)) & 0xffff_ffff_ffff_ffffn : v & ((1n << n) - 1n);
};

/** Data segment after the exit: type 3, S, DPL 0, P, D/B, G; unusable (bit 16) when the selector is 0. */
const dataSegment = (selector: number, base: bigint): Segment =>
  selector === 0
    ? { selector, base, limit: 0, accessRights: 0x1_c093 }
    : { selector, base, limit: 0xffff_ffff, accessRights: 0xc093 };

export const loadHostState = (m: Machine, caps: Capabilities, vmcs: VmcsData): void => {
  const cpu = m.cpu;
  const f = (n: Parameters<VmcsData['get']>[0]): bigint => vmcs.get(n);
  const exit = f('VM_EXIT_CONTROLS');
  const hasz = bit(exit, 9);
  // §27.5.1
  cpu.cr0 = (cpu.cr0 & CR0_KEEP) | (f('HOST_CR0') & ~CR0_KEEP);
  cpu.cr3 = f('HOST_CR3');
  let cr4 = f('HOST_CR4');
  if (hasz) cr4 |= 1n << 5n; else cr4 &= ~(1n << 17n);
  cpu.cr4 = cr4;
  cpu.dr7 = 0x400n;
  cpu.msrs.set(0x1d9, 0n);
  cpu.msrs.set(0x174, f('HOST_IA32_SYSENTER_CS') & 0xffff_ffffn);
  cpu.msrs.set(0x175, canonicalise(caps, f('HOST_IA32_SYSENTER_ESP')));
  cpu.msrs.set(0x176, canonicalise(caps, f('HOST_IA32_SYSENTER_EIP')));
  if (bit(exit, 21)) cpu.efer = f('HOST_IA32_EFER');
  else cpu.efer = hasz ? cpu.efer | 0x500n : cpu.efer & ~0x500n;
  if (bit(exit, 12)) cpu.msrs.set(0x38f, f('HOST_IA32_PERF_GLOBAL_CTRL'));
  if (bit(exit, 19)) cpu.msrs.set(0x277, f('HOST_IA32_PAT'));
  if (bit(exit, 23)) cpu.msrs.set(0xd90, 0n);
  // §27.5.2
  const s = cpu.segments;
  s.cs = { selector: Number(f('HOST_CS_SELECTOR')), base: 0n, limit: 0xffff_ffff, accessRights: hasz ? 0xa09b : 0xc09b };
  const ss = Number(f('HOST_SS_SELECTOR'));
  s.ss = ss === 0 ? { selector: 0, base: 0n, limit: 0, accessRights: 0x1_4000 } : dataSegment(ss, 0n);
  s.ds = dataSegment(Number(f('HOST_DS_SELECTOR')), 0n);
  s.es = dataSegment(Number(f('HOST_ES_SELECTOR')), 0n);
  s.fs = dataSegment(Number(f('HOST_FS_SELECTOR')), canonicalise(caps, f('HOST_FS_BASE')));
  s.gs = dataSegment(Number(f('HOST_GS_SELECTOR')), canonicalise(caps, f('HOST_GS_BASE')));
  s.tr = { selector: Number(f('HOST_TR_SELECTOR')), base: canonicalise(caps, f('HOST_TR_BASE')), limit: 0x67, accessRights: 0x8b };
  s.ldtr = { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 };
  cpu.msrs.set(0xc000_0100, s.fs.base);
  cpu.msrs.set(0xc000_0101, s.gs.base);
  cpu.gdtr = { base: canonicalise(caps, f('HOST_GDTR_BASE')), limit: 0xffff };
  cpu.idtr = { base: canonicalise(caps, f('HOST_IDTR_BASE')), limit: 0xffff };
  // §27.5.3
  cpu.rip = f('HOST_RIP');
  cpu.rsp = f('HOST_RSP');
  cpu.rflags = 2n;
  cpu.cpl = 0;
  cpu.csL = hasz;
  // §27.5.5
  cpu.activity = 'active';
  cpu.blockingBySti = false;
  cpu.blockingByMovSs = false;
  cpu.pendingDebug = 0n;
  m.vmx = 'root';
};
