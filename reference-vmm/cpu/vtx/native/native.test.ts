/** The native CPU: the abstract guest ISA with no VMX at all (never a 'vm-exit'). */
import { describe, expect, it } from 'vitest';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { CpuRegisters, VtxState } from '../../../../spec/vtx/state.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import { standardGuest } from '../../../guests/vtx/layout.js';
import { NativeVtxCpu } from './index.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const state = (cpu: Partial<CpuRegisters> = {}): VtxState => {
  const g = standardGuest(cpu);
  return { vmx: 'outside', cpu: g.cpu, vmxonPointer: null, currentVmcs: null, dualMonitorActive: false, vmcs: new Map(), memory: g.memory };
};
const run = (i: GuestInstruction, cpu: Partial<CpuRegisters> = {}) => {
  const c = new NativeVtxCpu(profile, state(cpu));
  const { observation } = c.step({ kind: 'instruction', instruction: i });
  return { observation, after: c.snapshot() };
};

describe('NativeVtxCpu', () => {
  it('CPUID retires with the fixed values (VMX and SMX absent in leaf 1 ECX)', () => {
    const { observation, after } = run({ op: 'CPUID' }, { gpr: [1n, ...new Array<bigint>(15).fill(0n)] });
    expect(observation.kind).toBe('retired');
    expect((after.cpu.gpr[1]! >> 5n) & 3n).toBe(0n);
    expect(after.cpu.rip).toBe(0x40_0002n);
    expect(after.vmx).toBe('outside');
  });

  for (const op of ['VMCALL', 'VMLAUNCH', 'VMRESUME', 'VMXOFF', 'GETSEC'] as const) {
    it(`${op} raises #UD (no VMX, no SMX)`, () => {
      expect(run({ op }).observation).toEqual({ kind: 'delivered', vector: 6, type: 'hardware-exception', errorCode: null });
    });
  }
  it('VMXON raises #UD (CR4.VMXE is 0)', () => {
    expect(run({ op: 'VMXON', mem: { base: 0, disp: 0n } }).observation).toMatchObject({ kind: 'delivered', vector: 6 });
  });

  it('INVD retires at CPL 0; XSETBV with CR4.OSXSAVE = 0 is #UD', () => {
    expect(run({ op: 'INVD' }).observation.kind).toBe('retired');
    expect(run({ op: 'XSETBV' }).observation).toMatchObject({ kind: 'delivered', vector: 6 });
  });

  it('MOV to CR4 with VMXE is #GP(0); MOV to CR0 clearing NE (a VMX fixed bit) is allowed', () => {
    const gpr = (v: bigint): bigint[] => [v, ...new Array<bigint>(15).fill(0n)];
    expect(run({ op: 'MOV_TO_CR', cr: 4, src: 0 }, { gpr: gpr(0x2620n) }).observation).toMatchObject({ kind: 'delivered', vector: 13, errorCode: 0 });
    const r = run({ op: 'MOV_TO_CR', cr: 0, src: 0 }, { gpr: gpr(0x8005_0013n) });
    expect(r.observation.kind).toBe('retired');
    expect(r.after.cpu.cr0).toBe(0x8005_0013n);
  });

  it('RDMSR and IN do not exit: an architectural MSR reads, a port without a device reads all ones', () => {
    expect(run({ op: 'RDMSR' }, { gpr: [0n, 0x174n, ...new Array<bigint>(14).fill(0n)] }).after.cpu.gpr[0]).toBe(8n);
    expect(run({ op: 'IN', size: 1, port: 0x60 }).after.cpu.gpr[0]).toBe(0xffn);
  });

  it('a triple fault (no IDT) is shutdown: inactive, never a VM exit', () => {
    const c = new NativeVtxCpu(profile, state({ idtr: { base: 0n, limit: 0 } }));
    expect(c.step({ kind: 'instruction', instruction: { op: 'UD2' } }).observation.kind).toBe('inactive');
    expect(c.snapshot().cpu.activity).toBe('shutdown');
  });

  it('a far JMP to a TSS in IA-32e mode is #GP(selector)', () => {
    expect(run({ op: 'JMP_FAR', selector: 0x18 }).observation).toMatchObject({ kind: 'delivered', vector: 13, errorCode: 0x18 });
  });

  it('refuses a state in VMX operation', () => {
    expect(() => new NativeVtxCpu(profile, { ...state(), vmx: 'root' })).toThrow(/outside VMX operation/);
  });
});
