/**
 * The VMM's RDMSR/WRMSR emulation (msr.ts) against the native processor: MSRs the processor lacks,
 * IA32_EFER judged against the guest's own CR0 and EFER, and all 64 bits of IA32_SYSENTER_CS.
 */
import { describe, expect, it } from 'vitest';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import { vtxProgram, type VtxStart } from '../../../conformance/paper/arbitraries.js';
import { configWithout, DEFAULT_VTX_VMM_CONFIG, runNative, runUnderVmm, type VtxGuestView, type VtxVmmConfig } from './run.js';

const I = (instruction: GuestInstruction): NonRootInput => ({ kind: 'instruction', instruction });
const imm = (dst: number, v: bigint): NonRootInput => I({ op: 'MOV_RI', dst, imm: v });
const kernel = (mode: VtxStart['mode']): VtxStart => ({ mode, startsIn: 'guest kernel', returningHandlers: true });
const EFER = 0xc000_0080n;
const EVERY_MSR_EXITS = configWithout(['msr-bitmaps']);

type Log = VtxGuestView['log'][number];
const faults = (v: VtxGuestView): number[] =>
  v.log.filter((e): e is Extract<Log, { kind: 'delivered' }> => e.kind === 'delivered').map((e) => e.vector);

/** Runs `steps` natively and under the VMM with `config`; both views must be equal. */
const both = (steps: NonRootInput[], start: VtxStart, config: VtxVmmConfig) => {
  const p = vtxProgram([...steps, I({ op: 'NOP' })], start);
  const native = runNative(p).guestView;
  const vmm = runUnderVmm(p, config);
  expect(vmm.guestView).toEqual(native);
  return { native, vmm };
};

describe('RDMSR/WRMSR of an MSR the processor lacks', () => {
  for (const ecx of [0x4000_0000n, 0xc000_2000n, 0x8000_0000n]) {
    it(`${ecx.toString(16)}H: the access exits whatever the bitmaps hold (§25.1.3) and the VMM injects #GP(0), as natively`, () => {
      for (const op of ['RDMSR', 'WRMSR'] as const) {
        const { native, vmm } = both([imm(1, ecx), I({ op })], kernel('ia32e'), DEFAULT_VTX_VMM_CONFIG);
        expect(faults(native)).toEqual([13]);
        expect(vmm.exitReasons).toContain(op === 'RDMSR' ? 31 : 32);
      }
    });
  }
});

describe('WRMSR of IA32_EFER (Vol. 4 Table 2-2; Vol. 3A §2.2.1)', () => {
  // CPUID after the write: an exit and a VM entry, whose checks (§26.3.1.1) see the new EFER.
  const write = (value: bigint): NonRootInput[] =>
    [imm(1, EFER), imm(2, value >> 32n), imm(0, value & 0xffff_ffffn), I({ op: 'WRMSR' }), I({ op: 'CPUID' }), imm(1, EFER), I({ op: 'RDMSR' })];

  it('a protected-mode guest (LME = 0, CR0.PG = 1) under a VMM whose own EFER has LME = 1: the guest\'s EFER and CR0 decide', () => {
    // Accepted natively: SCE/NXE with LME unchanged (the VMM's old check compared LME with its own EFER).
    for (const v of [0n, 1n, 0x800n, 0x801n, 0x400n]) {
      const { native, vmm } = both(write(v), kernel('protected'), EVERY_MSR_EXITS);
      expect(faults(native)).toEqual([]);
      expect(native.registers.efer).toBe(v & ~0x400n);
      expect(vmm.vm.host.registers.efer).toBe(v & ~0x400n);
      expect(vmm.vm.wrote('GUEST_IA32_EFER')).toBe(v & ~0x400n);
    }
    // #GP(0): setting LME while paging (the VMM's own LME is 1, so its old check let this through), reserved bits.
    for (const v of [0x100n, 0x901n, 0x2n, 0x200n, 0x1_0000_0000n]) {
      const { native } = both(write(v), kernel('protected'), EVERY_MSR_EXITS);
      expect(faults(native)).toEqual([13]);
      expect(native.registers.efer).toBe(0n);
    }
  });

  it('an IA-32e guest: SCE and NXE writable, LMA ignored, LME fixed while paging; the "IA-32e mode guest" control stays 1', () => {
    const cases: [bigint, bigint | 'gp'][] = [[0x501n, 0x501n], [0x101n, 0x501n], [0x900n, 0xd00n], [0xd01n, 0xd01n], [0x401n, 'gp'], [0x1n, 'gp'], [0xd03n, 'gp'], [0xdd01n, 'gp']];
    for (const config of [DEFAULT_VTX_VMM_CONFIG, EVERY_MSR_EXITS]) {
      for (const [v, expected] of cases) {
        const { native, vmm } = both(write(v), kernel('ia32e'), config);
        expect(faults(native)).toEqual(expected === 'gp' ? [13] : []);
        expect(native.registers.efer).toBe(expected === 'gp' ? 0xd01n : expected);
        // LMA stays 1 in the processor, the "IA-32e mode guest" control with it (else the entry after CPUID failed).
        expect(vmm.vm.host.registers.efer).toBe(native.registers.efer);
      }
    }
  });
});

describe('IA32_SYSENTER_CS bits 63:32 (the guest-state field has 32 bits, §26.3.2.1, §27.5.1)', () => {
  const steps = [
    imm(1, 0x174n), imm(2, 0xdead_beefn), imm(0, 0x8n), I({ op: 'WRMSR' }),
    I({ op: 'CPUID' }), // an exit and a VM entry: the processor's MSR loses bits 63:32 here
    imm(1, 0x174n), imm(2, 0n), I({ op: 'RDMSR' }),
  ];

  for (const [name, config] of [['MSR bitmaps', DEFAULT_VTX_VMM_CONFIG], ['every RDMSR/WRMSR exits', EVERY_MSR_EXITS]] as const) {
    it(`${name}: the VMM intercepts the MSR and keeps bits 63:32; the guest reads back what it wrote`, () => {
      const { native, vmm } = both(steps, kernel('ia32e'), config);
      expect(native.registers.gpr[2]).toBe(0xdead_beefn);
      expect(native.registers.msrs.get(0x174)).toBe(0xdead_beef_0000_0008n);
      expect(vmm.exitReasons.filter((r) => r === 31 || r === 32)).toEqual([32, 31]);
      // The processor runs the guest with bits 31:0 only; the VMM holds the rest.
      expect(vmm.vm.host.registers.msrs.get(0x174)).toBe(0x8n);
      expect(vmm.vm.wrote('GUEST_SYSENTER_CS')).toBe(0x8n);
      expect(vmm.vm.sysenterCsHigh).toBe(0xdead_beefn);
    });
  }

  it('SYSENTER uses bits 15:0 only: the high half changes nothing', () => {
    const start: VtxStart = { mode: 'ia32e', startsIn: 'guest application', returningHandlers: true };
    const p = vtxProgram([I({ op: 'SYSENTER' }), I({ op: 'NOP' })], start);
    const high = { ...p, initial: { ...p.initial, cpu: { ...p.initial.cpu, msrs: new Map([...p.initial.cpu.msrs, [0x174, 0x1_0000_0008n]]) } } };
    const native = runNative(high).guestView;
    expect(native.registers.segments.cs.selector).toBe(0x08);
    expect(runUnderVmm(high).guestView).toEqual(native);
  });
});
