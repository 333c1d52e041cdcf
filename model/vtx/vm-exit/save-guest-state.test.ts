/** §27.3: what a VM exit writes into the guest-state area. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { MSR, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { vmExit } from './index.js';
import { CAPS, exitControlsWith, exitInfo, field, guest, withCpu, withVmcs } from './test-support.js';

const SAVE_DEBUG = 1 << 2, SAVE_PAT = 1 << 18, SAVE_EFER = 1 << 20, SAVE_TIMER = 1 << 22;
const CPUID = exitInfo(10, { instructionLength: 2 });
const exit = (s: VtxState, info = CPUID) => vmExit(CAPS, s, info, []).state;

const withMsrs = (s: VtxState, entries: readonly [number, bigint][]): VtxState =>
  withCpu(s, { msrs: new Map([...s.cpu.msrs, ...entries]) });

describe('§27.3.1 control registers, debug registers and MSRs', () => {
  it('VMEXIT.SAVE.CR: CR0, CR3 and CR4 as the guest left them', () => {
    const s = exit(withCpu(guest(), { cr0: 0x8005_0033n, cr3: 0x5000n, cr4: 0x2_20a0n }));
    expect([field(s, 'GUEST_CR0'), field(s, 'GUEST_CR3'), field(s, 'GUEST_CR4')]).toEqual([0x8005_0033n, 0x5000n, 0x2_20a0n]);
  });

  it('VMEXIT.SAVE.SYSENTER: IA32_SYSENTER_CS without bits 63:32, ESP and EIP in full', () => {
    const s = exit(withMsrs(guest(), [[MSR.IA32_SYSENTER_CS, 0x1_0000_0010n], [MSR.IA32_SYSENTER_ESP, 0xffff_8000_0000_1000n], [MSR.IA32_SYSENTER_EIP, 0xffff_8000_0000_2000n]]));
    expect([field(s, 'GUEST_SYSENTER_CS'), field(s, 'GUEST_SYSENTER_ESP'), field(s, 'GUEST_SYSENTER_EIP')]).toEqual([0x10n, 0xffff_8000_0000_1000n, 0xffff_8000_0000_2000n]);
  });

  const debug = withMsrs(withCpu(withVmcs(guest(), { GUEST_DR7: 0x400n, GUEST_IA32_DEBUGCTL: 0n }), { dr7: 0x4a5n }), [[MSR.IA32_DEBUGCTL, 0x3n]]);
  it('VMEXIT.SAVE.DR7_DEBUGCTL: saved with "save debug controls" = 1', () => {
    const s = exit(withVmcs(debug, { VM_EXIT_CONTROLS: exitControlsWith(debug, SAVE_DEBUG) }));
    expect([field(s, 'GUEST_DR7'), field(s, 'GUEST_IA32_DEBUGCTL')]).toEqual([0x4a5n, 0x3n]);
  });
  it('VMEXIT.SAVE.DR7_DEBUGCTL: not saved with "save debug controls" = 0', () => {
    const s = exit(withVmcs(debug, { VM_EXIT_CONTROLS: exitControlsWith(debug, 0, SAVE_DEBUG) }));
    expect([field(s, 'GUEST_DR7'), field(s, 'GUEST_IA32_DEBUGCTL')]).toEqual([0x400n, 0n]);
  });

  const pat = withMsrs(withVmcs(guest(), { GUEST_IA32_PAT: 0x0007_0406_0007_0406n }), [[MSR.IA32_PAT, 0x0606_0606_0606_0606n]]);
  it('VMEXIT.SAVE.PAT: saved with "save IA32_PAT" = 1', () => {
    expect(field(exit(withVmcs(pat, { VM_EXIT_CONTROLS: exitControlsWith(pat, SAVE_PAT) })), 'GUEST_IA32_PAT')).toBe(0x0606_0606_0606_0606n);
  });
  it('VMEXIT.SAVE.PAT: not saved with "save IA32_PAT" = 0', () => {
    expect(field(exit(pat), 'GUEST_IA32_PAT')).toBe(0x0007_0406_0007_0406n);
  });

  it('VMEXIT.SAVE.EFER: saved with "save IA32_EFER" = 1, not with 0', () => {
    const s = withCpu(withVmcs(guest(), { GUEST_IA32_EFER: 0x500n }), { efer: 0xd01n });
    expect(field(exit(withVmcs(s, { VM_EXIT_CONTROLS: exitControlsWith(s, SAVE_EFER) })), 'GUEST_IA32_EFER')).toBe(0xd01n);
    expect(field(exit(s), 'GUEST_IA32_EFER')).toBe(0x500n);
  });

  it('VMEXIT.SAVE.BNDCFGS: saved on a processor with "load IA32_BNDCFGS" (vtx-max); left alone on one without (Skylake-X in Bochs)', () => {
    const max = BUILTIN_PROFILES['vtx-max'];
    const m = withMsrs(withVmcs(guest(max), { GUEST_BNDCFGS: 0x7000n }), [[MSR.IA32_BNDCFGS, 0x1_0000_1003n]]);
    expect(field(vmExit(decodeCapabilities(max), m, CPUID, []).state, 'GUEST_BNDCFGS')).toBe(0x1_0000_1003n);
    const s = withMsrs(withVmcs(guest(), { GUEST_BNDCFGS: 0x7000n }), [[MSR.IA32_BNDCFGS, 0x1_0000_1003n]]);
    expect(field(exit(s), 'GUEST_BNDCFGS')).toBe(0x7000n);
  });
});

describe('§27.3.2 segment and descriptor-table registers', () => {
  it('VMEXIT.SAVE.SEGMENTS: a usable register in full, access-rights bits 11:8 and 31:17 as 0', () => {
    const s = exit(withCpu(guest(), { segments: { ...guest().cpu.segments, ds: { selector: 0x2b, base: 0x1234_5678n, limit: 0xfffff, accessRights: 0x0f3 | 0x0f00 } } }));
    expect([field(s, 'GUEST_DS_SELECTOR'), field(s, 'GUEST_DS_BASE'), field(s, 'GUEST_DS_LIMIT'), field(s, 'GUEST_DS_AR_BYTES')])
      .toEqual([0x2bn, 0x1234_5678n, 0xfffffn, 0xf3n]);
  });

  it('VMEXIT.SAVE.SEGMENTS: unusable SS keeps DPL and bit 16 with base bits 63:32 = 0; unusable LDTR saves a canonical base', () => {
    const segs = guest().cpu.segments;
    const s = exit(withCpu(guest(), {
      segments: {
        ...segs,
        ss: { selector: 0, base: 0xabcd_0000_1000n, limit: 0, accessRights: 0x1_0060 },
        ldtr: { selector: 0, base: 0x0001_0000_0000_0000n, limit: 0, accessRights: 0x1_0000 },
      },
    }));
    expect(field(s, 'GUEST_SS_BASE')).toBe(0x1000n);
    expect(field(s, 'GUEST_SS_AR_BYTES')).toBe(0x1_0060n);
    expect(field(s, 'GUEST_LDTR_BASE')).toBe(0n); // bits 63:48 copy bit 47 (linear-address width 48)
    expect(field(s, 'GUEST_LDTR_AR_BYTES')).toBe(0x1_0000n);
  });

  it('VMEXIT.SAVE.DESCRIPTOR_TABLES: GDTR and IDTR bases and limits', () => {
    const s = exit(withCpu(guest(), { gdtr: { base: 0xffff_8000_0000_7000n, limit: 0x57 }, idtr: { base: 0x9000n, limit: 0xff } }));
    expect([field(s, 'GUEST_GDTR_BASE'), field(s, 'GUEST_GDTR_LIMIT'), field(s, 'GUEST_IDTR_BASE'), field(s, 'GUEST_IDTR_LIMIT')])
      .toEqual([0xffff_8000_0000_7000n, 0x57n, 0x9000n, 0xffn]);
  });
});

describe('§27.3.3 RIP, RSP and RFLAGS', () => {
  it('VMEXIT.SAVE.RIP.FAULT: a CPUID exit saves the RIP of CPUID itself, not of the next instruction', () => {
    const s = exit(withCpu(guest(), { rip: 0x40_0010n }));
    expect(field(s, 'GUEST_RIP')).toBe(0x40_0010n);
    expect(field(s, 'VM_EXIT_INSTRUCTION_LEN')).toBe(2n);
  });

  it('VMEXIT.SAVE.RIP.TRAP: a TPR-below-threshold exit after MOV to CR8 (4 bytes at 40_0010H) saves the next RIP', () => {
    const s = exit(withCpu(guest(), { rip: 0x40_0014n }), exitInfo(43));
    expect(field(s, 'GUEST_RIP')).toBe(0x40_0014n);
  });

  it('VMEXIT.SAVE.RSP: RSP in full', () => {
    expect(field(exit(withCpu(guest(), { rsp: 0xffff_8000_0001_7ff8n })), 'GUEST_RSP')).toBe(0xffff_8000_0001_7ff8n);
  });

  const RF = 1n << 16n;
  it('VMEXIT.SAVE.RFLAGS: RF = 0 for an instruction that exits, even if RF was 1', () => {
    expect(field(exit(withCpu(guest(), { rflags: 0x1_0246n })), 'GUEST_RFLAGS')).toBe(0x246n);
  });
  it('VMEXIT.SAVE.RFLAGS: RF = 1 for an EPT violation outside event delivery, as pushed during delivery', () => {
    expect(field(exit(withCpu(guest(), { rflags: 0x246n }), exitInfo(48)), 'GUEST_RFLAGS') & RF).toBe(RF);
    expect(field(exit(withCpu(guest(), { rflags: 0x246n }), exitInfo(48, { idtVectoringInfo: 0x8000_0020 })), 'GUEST_RFLAGS') & RF).toBe(0n);
  });
  it('VMEXIT.SAVE.RFLAGS: other exits (MTF) keep the current RF', () => {
    expect(field(exit(withCpu(guest(), { rflags: 0x1_0002n }), exitInfo(37)), 'GUEST_RFLAGS')).toBe(0x1_0002n);
  });
});

describe('§27.3.4 non-register state', () => {
  it('VMEXIT.SAVE.ACTIVITY: an exit from HLT saves activity state 1', () => {
    expect(field(exit(withCpu(guest(), { activity: 'hlt' }), exitInfo(1)), 'GUEST_ACTIVITY_STATE')).toBe(1n);
    expect(field(exit(guest()), 'GUEST_ACTIVITY_STATE')).toBe(0n);
  });

  it('VMEXIT.SAVE.INTERRUPTIBILITY: STI, MOV SS and NMI blocking in bits 0, 1, 3; SMI blocking saved as 0', () => {
    const s = exit(withCpu(guest(), { blockingBySti: true, blockingByMovSs: false, blockingBySmi: true, blockingByNmi: true }), exitInfo(7));
    expect(field(s, 'GUEST_INTERRUPTIBILITY_INFO')).toBe(0x9n);
    expect(field(exit(withCpu(guest(), { blockingByMovSs: true }), exitInfo(7)), 'GUEST_INTERRUPTIBILITY_INFO')).toBe(0x2n);
  });

  it('VMEXIT.SAVE.PENDING_DEBUG: an INIT exit saves the pending debug exceptions (reserved bits as 0)', () => {
    expect(field(exit(withCpu(guest(), { pendingDebug: 0x8_4001n }), exitInfo(3)), 'GUEST_PENDING_DBG_EXCEPTIONS')).toBe(0x4001n);
  });
  it('VMEXIT.SAVE.PENDING_DEBUG: a CPUID exit saves 0; with MOV-SS blocking it saves them; a #DB exit saves 0', () => {
    const pending = withCpu(guest(), { pendingDebug: 0x4000n });
    expect(field(exit(pending), 'GUEST_PENDING_DBG_EXCEPTIONS')).toBe(0n);
    const movSs = withCpu(pending, { blockingByMovSs: true });
    expect(field(exit(movSs), 'GUEST_PENDING_DBG_EXCEPTIONS')).toBe(0x4000n);
    expect(field(exit(movSs, exitInfo(0, { interruptionInfo: 0x8000_0301 })), 'GUEST_PENDING_DBG_EXCEPTIONS')).toBe(0n);
  });

  const timer = withVmcs(guest(), { VMX_PREEMPTION_TIMER_VALUE: 0x1234n });
  it('VMEXIT.SAVE.PREEMPTION_TIMER: with "save VMX-preemption timer value" = 1 a timer-expiry exit saves 0', () => {
    expect(field(exit(withVmcs(timer, { VM_EXIT_CONTROLS: exitControlsWith(timer, SAVE_TIMER) }), exitInfo(52)), 'VMX_PREEMPTION_TIMER_VALUE')).toBe(0n);
  });
  it('VMEXIT.SAVE.PREEMPTION_TIMER: with the control 0 the field is not written; other exits save the (unchanged) value', () => {
    expect(field(exit(timer, exitInfo(52)), 'VMX_PREEMPTION_TIMER_VALUE')).toBe(0x1234n);
    expect(field(exit(withVmcs(timer, { VM_EXIT_CONTROLS: exitControlsWith(timer, SAVE_TIMER) })), 'VMX_PREEMPTION_TIMER_VALUE')).toBe(0x1234n);
  });

  const pae = withCpu(withVmcs(guest(), { GUEST_PDPTR0: 0x6001n, GUEST_PDPTR3: 0x9001n }), { efer: 0n, csL: false, pdpte: [0x7001n, 0n, 0n, 0xa001n] });
  const PDPTRS = ['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'] as const;
  it('VMEXIT.SAVE.PDPTE: with EPT a guest using PAE paging has its PDPTE registers saved', () => {
    const ept = withVmcs(pae, { CPU_BASED_VM_EXEC_CONTROL: field(pae, 'CPU_BASED_VM_EXEC_CONTROL') | (1n << 31n), SECONDARY_VM_EXEC_CONTROL: 2n });
    expect(PDPTRS.map((f) => field(exit(ept), f))).toEqual([0x7001n, 0n, 0n, 0xa001n]);
  });
  it('VMEXIT.SAVE.PDPTE: without EPT, or outside PAE paging, the PDPTE fields keep their values', () => {
    expect(PDPTRS.map((f) => field(exit(pae), f))).toEqual([0x6001n, 0n, 0n, 0x9001n]);
    const ia32e = withVmcs(withCpu(pae, { efer: 0xd00n | 0x500n, csL: true }), { SECONDARY_VM_EXEC_CONTROL: 2n });
    expect(PDPTRS.map((f) => field(exit(ia32e), f))).toEqual([0x6001n, 0n, 0n, 0x9001n]);
  });
});
