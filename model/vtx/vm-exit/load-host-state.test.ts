/** §27.5: the processor state after a VM exit, from the host-state area, the exit controls and fixed values. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { MSR, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { vmExit } from './index.js';
import { abortIndicator, CAPS, exitControlsWith, exitInfo, guest, withCpu, withMemory, withVmcs } from './test-support.js';

const HASZ = 1 << 9, LOAD_PERF = 1 << 12, LOAD_PAT = 1 << 19, LOAD_EFER = 1 << 21, CLEAR_BNDCFGS = 1 << 23;
const CPUID = exitInfo(10, { instructionLength: 2 });
const run = (s: VtxState, info = CPUID) => vmExit(CAPS, s, info, []);
const host = (s: VtxState, info = CPUID) => run(s, info).state.cpu;
const withExitControls = (s: VtxState, set: number, clear = 0) => withVmcs(s, { VM_EXIT_CONTROLS: exitControlsWith(s, set, clear) });
const withMsrs = (s: VtxState, entries: readonly [number, bigint][]) => withCpu(s, { msrs: new Map([...s.cpu.msrs, ...entries]) });
/** A 32-bit host (HASZ = 0, CR4.PAE = 0) exited to from a guest outside IA-32e mode. */
const legacyHost = (s: VtxState = guest()) => withCpu(withVmcs(withExitControls(s, 0, HASZ), { HOST_CR4: 0x2000n, HOST_RIP: 0x10_0000n }), { efer: 0n });

