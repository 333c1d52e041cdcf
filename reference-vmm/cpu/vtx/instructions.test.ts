/** The instruction state machine of the reference CPU: VMXON … VMWRITE, launch-state errors 4 / 5. */
import { describe, expect, it } from 'vitest';
import { NO_CURRENT_VMCS } from '../../../spec/vtx/state.js';
import { FIELD_BY_NAME } from '../../../spec/vtx/vmcs/encoding.js';
import {
  cpuFor, fieldOf, outsideState, OTHER_REGION, PENRYN, rootState, SKYLAKE, VMCS_REGION, VMXON_REGION, withCpu, withMemory,
} from './test-support.js';

const enc = (name: string): bigint => BigInt(FIELD_BY_NAME.get(name)!.encoding);
const REVISION = SKYLAKE.msrs.IA32_VMX_BASIC & 0x7fff_ffffn;

describe('shared prologue', () => {
  const ops = [
    { op: 'VMXOFF' }, { op: 'VMCLEAR', operand: OTHER_REGION }, { op: 'VMPTRLD', operand: OTHER_REGION },
    { op: 'VMPTRST' }, { op: 'VMREAD', encoding: enc('GUEST_RIP') }, { op: 'VMWRITE', encoding: enc('GUEST_RIP'), value: 1n },
    { op: 'VMLAUNCH' }, { op: 'VMRESUME' },
  ] as const;
  const reasons = { VMXOFF: 26, VMCLEAR: 19, VMPTRLD: 21, VMPTRST: 22, VMREAD: 23, VMWRITE: 25, VMLAUNCH: 20, VMRESUME: 24 };

  for (const instr of ops) {
    it(`${instr.op}: #UD outside VMX operation`, () => {
      expect(cpuFor(outsideState()).execute(instr).observation).toEqual({ kind: 'fault', vector: '#UD' });
    });
    it(`${instr.op}: #UD with CR0.PE = 0, RFLAGS.VM = 1, or in compatibility mode`, () => {
      const s = rootState();
      expect(cpuFor(withCpu(s, { cr0: s.cpu.cr0 & ~1n })).execute(instr).observation).toEqual({ kind: 'fault', vector: '#UD' });
      expect(cpuFor(withCpu(s, { rflags: s.cpu.rflags | (1n << 17n) })).execute(instr).observation).toEqual({ kind: 'fault', vector: '#UD' });
      expect(cpuFor(withCpu(s, { csL: false })).execute(instr).observation).toEqual({ kind: 'fault', vector: '#UD' });
    });
    it(`${instr.op}: VM exit ${reasons[instr.op]} in VMX non-root operation, even at CPL 3`, () => {
      const s = withCpu({ ...rootState(), vmx: 'non-root' }, { cpl: 3 });
      const cpu = cpuFor(s);
      expect(cpu.execute(instr).observation).toEqual({ kind: 'vm-exit', reason: reasons[instr.op], qualification: 0n });
      const after = cpu.snapshot();
      expect(after.vmx).toBe('root');
      expect(fieldOf(after, VMCS_REGION, 'VM_EXIT_REASON')).toBe(BigInt(reasons[instr.op]));
    });
    it(`${instr.op}: #GP(0) at CPL > 0 in VMX root operation`, () => {
      expect(cpuFor(withCpu(rootState(), { cpl: 3 })).execute(instr).observation).toEqual({ kind: 'fault', vector: '#GP(0)' });
    });
  }
});

