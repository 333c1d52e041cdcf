// §25.1.2: instructions that exit unconditionally, and the faults that come first (§25.1.1).
import { describe, expect, it } from 'vitest';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { nonRootStep } from '../step.js';
import { capsOf, cites, cpu, expectExit, expectFault, gprs, guest, run, user } from './test-support.js';

const M = { base: 3, disp: 0x10n } as const;
const compat = (s = guest()) => cpu(s, { csL: false, segments: { ...s.cpu.segments, cs: { ...s.cpu.segments.cs, accessRights: 0xc09b } } });
const CR4_SMXE = 1n << 14n;
const CR4_OSXSAVE = 1n << 18n;

describe('instructions that always exit', () => {
  it('EXIT.CPUID: exits: CPUID in the baseline guest, with instruction length 2 and qualification 0', () => {
    const e = expectExit(run(guest(), { op: 'CPUID' }), 10);
    expect(e.instructionLength).toBe(2);
    expect(e.qualification).toBe(0n);
  });
  it('EXIT.CPUID: does not exit: outside VMX non-root operation no guest instruction runs', () => {
    const o = nonRootStep(capsOf(), { ...guest(), vmx: 'root' }, { kind: 'instruction', instruction: { op: 'CPUID' } });
    expect(o.canonical.observation.kind).not.toBe('vm-exit');
  });

  it('EXIT.GETSEC: exits: GETSEC with CR4.SMXE = 1', () => {
    const s = guest();
    expectExit(run(cpu(s, { cr4: s.cpu.cr4 | CR4_SMXE }), { op: 'GETSEC' }), 11);
  });
  it('EXIT.GETSEC: does not exit: GETSEC with CR4.SMXE = 0 is #UD', () => {
    const r = run(guest(), { op: 'GETSEC' });
    expectFault(r, 6);
    expect(cites(r, 'EXIT.GETSEC')).toBe(true);
  });

  it('EXIT.INVD: exits: INVD at CPL 0', () => {
    expectExit(run(guest(), { op: 'INVD' }), 13);
  });
  it('EXIT.INVD: does not exit: INVD at CPL 3 is #GP(0) first', () => {
    expectFault(run(user(guest()), { op: 'INVD' }), 13);
  });

  it('EXIT.XSETBV: exits: XSETBV at CPL 0 with CR4.OSXSAVE = 1', () => {
    const s = guest();
    expectExit(run(cpu(s, { cr4: s.cpu.cr4 | CR4_OSXSAVE }), { op: 'XSETBV' }), 55);
  });
  it('EXIT.XSETBV: does not exit: XSETBV with CR4.OSXSAVE = 0 is #UD', () => {
    expectFault(run(guest(), { op: 'XSETBV' }), 6);
  });

  it('EXIT.VMCALL: exits: VMCALL at CPL 3 (the exit precedes the CPL check), no instruction information', () => {
    const e = expectExit(run(user(guest()), { op: 'VMCALL' }), 18);
    expect(e.instructionLength).toBe(3);
    expect(e.instructionInfo).toBeNull();
  });
  it('EXIT.VMCALL: does not exit: outside VMX non-root operation no guest instruction runs', () => {
    const o = nonRootStep(capsOf(), { ...guest(), vmx: 'root' }, { kind: 'instruction', instruction: { op: 'VMCALL' } });
    expect(o.canonical.observation.kind).not.toBe('vm-exit');
  });

  /** `title` starts with the rule ID (test titles are read by tools). */
  const memoryExit = (title: string, i: GuestInstruction, reason: number) => it(title, () => {
    const e = expectExit(run(gprs(guest(), { 3: 0x3000n }), i), reason);
    expect(e.qualification).toBe(0x10n);
    // 64-bit address size (2 << 7), DS (3 << 15), no index (bit 22), base RBX (3 << 23).
    expect(e.instructionInfo).toBe((2 << 7) | (3 << 15) | (1 << 22) | (3 << 23));
  });
  const compatUd = (title: string, i: GuestInstruction) => it(title, () => {
    const r = run(compat(), i);
    expectFault(r, 6);
    expect(cites(r, 'PRIORITY.UD')).toBe(true);
  });
  const cpl3Exit = (title: string, i: GuestInstruction, reason: number) => it(title, () => {
    expect(expectExit(run(user(guest()), i), reason).qualification).toBe(0n);
  });
  const invalidationExit = (title: string, i: GuestInstruction, reason: number) => it(title, () => {
    const e = expectExit(run(guest(), i), reason);
    expect(e.qualification).toBe(0xffff_ffff_ffff_fff8n);
    expect(e.instructionInfo! >>> 28).toBe(2);
    expect((e.instructionInfo! >>> 23) & 15).toBe(3);
  });

  memoryExit('EXIT.VMCLEAR: exits: VMCLEAR [RBX+10H] with the displacement as qualification and the memory-operand instruction information', { op: 'VMCLEAR', mem: M }, 19);
  compatUd('EXIT.VMCLEAR: does not exit: VMCLEAR in compatibility mode is #UD', { op: 'VMCLEAR', mem: M });
  memoryExit('EXIT.VMPTRLD: exits: VMPTRLD [RBX+10H] with displacement and instruction information', { op: 'VMPTRLD', mem: M }, 21);
  compatUd('EXIT.VMPTRLD: does not exit: VMPTRLD in compatibility mode is #UD', { op: 'VMPTRLD', mem: M });
  memoryExit('EXIT.VMPTRST: exits: VMPTRST [RBX+10H] with displacement and instruction information', { op: 'VMPTRST', mem: M }, 22);
  compatUd('EXIT.VMPTRST: does not exit: VMPTRST in compatibility mode is #UD', { op: 'VMPTRST', mem: M });
  memoryExit('EXIT.VMXON: exits: VMXON [RBX+10H] with displacement and instruction information', { op: 'VMXON', mem: M }, 27);
  compatUd('EXIT.VMXON: does not exit: VMXON in compatibility mode is #UD', { op: 'VMXON', mem: M });

  cpl3Exit('EXIT.VMLAUNCH: exits: VMLAUNCH at CPL 3 exits before its CPL check', { op: 'VMLAUNCH' }, 20);
  compatUd('EXIT.VMLAUNCH: does not exit: VMLAUNCH in compatibility mode is #UD', { op: 'VMLAUNCH' });
  cpl3Exit('EXIT.VMRESUME: exits: VMRESUME at CPL 3 exits before its CPL check', { op: 'VMRESUME' }, 24);
  compatUd('EXIT.VMRESUME: does not exit: VMRESUME in compatibility mode is #UD', { op: 'VMRESUME' });
  cpl3Exit('EXIT.VMXOFF: exits: VMXOFF at CPL 3 exits before its CPL check', { op: 'VMXOFF' }, 26);
  compatUd('EXIT.VMXOFF: does not exit: VMXOFF in compatibility mode is #UD', { op: 'VMXOFF' });

  invalidationExit('EXIT.INVEPT: exits: INVEPT RDX, [RBX-8] with the sign-extended displacement and reg2 = RDX', { op: 'INVEPT', type: 2, mem: { base: 3, disp: -8n } }, 50);
  compatUd('EXIT.INVEPT: does not exit: INVEPT in compatibility mode is #UD', { op: 'INVEPT', type: 2, mem: M });
  invalidationExit('EXIT.INVVPID: exits: INVVPID RDX, [RBX-8] with the sign-extended displacement and reg2 = RDX', { op: 'INVVPID', type: 2, mem: { base: 3, disp: -8n } }, 53);
  compatUd('EXIT.INVVPID: does not exit: INVVPID in compatibility mode is #UD', { op: 'INVVPID', type: 2, mem: M });
});

describe('§25.1.1 priorities for the unconditional exits', () => {
  it('PRIORITY.UD: GETSEC with CR4.SMXE = 0 is #UD instead of the GETSEC exit', () => {
    const r = run(guest(), { op: 'GETSEC' });
    expectFault(r, 6);
    expect(cites(r, 'PRIORITY.UD')).toBe(true);
  });
  it('PRIORITY.CPL: INVD at CPL 3 raises #GP(0) instead of the INVD exit', () => {
    const r = run(user(guest()), { op: 'INVD' });
    expectFault(r, 13);
    expect(cites(r, 'PRIORITY.CPL')).toBe(true);
  });
  it('PRIORITY.FAULTLIKE: a fault-like exit leaves the guest state as it was (RIP of the instruction saved)', () => {
    const s = guest();
    const r = run(s, { op: 'CPUID' });
    expectExit(r, 10);
    expect(cites(r, 'PRIORITY.FAULTLIKE')).toBe(true);
    expect(r.state.vmx).toBe('root');
  });
});