describe('§27.5.1 control registers, debug registers, MSRs', () => {
  it('VMEXIT.HOST.CR0: from the host field, except CD, NW, ET and the reserved bits, which keep the guest\'s values', () => {
    // Guest: CD, NW, ET and bit 8 set. Host field: PG, AM, WP, NE, ET, TS, MP, PE.
    const cpu = host(withVmcs(withCpu(guest(), { cr0: 0xe000_0131n }), { HOST_CR0: 0x8005_003bn }));
    // From the field: PG, AM, WP, NE, TS, MP, PE (8005002BH); kept: CD, NW, bit 8, ET (60000110H).
    expect(cpu.cr0).toBe(0xe005_013bn);
  });
  it('VMEXIT.HOST.CR0: a guest CR0 without the bits VM exits keep takes the host field whole', () => {
    expect(host(withVmcs(guest(), { HOST_CR0: 0x8005_0033n })).cr0).toBe(0x8005_0033n);
  });

  it('VMEXIT.HOST.CR3: from the host field', () => {
    expect(host(withVmcs(guest(), { HOST_CR3: 0x7_6000n })).cr3).toBe(0x7_6000n);
  });

  it('VMEXIT.HOST.CR4: from the host field; PCIDE cleared when "host address-space size" = 0', () => {
    expect(host(withVmcs(guest(), { HOST_CR4: 0x2_26a0n })).cr4).toBe(0x2_26a0n);
    expect(host(withVmcs(legacyHost(), { HOST_CR4: 0x2_2000n })).cr4).toBe(0x2000n);
  });
  it('VMEXIT.HOST.CR4: PAE set when "host address-space size" = 1', () => {
    expect(host(withVmcs(guest(), { HOST_CR4: 0x2000n })).cr4).toBe(0x2020n);
  });

  it('VMEXIT.HOST.DR7: 400H whatever the guest had', () => {
    expect(host(withCpu(guest(), { dr7: 0x4a5n })).dr7).toBe(0x400n);
  });

  it('VMEXIT.HOST.DEBUGCTL: cleared to 0', () => {
    expect(host(withMsrs(guest(), [[MSR.IA32_DEBUGCTL, 3n]])).msrs.get(MSR.IA32_DEBUGCTL)).toBe(0n);
  });

  it('VMEXIT.HOST.SYSENTER: CS from its 32-bit field; ESP and EIP with bits 63:48 copied from bit 47', () => {
    const cpu = host(withVmcs(guest(), { HOST_IA32_SYSENTER_CS: 0x10n, HOST_IA32_SYSENTER_ESP: 0x8000_0000_1000n, HOST_IA32_SYSENTER_EIP: 0x7fff_0000_2000n }));
    expect([cpu.msrs.get(MSR.IA32_SYSENTER_CS), cpu.msrs.get(MSR.IA32_SYSENTER_ESP), cpu.msrs.get(MSR.IA32_SYSENTER_EIP)])
      .toEqual([0x10n, 0xffff_8000_0000_1000n, 0x7fff_0000_2000n]);
  });

  it('VMEXIT.HOST.EFER: with "load IA32_EFER" = 1, the host field', () => {
    expect(host(withVmcs(withExitControls(guest(), LOAD_EFER), { HOST_IA32_EFER: 0x501n })).efer).toBe(0x501n);
  });
  it('VMEXIT.HOST.EFER: with "load IA32_EFER" = 0, LMA = LME = "host address-space size", other bits kept', () => {
    expect(host(withCpu(guest(), { efer: 0x801n })).efer).toBe(0xd01n);
    expect(host(withCpu(legacyHost(), { efer: 0x801n })).efer).toBe(0x801n);
  });

  const perf = withMsrs(withVmcs(guest(), { HOST_IA32_PERF_GLOBAL_CTRL: 0x3n }), [[MSR.IA32_PERF_GLOBAL_CTRL, 0xfn]]);
  it('VMEXIT.HOST.PERF_GLOBAL_CTRL: loaded with its exit control, unchanged without', () => {
    expect(host(withExitControls(perf, LOAD_PERF)).msrs.get(MSR.IA32_PERF_GLOBAL_CTRL)).toBe(0x3n);
    expect(host(perf).msrs.get(MSR.IA32_PERF_GLOBAL_CTRL)).toBe(0xfn);
  });

  const pat = withMsrs(withVmcs(guest(), { HOST_IA32_PAT: 0x0007_0406_0007_0406n }), [[MSR.IA32_PAT, 0x0606_0606_0606_0606n]]);
  it('VMEXIT.HOST.PAT: loaded with "load IA32_PAT" = 1, unchanged with 0', () => {
    expect(host(withExitControls(pat, LOAD_PAT)).msrs.get(MSR.IA32_PAT)).toBe(0x0007_0406_0007_0406n);
    expect(host(pat).msrs.get(MSR.IA32_PAT)).toBe(0x0606_0606_0606_0606n);
  });

  it('VMEXIT.HOST.BNDCFGS: cleared with "clear IA32_BNDCFGS" = 1, unchanged with 0', () => {
    const max = BUILTIN_PROFILES['vtx-max'];
    const caps = decodeCapabilities(max);
    const g = withMsrs(guest(max), [[MSR.IA32_BNDCFGS, 0x1003n]]);
    expect(vmExit(caps, withExitControls(g, CLEAR_BNDCFGS), CPUID, []).state.cpu.msrs.get(MSR.IA32_BNDCFGS)).toBe(0n);
    expect(vmExit(caps, g, CPUID, []).state.cpu.msrs.get(MSR.IA32_BNDCFGS)).toBe(0x1003n);
  });
});