describe('VMXON', () => {
  const vmxon = { op: 'VMXON', operand: VMXON_REGION } as const;
  const gp = { kind: 'fault', vector: '#GP(0)' };

  it('succeeds outside VMX operation and enters VMX root with no current VMCS', () => {
    const cpu = cpuFor(outsideState());
    expect(cpu.execute(vmxon).observation).toEqual({ kind: 'VMsucceed' });
    const s = cpu.snapshot();
    expect(s.vmx).toBe('root');
    expect(s.vmxonPointer).toBe(VMXON_REGION);
    expect(s.currentVmcs).toBeNull();
    expect(cpu.execute({ op: 'VMPTRST' }).observation).toEqual({ kind: 'VMsucceed', value: NO_CURRENT_VMCS });
  });
  it('#UD when CR4.VMXE = 0 (checked before being outside VMX operation matters)', () => {
    const s = outsideState();
    expect(cpuFor(withCpu(s, { cr4: s.cpu.cr4 & ~(1n << 13n) })).execute(vmxon).observation).toEqual({ kind: 'fault', vector: '#UD' });
  });
  it('#UD in real, virtual-8086 and compatibility mode', () => {
    const s = outsideState();
    for (const cpu of [{ cr0: s.cpu.cr0 & ~1n }, { rflags: s.cpu.rflags | (1n << 17n) }, { csL: false }]) {
      expect(cpuFor(withCpu(s, cpu)).execute(vmxon).observation).toEqual({ kind: 'fault', vector: '#UD' });
    }
  });
  it('#GP(0) at CPL > 0, in A20M mode, with CR0 or CR4 outside the fixed bits', () => {
    const s = outsideState();
    expect(cpuFor(withCpu(s, { cpl: 1 })).execute(vmxon).observation).toEqual(gp);
    expect(cpuFor(withCpu(s, { a20m: true })).execute(vmxon).observation).toEqual(gp);
    expect(cpuFor(withCpu(s, { cr0: s.cpu.cr0 & ~(1n << 5n) })).execute(vmxon).observation).toEqual(gp); // NE fixed 1
    expect(cpuFor(withCpu(s, { cr4: s.cpu.cr4 | (1n << 30n) })).execute(vmxon).observation).toEqual(gp); // not in FIXED1
  });
  it('#GP(0) when IA32_FEATURE_CONTROL is unlocked, absent, or does not enable VMXON in the current mode', () => {
    const s = outsideState();
    const fc = (v: bigint | null) => withCpu(s, { msrs: v === null ? new Map() : new Map([[0x3a, v]]) });
    expect(cpuFor(fc(null)).execute(vmxon).observation).toEqual(gp);
    expect(cpuFor(fc(0x4n)).execute(vmxon).observation).toEqual(gp); // enabled but not locked
    expect(cpuFor(fc(0x3n)).execute(vmxon).observation).toEqual(gp); // only inside SMX
    expect(cpuFor(withCpu(fc(0x5n), { inSmx: true })).execute(vmxon).observation).toEqual(gp); // only outside SMX
    expect(cpuFor(withCpu(fc(0x3n), { inSmx: true })).execute(vmxon).observation).toEqual({ kind: 'VMsucceed' });
  });
  it('VMfailInvalid for an unaligned pointer, one beyond the physical-address width, or a bad revision', () => {
    const s = outsideState();
    expect(cpuFor(s).execute({ op: 'VMXON', operand: VMXON_REGION + 8n }).observation).toEqual({ kind: 'VMfailInvalid' });
    expect(cpuFor(s).execute({ op: 'VMXON', operand: 1n << BigInt(SKYLAKE.maxPhysAddr) }).observation).toEqual({ kind: 'VMfailInvalid' });
    expect(cpuFor(withMemory(s, [[VMXON_REGION, REVISION + 1n]])).execute(vmxon).observation).toEqual({ kind: 'VMfailInvalid' });
    expect(cpuFor(withMemory(s, [[VMXON_REGION, REVISION | 0x8000_0000n]])).execute(vmxon).observation).toEqual({ kind: 'VMfailInvalid' });
    expect(cpuFor(s).execute(vmxon).observation).toEqual({ kind: 'VMsucceed' });
  });
  it('in VMX root: VMfailValid(15) with a current VMCS, VMfailInvalid without', () => {
    const cpu = cpuFor(rootState());
    expect(cpu.execute(vmxon).observation).toEqual({ kind: 'VMfailValid', error: 15 });
    expect(fieldOf(cpu.snapshot(), VMCS_REGION, 'VM_INSTRUCTION_ERROR')).toBe(15n);
    expect(cpuFor({ ...rootState(), currentVmcs: null }).execute(vmxon).observation).toEqual({ kind: 'VMfailInvalid' });
  });
  it('in VMX root at CPL > 0: #GP(0); in non-root: VM exit 27', () => {
    expect(cpuFor(withCpu(rootState(), { cpl: 3 })).execute(vmxon).observation).toEqual(gp);
    expect(cpuFor({ ...rootState(), vmx: 'non-root' }).execute(vmxon).observation).toEqual({ kind: 'vm-exit', reason: 27, qualification: 0n });
  });
});

