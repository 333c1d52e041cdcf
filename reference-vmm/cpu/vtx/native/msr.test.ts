/** RDMSR and WRMSR on the native CPU: any ECX, IA32_EFER's rules, all 64 bits of IA32_SYSENTER_CS. */
import { describe, expect, it } from 'vitest';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { CpuRegisters, VtxState } from '../../../../spec/vtx/state.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import { standardCpu, standardGuest } from '../../../guests/vtx/layout.js';
import { NativeVtxCpu } from './index.js';
import { outsideMsrBitmaps } from './msr.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const GP0 = { kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: 0 } as const;

/** A native CPU on the standard IA-32e guest with RAX, RCX, RDX set. */
const cpuWith = (rax: bigint, rcx: bigint, rdx: bigint, cpu: Partial<CpuRegisters> = {}): NativeVtxCpu => {
  const g = standardGuest({ ...cpu, gpr: [rax, rcx, rdx, ...new Array<bigint>(13).fill(0n)] });
  const state: VtxState = { vmx: 'outside', cpu: g.cpu, vmxonPointer: null, currentVmcs: null, dualMonitorActive: false, vmcs: new Map(), memory: g.memory };
  return new NativeVtxCpu(profile, state);
};
const step = (c: NativeVtxCpu, instruction: GuestInstruction) => c.step({ kind: 'instruction', instruction }).observation;

describe('native RDMSR/WRMSR outside the MSR-bitmap ranges', () => {
  it('the ranges: 0–1FFFH and C0000000H–C0001FFFH are inside, RCX[63:32] ignored', () => {
    expect([0n, 0x1fffn, 0xc000_0000n, 0xc000_1fffn, 0x1_0000_0174n].map(outsideMsrBitmaps)).toEqual([false, false, false, false, false]);
    expect([0x2000n, 0x4000_0000n, 0x8000_0000n, 0xbfff_ffffn, 0xc000_2000n, 0xffff_ffffn].map(outsideMsrBitmaps)).toEqual([true, true, true, true, true, true]);
  });

  for (const ecx of [0x4000_0000n, 0x8000_0000n, 0xc000_2000n, 0xffff_ffffn]) {
    it(`RDMSR and WRMSR of ${ecx.toString(16)}H (an MSR the processor lacks) are #GP(0), never a VM exit`, () => {
      const r = cpuWith(0n, ecx, 0n);
      expect(step(r, { op: 'RDMSR' })).toEqual(GP0);
      const w = cpuWith(0n, ecx, 0n);
      expect(step(w, { op: 'WRMSR' })).toEqual(GP0);
      expect(w.snapshot().cpu.msrs.has(Number(ecx))).toBe(false);
    });
  }

  it('an MSR the state holds outside the ranges reads and writes like any other', () => {
    const c = cpuWith(0x55n, 0x4000_0000n, 0x66n, { msrs: new Map([[0x4000_0000, 0x1_0000_0002n]]) });
    expect(step(c, { op: 'RDMSR' })).toEqual({ kind: 'retired' });
    expect([c.registers.gpr[0], c.registers.gpr[2]]).toEqual([2n, 1n]);
    expect(step(c, { op: 'WRMSR' })).toEqual({ kind: 'retired' });
    expect(c.snapshot().cpu.msrs.get(0x4000_0000)).toBe(0x1_0000_0002n);
  });

  it('CPL 3: #GP(0) before the index is looked at', () => {
    const user = cpuWith(0n, 0x4000_0000n, 0n, {
      msrs: new Map([[0x4000_0000, 1n]]), cpl: 3,
      segments: { ...standardCpu().segments, cs: { selector: 0x2b, base: 0n, limit: 0xffff_ffff, accessRights: 0xa0fb }, ss: { selector: 0x33, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0f3 } },
    });
    expect(step(user, { op: 'RDMSR' })).toEqual(GP0);
    expect(user.registers.cpl).toBe(0);
  });
});

describe('native WRMSR of IA32_EFER (Vol. 4 Table 2-2; Vol. 3A §2.2.1)', () => {
  const EFER = 0xc000_0080n;
  it('with CR0.PG = 1: SCE and NXE are writable, LMA is ignored, LME cannot change, reserved bits fault', () => {
    const cases: [bigint, bigint | 'gp'][] = [[0x501n, 0x501n], [0x101n, 0x501n], [0x901n, 0xd01n], [0x401n, 'gp'], [0xd03n, 'gp'], [0xf01n, 'gp']];
    for (const [value, expected] of cases) {
      const c = cpuWith(value, EFER, 0n);
      const o = step(c, { op: 'WRMSR' });
      if (expected === 'gp') {
        expect(o).toEqual(GP0);
        expect(c.registers.efer).toBe(0xd01n);
      } else {
        expect(o).toEqual({ kind: 'retired' });
        expect(c.registers.efer).toBe(expected);
      }
    }
  });
});

describe('native IA32_SYSENTER_CS (Vol. 4 Table 2-2: bits 63:32 can be written and read back)', () => {
  it('WRMSR with EDX ≠ 0 keeps bits 63:32; RDMSR returns them', () => {
    const c = cpuWith(0x8n, 0x174n, 0xdead_beefn);
    expect(step(c, { op: 'WRMSR' })).toEqual({ kind: 'retired' });
    expect(step(c, { op: 'MOV_RI', dst: 2, imm: 0n })).toEqual({ kind: 'retired' });
    expect(step(c, { op: 'RDMSR' })).toEqual({ kind: 'retired' });
    expect([c.registers.gpr[0], c.registers.gpr[2]]).toEqual([0x8n, 0xdead_beefn]);
  });

  it('an undone VM exit (far JMP to a TSS: #GP) does not lose bits 63:32', () => {
    const c = cpuWith(0n, 0n, 0n, { msrs: new Map([[0x174, 0x1234_5678_0000_0008n]]) });
    expect(step(c, { op: 'JMP_FAR', selector: 0x18 })).toMatchObject({ kind: 'delivered', vector: 13, errorCode: 0x18 });
    expect(c.snapshot().cpu.msrs.get(0x174)).toBe(0x1234_5678_0000_0008n);
  });
});