describe('§27.5.2 segment and descriptor-table registers', () => {
  it('VMEXIT.HOST.SEGMENTS.CS: 64-bit host: base 0, limit FFFFFFFFH, type 11, S, DPL 0, P, L = 1, D/B = 0, G; CPL 0', () => {
    const cpu = host(withCpu(guest(), { cpl: 3 }));
    expect(cpu.segments.cs).toEqual({ selector: 0x08, base: 0n, limit: 0xffff_ffff, accessRights: 0xa09b });
    expect([cpu.cpl, cpu.csL]).toEqual([0, true]);
  });
  it('VMEXIT.HOST.SEGMENTS.CS: 32-bit host: L = 0, D/B = 1', () => {
    const cpu = host(legacyHost());
    expect(cpu.segments.cs.accessRights).toBe(0xc09b);
    expect(cpu.csL).toBe(false);
  });

  it('VMEXIT.HOST.SEGMENTS.DATA: a non-null selector gives a flat type-3 data segment; FS/GS bases from the fields, also as MSRs', () => {
    const cpu = host(withVmcs(guest(), { HOST_DS_SELECTOR: 0x20n, HOST_FS_BASE: 0x8000_0000_3000n, HOST_GS_BASE: 0x7fff_0000_4000n }));
    expect(cpu.segments.ds).toEqual({ selector: 0x20, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 });
    expect(cpu.segments.fs).toEqual({ selector: 0x10, base: 0xffff_8000_0000_3000n, limit: 0xffff_ffff, accessRights: 0xc093 });
    expect([cpu.msrs.get(MSR.IA32_FS_BASE), cpu.msrs.get(MSR.IA32_GS_BASE)]).toEqual([0xffff_8000_0000_3000n, 0x7fff_0000_4000n]);
  });
  it('VMEXIT.HOST.SEGMENTS.DATA: a null selector makes the register unusable; SS keeps DPL 0; an unusable FS keeps its base', () => {
    const cpu = host(withVmcs(guest(), { HOST_SS_SELECTOR: 0n, HOST_ES_SELECTOR: 0n, HOST_FS_SELECTOR: 0n, HOST_FS_BASE: 0x5000n }));
    for (const s of [cpu.segments.ss, cpu.segments.es, cpu.segments.fs]) expect((s.accessRights >>> 16) & 1).toBe(1);
    expect((cpu.segments.ss.accessRights >>> 5) & 3).toBe(0);
    expect(cpu.segments.fs.base).toBe(0x5000n);
    expect((cpu.segments.ds.accessRights >>> 16) & 1).toBe(0);
  });

  it('VMEXIT.HOST.SEGMENTS.TR: selector and base from the host fields, limit 67H, busy TSS type 11, S = 0, P = 1', () => {
    expect(host(withVmcs(guest(), { HOST_TR_SELECTOR: 0x40n, HOST_TR_BASE: 0xffff_8000_0000_a000n })).segments.tr)
      .toEqual({ selector: 0x40, base: 0xffff_8000_0000_a000n, limit: 0x67, accessRights: 0x8b });
  });

  it('VMEXIT.HOST.SEGMENTS.LDTR: selector 0 and unusable, even when the guest had an LDT', () => {
    const g = withCpu(guest(), { segments: { ...guest().cpu.segments, ldtr: { selector: 0x28, base: 0x8000n, limit: 0xff, accessRights: 0x82 } } });
    const ldtr = host(g).segments.ldtr;
    expect(ldtr.selector).toBe(0);
    expect((ldtr.accessRights >>> 16) & 1).toBe(1);
  });

  it('VMEXIT.HOST.DESCRIPTOR_TABLES: bases from the host fields (bits 63:48 from bit 47), limits FFFFH', () => {
    const cpu = host(withVmcs(guest(), { HOST_GDTR_BASE: 0x8000_0000_7000n, HOST_IDTR_BASE: 0x9000n }));
    expect(cpu.gdtr).toEqual({ base: 0xffff_8000_0000_7000n, limit: 0xffff });
    expect(cpu.idtr).toEqual({ base: 0x9000n, limit: 0xffff });
  });
});

describe('§27.5.3 RIP, RSP, RFLAGS', () => {
  it('VMEXIT.HOST.RIP_RSP: from the host fields', () => {
    const cpu = host(withVmcs(guest(), { HOST_RIP: 0xffff_ffff_8100_1234n, HOST_RSP: 0xffff_8000_0000_7ff0n }));
    expect([cpu.rip, cpu.rsp]).toEqual([0xffff_ffff_8100_1234n, 0xffff_8000_0000_7ff0n]);
  });
  it('VMEXIT.HOST.RFLAGS: 2, whatever the guest had', () => {
    expect(host(withCpu(guest(), { rflags: 0x25_7fd7n })).rflags).toBe(2n);
  });
});