describe('VMXOFF', () => {
  it('leaves VMX operation', () => {
    const cpu = cpuFor(rootState());
    expect(cpu.execute({ op: 'VMXOFF' }).observation).toEqual({ kind: 'VMsucceed' });
    const s = cpu.snapshot();
    expect(s.vmx).toBe('outside');
    expect(s.vmxonPointer).toBeNull();
    expect(cpu.execute({ op: 'VMXOFF' }).observation).toEqual({ kind: 'fault', vector: '#UD' });
  });
  it('VMfail(23) under dual-monitor treatment', () => {
    const cpu = cpuFor({ ...rootState(), dualMonitorActive: true });
    expect(cpu.execute({ op: 'VMXOFF' }).observation).toEqual({ kind: 'VMfailValid', error: 23 });
    expect(cpu.snapshot().vmx).toBe('root');
  });
});

describe('VMCLEAR', () => {
  it('VMfail(2) for an invalid address, VMfail(3) for the VMXON pointer', () => {
    expect(cpuFor(rootState()).execute({ op: 'VMCLEAR', operand: OTHER_REGION | 0x10n }).observation).toEqual({ kind: 'VMfailValid', error: 2 });
    expect(cpuFor(rootState()).execute({ op: 'VMCLEAR', operand: 1n << 52n }).observation).toEqual({ kind: 'VMfailValid', error: 2 });
    expect(cpuFor(rootState()).execute({ op: 'VMCLEAR', operand: VMXON_REGION }).observation).toEqual({ kind: 'VMfailValid', error: 3 });
    expect(cpuFor({ ...rootState(), currentVmcs: null }).execute({ op: 'VMCLEAR', operand: VMXON_REGION }).observation)
      .toEqual({ kind: 'VMfailInvalid' });
  });
  it('clears the launch state and the current-VMCS pointer when it names the current VMCS', () => {
    const cpu = cpuFor(rootState());
    expect(cpu.execute({ op: 'VMLAUNCH' }).observation.kind).toBe('vm-entry');
    // Back in root (non-root VMCLEAR exits), then VMCLEAR the launched VMCS.
    expect(cpu.execute({ op: 'VMCLEAR', operand: VMCS_REGION }).observation.kind).toBe('vm-exit');
    expect(cpu.snapshot().vmcs.get(VMCS_REGION)?.launchState).toBe('launched');
    expect(cpu.execute({ op: 'VMCLEAR', operand: VMCS_REGION }).observation).toEqual({ kind: 'VMsucceed' });
    const s = cpu.snapshot();
    expect(s.vmcs.get(VMCS_REGION)?.launchState).toBe('clear');
    expect(s.currentVmcs).toBeNull();
  });
  it('keeps the current-VMCS pointer when another region is cleared', () => {
    const cpu = cpuFor(rootState());
    expect(cpu.execute({ op: 'VMCLEAR', operand: OTHER_REGION }).observation).toEqual({ kind: 'VMsucceed' });
    expect(cpu.snapshot().currentVmcs).toBe(VMCS_REGION);
  });
});

describe('VMPTRLD / VMPTRST', () => {
  const other = (rev: bigint) => withMemory(rootState(), [[OTHER_REGION, rev]]);
  it('VMfail(9) invalid address, VMfail(10) VMXON pointer, VMfail(11) wrong revision', () => {
    expect(cpuFor(rootState()).execute({ op: 'VMPTRLD', operand: OTHER_REGION + 0x800n }).observation).toEqual({ kind: 'VMfailValid', error: 9 });
    expect(cpuFor(rootState()).execute({ op: 'VMPTRLD', operand: VMXON_REGION }).observation).toEqual({ kind: 'VMfailValid', error: 10 });
    expect(cpuFor(other(REVISION ^ 1n)).execute({ op: 'VMPTRLD', operand: OTHER_REGION }).observation).toEqual({ kind: 'VMfailValid', error: 11 });
  });
  it('VMfail(11) for a shadow VMCS only when VMCS shadowing is unsupported', () => {
    const shadow = withMemory(rootState(PENRYN), [[OTHER_REGION, (PENRYN.msrs.IA32_VMX_BASIC & 0x7fff_ffffn) | 0x8000_0000n]]);
    expect(cpuFor(shadow, PENRYN).execute({ op: 'VMPTRLD', operand: OTHER_REGION }).observation).toEqual({ kind: 'VMfailValid', error: 11 });
    expect(cpuFor(other(REVISION | 0x8000_0000n)).execute({ op: 'VMPTRLD', operand: OTHER_REGION }).observation).toEqual({ kind: 'VMsucceed' });
  });
  it('makes the region current; VMPTRST stores the pointer', () => {
    const cpu = cpuFor(other(REVISION));
    expect(cpu.execute({ op: 'VMPTRLD', operand: OTHER_REGION }).observation).toEqual({ kind: 'VMsucceed' });
    expect(cpu.execute({ op: 'VMPTRST' }).observation).toEqual({ kind: 'VMsucceed', value: OTHER_REGION });
  });
  it('VMfailInvalid (not valid) for VMPTRLD errors without a current VMCS', () => {
    expect(cpuFor({ ...rootState(), currentVmcs: null }).execute({ op: 'VMPTRLD', operand: VMXON_REGION }).observation)
      .toEqual({ kind: 'VMfailInvalid' });
  });
});

describe('VMREAD / VMWRITE', () => {
  it('VMfailInvalid without a current VMCS', () => {
    const s = { ...rootState(), currentVmcs: null };
    expect(cpuFor(s).execute({ op: 'VMREAD', encoding: enc('GUEST_RIP') }).observation).toEqual({ kind: 'VMfailInvalid' });
    expect(cpuFor(s).execute({ op: 'VMWRITE', encoding: enc('GUEST_RIP'), value: 0n }).observation).toEqual({ kind: 'VMfailInvalid' });
  });
  it('VMfailValid(12) for malformed, unknown or (per profile) nonexistent fields', () => {
    const cpu = cpuFor(rootState());
    for (const e of [0x1000n | enc('GUEST_RIP'), 0x8000n, enc('GUEST_RIP') | 1n, 0x6ffen, 1n << 32n]) {
      expect(cpu.execute({ op: 'VMREAD', encoding: e }).observation).toEqual({ kind: 'VMfailValid', error: 12 });
    }
    // Penryn supports neither EPT nor VPID: their fields do not exist.
    const penryn = cpuFor(rootState(PENRYN), PENRYN);
    expect(penryn.execute({ op: 'VMREAD', encoding: enc('EPT_POINTER') }).observation).toEqual({ kind: 'VMfailValid', error: 12 });
    expect(penryn.execute({ op: 'VMWRITE', encoding: enc('VIRTUAL_PROCESSOR_ID'), value: 1n }).observation).toEqual({ kind: 'VMfailValid', error: 12 });
    expect(cpu.execute({ op: 'VMREAD', encoding: enc('EPT_POINTER') }).observation.kind).toBe('VMsucceed');
  });
  it('VMREAD returns the field; a high access returns bits 63:32', () => {
    const cpu = cpuFor(rootState());
    expect(cpu.execute({ op: 'VMWRITE', encoding: enc('TSC_OFFSET'), value: 0x1234_5678_9abc_def0n }).observation).toEqual({ kind: 'VMsucceed' });
    expect(cpu.execute({ op: 'VMREAD', encoding: enc('TSC_OFFSET') }).observation).toEqual({ kind: 'VMsucceed', value: 0x1234_5678_9abc_def0n });
    expect(cpu.execute({ op: 'VMREAD', encoding: enc('TSC_OFFSET') | 1n }).observation).toEqual({ kind: 'VMsucceed', value: 0x1234_5678n });
    expect(cpu.execute({ op: 'VMWRITE', encoding: enc('TSC_OFFSET') | 1n, value: 0xffn }).observation).toEqual({ kind: 'VMsucceed' });
    expect(cpu.execute({ op: 'VMREAD', encoding: enc('TSC_OFFSET') }).observation).toEqual({ kind: 'VMsucceed', value: 0xff_9abc_def0n });
    expect(cpu.execute({ op: 'VMREAD', encoding: enc('GUEST_CS_SELECTOR') }).observation).toEqual({ kind: 'VMsucceed', value: 0x8n });
  });
  it('VMWRITE truncates to the field width', () => {
    const cpu = cpuFor(rootState());
    cpu.execute({ op: 'VMWRITE', encoding: enc('GUEST_ES_SELECTOR'), value: 0xabcd_1234n });
    expect(cpu.execute({ op: 'VMREAD', encoding: enc('GUEST_ES_SELECTOR') }).observation).toEqual({ kind: 'VMsucceed', value: 0x1234n });
    expect(fieldOf(cpu.snapshot(), VMCS_REGION, 'GUEST_ES_SELECTOR')).toBe(0x1234n);
  });
  it('VMWRITE to a VM-exit information field: VMfailValid(13) unless IA32_VMX_MISC[29]', () => {
    const penryn = cpuFor(rootState(PENRYN), PENRYN);
    expect(penryn.execute({ op: 'VMWRITE', encoding: enc('EXIT_QUALIFICATION'), value: 1n }).observation).toEqual({ kind: 'VMfailValid', error: 13 });
    const skylake = cpuFor(rootState());
    expect(skylake.execute({ op: 'VMWRITE', encoding: enc('EXIT_QUALIFICATION'), value: 1n }).observation).toEqual({ kind: 'VMsucceed' });
  });
  it('outside 64-bit mode the operands are 32 bits wide', () => {
    // Protected-mode host (EFER.LMA = 0): a 64-bit field reads back truncated.
    const s = withCpu(rootState(), { efer: 0n, csL: false });
    const cpu = cpuFor(s);
    cpu.execute({ op: 'VMWRITE', encoding: enc('TSC_OFFSET'), value: 0x1_0000_0002n });
    expect(cpu.execute({ op: 'VMREAD', encoding: enc('TSC_OFFSET') }).observation).toEqual({ kind: 'VMsucceed', value: 2n });
  });
});