describe('§27.5.4 host PDPTEs and the IA-32e check of §27.5', () => {
  const PAE_TABLE = 0x3_1000n;
  const paeHost = (pdpte0: bigint) => withMemory(withVmcs(legacyHost(), { HOST_CR4: 0x2020n, HOST_CR3: PAE_TABLE }), [[PAE_TABLE, pdpte0]]);
  it('VMEXIT.HOST.PDPTE: a PAE host whose PDPTE sets a reserved bit (present, bit 1) is VMX abort 2', () => {
    const r = run(paeHost(0x5003n));
    expect(r.observation).toEqual({ kind: 'vmx-abort', indicator: 2 });
    expect(abortIndicator(r.state)).toBe(2n);
  });
  it('VMEXIT.HOST.PDPTE: valid PDPTEs are loaded without an abort', () => {
    expect(run(paeHost(0x5001n)).observation.kind).toBe('vm-exit');
  });
  it('VMEXIT.HOST.PDPTE: with PAE paging and CR3 unchanged the check is permitted, not required: both results allowed', () => {
    const g = withCpu(paeHost(0x5003n), { cr0: 0x8000_0031n, cr4: 0x2020n, cr3: PAE_TABLE, efer: 0n });
    const r = run(g);
    expect(r.observation.kind).toBe('vm-exit');
    expect(r.alternatives?.map((a) => a.observation)).toEqual([{ kind: 'vmx-abort', indicator: 2 }]);
  });

  it('VMEXIT.HOST.IA32E: a guest in IA-32e mode exiting to a 32-bit host is VMX abort 6', () => {
    const r = run(withCpu(legacyHost(), { efer: 0x500n }));
    expect(r.observation).toEqual({ kind: 'vmx-abort', indicator: 6 });
    expect(r.decisions.map((d) => d.rule)).toContain('VMEXIT.HOST.IA32E');
  });
  it('VMEXIT.HOST.IA32E: a guest outside IA-32e mode exits to the 32-bit host', () => {
    expect(run(legacyHost()).observation.kind).toBe('vm-exit');
  });
});

describe('§27.5.5 non-register state', () => {
  it('VMEXIT.HOST.ACTIVITY: active after an exit from HLT', () => {
    expect(host(withCpu(guest(), { activity: 'hlt' }), exitInfo(1)).activity).toBe('active');
  });

  it('VMEXIT.HOST.BLOCKING: no STI or MOV-SS blocking after the exit', () => {
    const cpu = host(withCpu(guest(), { blockingBySti: true, blockingByMovSs: true }), exitInfo(7));
    expect([cpu.blockingBySti, cpu.blockingByMovSs]).toEqual([false, false]);
  });
  it('VMEXIT.HOST.BLOCKING: an exit caused directly by an NMI blocks NMIs; other exits leave NMI blocking alone', () => {
    expect(host(guest(), exitInfo(0, { interruptionInfo: 0x8000_0202 })).blockingByNmi).toBe(true);
    expect(host(guest(), CPUID).blockingByNmi).toBe(false);
    expect(host(withCpu(guest(), { blockingByNmi: true }), CPUID).blockingByNmi).toBe(true);
  });
  it('VMEXIT.HOST.BLOCKING: with "virtual NMIs" = 1 the guest\'s virtual-NMI blocking does not become NMI blocking', () => {
    const g = withCpu(withVmcs(guest(), { PIN_BASED_VM_EXEC_CONTROL: 0x16n | (1n << 3n) | (1n << 5n) }), { blockingByNmi: true });
    expect(host(g, CPUID).blockingByNmi).toBe(false);
  });

  it('VMEXIT.HOST.PENDING_DEBUG: no pending debug exceptions after the exit', () => {
    expect(host(withCpu(guest(), { pendingDebug: 0x4000n }), exitInfo(3)).pendingDebug).toBe(0n);
  });

  it('VMEXIT.HOST.PENDING_DEBUG: registers §27.5 does not name keep their values (GPRs, CR2, CR8, DR0-DR3, DR6, TSC, pending events)', () => {
    const g = withCpu(guest(), {
      gpr: Array.from({ length: 16 }, (_, i) => BigInt(i * 3)), cr2: 0x1234n, cr8: 5n, dr: [1n, 2n, 3n, 4n], dr6: 0xffff_4ff0n, tsc: 99n,
      pending: { extint: 0x30, nmi: true, init: false, sipi: null },
    });
    const cpu = host(g);
    expect({ gpr: cpu.gpr, cr2: cpu.cr2, cr8: cpu.cr8, dr: cpu.dr, dr6: cpu.dr6, tsc: cpu.tsc, pending: cpu.pending })
      .toEqual({ gpr: g.cpu.gpr, cr2: 0x1234n, cr8: 5n, dr: [1n, 2n, 3n, 4n], dr6: 0xffff_4ff0n, tsc: 99n, pending: g.cpu.pending });
  });
});