describe('launch state (§24.1) and VMLAUNCH / VMRESUME basic checks', () => {
  it('VMLAUNCH of a clear VMCS enters the guest and marks it launched; a second VMLAUNCH fails with 4', () => {
    const cpu = cpuFor(rootState());
    const r = cpu.execute({ op: 'VMLAUNCH' });
    expect(r.observation.kind).toBe('vm-entry');
    expect(r.failedRule).toBeUndefined();
    let s = cpu.snapshot();
    expect(s.vmx).toBe('non-root');
    expect(s.vmcs.get(VMCS_REGION)?.launchState).toBe('launched');
    // A VMX instruction in the guest exits back to root.
    expect(cpu.execute({ op: 'VMPTRST' }).observation.kind).toBe('vm-exit');
    const again = cpu.execute({ op: 'VMLAUNCH' });
    expect(again.observation).toEqual({ kind: 'VMfailValid', error: 4 });
    expect(again.failedRule).toBe('BASIC.LAUNCH.CLEAR');
    expect(cpu.execute({ op: 'VMRESUME' }).observation.kind).toBe('vm-entry');
    s = cpu.snapshot();
    expect(s.vmx).toBe('non-root');
  });
  it('VMRESUME of a clear VMCS fails with 5', () => {
    const r = cpuFor(rootState()).execute({ op: 'VMRESUME' });
    expect(r.observation).toEqual({ kind: 'VMfailValid', error: 5 });
    expect(r.failedRule).toBe('BASIC.RESUME.LAUNCHED');
  });
  it('VMfailInvalid without a current VMCS or for a shadow VMCS; VMfailValid(26) under MOV-SS blocking', () => {
    expect(cpuFor({ ...rootState(), currentVmcs: null }).execute({ op: 'VMLAUNCH' }))
      .toEqual({ observation: { kind: 'VMfailInvalid' }, failedRule: 'BASIC.CURVMCS' });
    const shadow = withMemory(rootState(), [[VMCS_REGION, REVISION | 0x8000_0000n]]);
    expect(cpuFor(shadow).execute({ op: 'VMLAUNCH' })).toEqual({ observation: { kind: 'VMfailInvalid' }, failedRule: 'BASIC.NOTSHADOW' });
    expect(cpuFor(withCpu(rootState(), { blockingByMovSs: true })).execute({ op: 'VMLAUNCH' }))
      .toEqual({ observation: { kind: 'VMfailValid', error: 26 }, failedRule: 'BASIC.MOVSS' });
  });
  it('a failed VMLAUNCH leaves the launch state clear', () => {
    const cpu = cpuFor(rootState());
    cpu.execute({ op: 'VMWRITE', encoding: enc('HOST_CS_SELECTOR'), value: 0n });
    const r = cpu.execute({ op: 'VMLAUNCH' });
    expect(r).toEqual({ observation: { kind: 'VMfailValid', error: 8 }, failedRule: 'HOST.SEL.CS.NONNULL' });
    expect(cpu.snapshot().vmcs.get(VMCS_REGION)?.launchState).toBe('clear');
    expect(cpu.snapshot().vmx).toBe('root');
  });
  it('the state handed to the constructor is never modified', () => {
    const s = rootState();
    const cpu = cpuFor(s);
    cpu.execute({ op: 'VMWRITE', encoding: enc('GUEST_RIP'), value: 0x4242n });
    cpu.execute({ op: 'VMLAUNCH' });
    expect(s.vmx).toBe('root');
    expect(fieldOf(s, VMCS_REGION, 'GUEST_RIP')).toBe(0x1000n);
    expect(s.vmcs.get(VMCS_REGION)?.launchState).toBe('clear');
  });
});
