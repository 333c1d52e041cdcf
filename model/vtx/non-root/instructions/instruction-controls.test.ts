// §25.1.3: instructions decided by one VM-execution control, and the §25.3 changes that go with them.
import { describe, expect, it } from 'vitest';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { ControlName } from '../../../../spec/vtx/controls.js';
import { instructionLength } from '../../../../spec/vtx/guest/length.js';
import { readField } from '../../../../spec/vtx/state.js';
import {
  bitmapBit, capsOf, cites, control, controls, cpu, expectExit, expectFault, expectRetired, gprs, guest, run, user, withVmcs,
} from './test-support.js';

const M = { base: 3, disp: 0x20n } as const;
const RAX = 0, RCX = 1, RDX = 2, RBX = 3;

/** `title` starts with the rule ID (test titles are read by tools); `rule` is the rule the decisions must name. */
const exitsBy = (title: string, rule: string, i: GuestInstruction, ctl: ControlName, reason: number) => it(title, () => {
  const r = run(control(guest(), ctl), i);
  const e = expectExit(r, reason);
  expect(e.qualification).toBe(0n);
  expect(e.instructionLength).toBe(instructionLength(i));
  expect(cites(r, rule)).toBe(true);
});
const retiresWithout = (title: string, rule: string, i: GuestInstruction) => it(title, () => {
  const s = guest();
  const r = run(s, i);
  expect(expectRetired(r).cpu.rip).toBe(s.cpu.rip + BigInt(instructionLength(i)));
  expect(cites(r, rule)).toBe(true);
});

describe('instructions with one exiting control', () => {
  exitsBy('EXIT.HLT: exits: HLT with "HLT exiting" = 1, qualification 0 and instruction length 1', 'EXIT.HLT', { op: 'HLT' }, 'proc.HLT_EXITING', 12);
  retiresWithout('EXIT.HLT: does not exit: HLT with "HLT exiting" = 0 retires', 'EXIT.HLT', { op: 'HLT' });
  exitsBy('EXIT.MONITOR: exits: MONITOR with "MONITOR exiting" = 1', 'EXIT.MONITOR', { op: 'MONITOR' }, 'proc.MONITOR_EXITING', 39);
  retiresWithout('EXIT.MONITOR: does not exit: MONITOR with "MONITOR exiting" = 0 retires', 'EXIT.MONITOR', { op: 'MONITOR' });
  exitsBy('EXIT.RDPMC: exits: RDPMC with "RDPMC exiting" = 1', 'EXIT.RDPMC', { op: 'RDPMC' }, 'proc.RDPMC_EXITING', 15);
  retiresWithout('EXIT.RDPMC: does not exit: RDPMC with "RDPMC exiting" = 0 retires', 'EXIT.RDPMC', { op: 'RDPMC' });
  exitsBy('EXIT.RDTSC: exits: RDTSC with "RDTSC exiting" = 1', 'EXIT.RDTSC', { op: 'RDTSC' }, 'proc.RDTSC_EXITING', 16);
  retiresWithout('EXIT.RDTSC: does not exit: RDTSC with "RDTSC exiting" = 0 retires', 'EXIT.RDTSC', { op: 'RDTSC' });
  exitsBy('EXIT.WBINVD: exits: WBINVD with "WBINVD exiting" = 1', 'EXIT.WBINVD', { op: 'WBINVD' }, 'proc2.WBINVD_EXITING', 54);
  retiresWithout('EXIT.WBINVD: does not exit: WBINVD with "WBINVD exiting" = 0 retires', 'EXIT.WBINVD', { op: 'WBINVD' });
  exitsBy('EXIT.PAUSE: exits: PAUSE with "PAUSE exiting" = 1', 'EXIT.PAUSE', { op: 'PAUSE' }, 'proc.PAUSE_EXITING', 40);
  retiresWithout('EXIT.PAUSE: does not exit: PAUSE with "PAUSE exiting" = 0 retires', 'EXIT.PAUSE', { op: 'PAUSE' });

  it('EXIT.HLT: does not exit: HLT without HLT exiting enters the HLT activity state at the next RIP', () => {
    expect(expectRetired(run(guest(), { op: 'HLT' })).cpu.activity).toBe('hlt');
  });

  it('EXIT.INVLPG: exits: INVLPG [RBX+20H] with the linear address as qualification', () => {
    const e = expectExit(run(gprs(control(guest(), 'proc.INVLPG_EXITING'), { [RBX]: 0x1234_0000n }), { op: 'INVLPG', mem: M }), 14);
    expect(e.qualification).toBe(0x1234_0020n);
  });
  it('EXIT.INVLPG: does not exit: "INVLPG exiting" = 0', () => {
    expectRetired(run(guest(), { op: 'INVLPG', mem: M }));
  });

  it('EXIT.INVPCID: exits: "enable INVPCID" = 1 and "INVLPG exiting" = 1, with displacement and reg2', () => {
    const e = expectExit(run(controls(guest(), 'proc2.ENABLE_INVPCID', 'proc.INVLPG_EXITING'), { op: 'INVPCID', type: RCX, mem: M }), 58);
    expect(e.qualification).toBe(0x20n);
    expect(e.instructionInfo! >>> 28).toBe(RCX);
  });
  it('EXIT.INVPCID: does not exit: "INVLPG exiting" = 0 (INVPCID operates normally)', () => {
    expectRetired(run(control(guest(), 'proc2.ENABLE_INVPCID'), { op: 'INVPCID', type: RCX, mem: M }));
  });
  it('CHANGED.INVPCID.UD: with "enable INVPCID" = 0, INVPCID is #UD even with "INVLPG exiting" = 1', () => {
    const r = run(control(guest(), 'proc.INVLPG_EXITING'), { op: 'INVPCID', type: RCX, mem: M });
    expectFault(r, 6);
    expect(cites(r, 'CHANGED.INVPCID.UD')).toBe(true);
  });

  it('EXIT.MWAIT: exits: "MWAIT exiting" = 1; the armed bit is loose (both qualifications permitted)', () => {
    const r = run(control(guest(), 'proc.MWAIT_EXITING'), { op: 'MWAIT' });
    expect(expectExit(r, 36).qualification).toBe(0n);
    expect(r.alternatives?.map((a) => a.observation.kind === 'vm-exit' ? a.observation.exit.qualification : null)).toEqual([1n]);
  });
  it('EXIT.MWAIT: does not exit: "MWAIT exiting" = 0 (MWAIT resumes at once)', () => {
    expectRetired(run(guest(), { op: 'MWAIT' }));
  });

  it('EXIT.PAUSE.LOOP: exits: CPL 0, "PAUSE-loop exiting" = 1 — the canonical outcome exits, no exit is the permitted alternative', () => {
    const r = run(withVmcs(control(guest(), 'proc2.PAUSE_LOOP_EXITING'), { PLE_GAP: 128n, PLE_WINDOW: 4096n }), { op: 'PAUSE' });
    expectExit(r, 40);
    expect(r.alternatives?.map((a) => a.observation.kind)).toEqual(['retired']);
    expect(cites(r, 'EXIT.PAUSE.LOOP')).toBe(true);
  });
  it('EXIT.PAUSE.LOOP: does not exit: at CPL 3 "PAUSE-loop exiting" is ignored', () => {
    const r = run(user(control(guest(), 'proc2.PAUSE_LOOP_EXITING')), { op: 'PAUSE' });
    expectRetired(r);
    expect(r.alternatives).toBeUndefined();
    expect(cites(r, 'EXIT.PAUSE.LOOP')).toBe(true);
  });

  it('EXIT.RDTSCP: exits: "RDTSC exiting" = 1 and "enable RDTSCP" = 1 (reason 51)', () => {
    expectExit(run(controls(guest(), 'proc.RDTSC_EXITING', 'proc2.ENABLE_RDTSCP'), { op: 'RDTSCP' }), 51);
  });
  it('EXIT.RDTSCP: does not exit: "RDTSC exiting" = 0 returns TSC in EDX:EAX and TSC_AUX in ECX', () => {
    const s = cpu(control(guest(), 'proc2.ENABLE_RDTSCP'), { tsc: 0x1_2345_6789n });
    const m = new Map(s.cpu.msrs).set(0xc000_0103, 7n);
    const after = expectRetired(run(cpu(s, { msrs: m }), { op: 'RDTSCP' }));
    expect([after.cpu.gpr[RAX], after.cpu.gpr[RDX], after.cpu.gpr[RCX]]).toEqual([0x2345_6789n, 1n, 7n]);
  });
  it('CHANGED.RDTSCP.UD: with "enable RDTSCP" = 0 (here: secondary controls off), RDTSCP is #UD even with RDTSC exiting', () => {
    const r = run(control(guest(), 'proc.RDTSC_EXITING'), { op: 'RDTSCP' });
    expectFault(r, 6);
    expect(cites(r, 'CHANGED.RDTSCP.UD')).toBe(true);
  });

  it('CHANGED.RDTSC.OFFSET: with "use TSC offsetting" = 1, RDTSC returns TSC + offset (mod 2^64)', () => {
    const s = withVmcs(cpu(control(guest(), 'proc.USE_TSC_OFFSETTING'), { tsc: 0x100n }), { TSC_OFFSET: 0xffff_ffff_ffff_ff00n + 0x10n });
    const r = run(s, { op: 'RDTSC' });
    const after = expectRetired(r);
    expect([after.cpu.gpr[RAX], after.cpu.gpr[RDX]]).toEqual([0x10n, 0n]);
    expect(cites(r, 'CHANGED.RDTSC.OFFSET')).toBe(true);
  });
  it('CHANGED.TSC.SCALING: with scaling too, RDTSC returns ((TSC × multiplier) >> 48) + offset', () => {
    const s = withVmcs(cpu(controls(guest(), 'proc.USE_TSC_OFFSETTING', 'proc2.USE_TSC_SCALING'), { tsc: 1000n }), {
      TSC_OFFSET: 5n, TSC_MULTIPLIER: 3n << 47n, // 1.5
    });
    const r = run(s, { op: 'RDTSC' });
    expect(expectRetired(r).cpu.gpr[RAX]).toBe(1505n);
    expect(cites(r, 'CHANGED.TSC.SCALING')).toBe(true);
  });

  it('EXIT.RDRAND: exits: "RDRAND exiting" = 1 with the destination register and 64-bit operand size in the instruction information', () => {
    const e = expectExit(run(control(guest(), 'proc2.RDRAND_EXITING'), { op: 'RDRAND', dst: 9 }), 57);
    expect(e.instructionInfo).toBe((9 << 3) | (2 << 11));
  });
  it('EXIT.RDRAND: does not exit: "RDRAND exiting" = 0 reports no random number (destination 0, CF = 0)', () => {
    const s = cpu(gprs(guest(), { [RAX]: 5n }), { rflags: 0x3n });
    const after = expectRetired(run(s, { op: 'RDRAND', dst: RAX }));
    expect(after.cpu.gpr[RAX]).toBe(0n);
    expect(after.cpu.rflags & 1n).toBe(0n);
  });
  it('EXIT.RDSEED: exits: "RDSEED exiting" = 1 (reason 61)', () => {
    expectExit(run(control(guest(), 'proc2.RDSEED_EXITING'), { op: 'RDSEED', dst: RAX }), 61);
  });
  it('EXIT.RDSEED: does not exit: "RDSEED exiting" = 0', () => {
    expectRetired(run(guest(), { op: 'RDSEED', dst: RAX }));
  });

  it('EXIT.RSM: exits: RSM in SMM', () => {
    expectExit(run(cpu(guest(), { inSmm: true }), { op: 'RSM' }), 17);
  });
  it('EXIT.RSM: does not exit: RSM outside SMM is #UD', () => {
    expectFault(run(guest(), { op: 'RSM' }), 6);
  });

  /** vtx-max has SGX; IA32_FEATURE_CONTROL enables it (lock, SGX enable). */
  const sgx = () => { const s = guest('vtx-max'); return cpu(s, { msrs: new Map(s.cpu.msrs).set(0x3a, 0x4_0005n) }); };
  it('EXIT.ENCLS: exits: "enable ENCLS exiting" = 1 and the bitmap bit of the leaf (EAX = 2) is 1 (vtx-max: SGX)', () => {
    const s = withVmcs(gprs(control(sgx(), 'proc2.ENABLE_ENCLS_EXITING'), { [RAX]: 2n }), { ENCLS_EXITING_BITMAP: 4n });
    expectExit(run(s, { op: 'ENCLS' }, capsOf('vtx-max')), 60);
  });
  it('EXIT.ENCLS: does not exit: the bitmap bit of the leaf is 0', () => {
    const s = withVmcs(gprs(control(sgx(), 'proc2.ENABLE_ENCLS_EXITING'), { [RAX]: 2n }), { ENCLS_EXITING_BITMAP: 2n });
    expect(run(s, { op: 'ENCLS' }, capsOf('vtx-max')).observation.kind).toBe('retired');
    // Without SGX enabled in IA32_FEATURE_CONTROL the leaf is #GP(0) — after the exit check.
    expectFault(run(withVmcs(gprs(control(guest('vtx-max'), 'proc2.ENABLE_ENCLS_EXITING'), { [RAX]: 2n }), { ENCLS_EXITING_BITMAP: 2n }), { op: 'ENCLS' }, capsOf('vtx-max')), 13);
  });

  const xs = (op: 'XSAVES' | 'XRSTORS', bitmap: bigint) => {
    const s = withVmcs(gprs(control(guest(), 'proc2.ENABLE_XSAVES_XRSTORS'), { [RAX]: 0x100n, [RBX]: 0x30000n }), { XSS_EXIT_BITMAP: bitmap });
    const withXss = cpu(s, { cr4: s.cpu.cr4 | (1n << 18n), msrs: new Map(s.cpu.msrs).set(0xda0, 0x100n) });
    return run(withXss, { op, mem: { base: RBX, disp: 0x40n } });
  };
  it('EXIT.XSAVES: exits: EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap ≠ 0, with the displacement', () => {
    expect(expectExit(xs('XSAVES', 0x100n), 63).qualification).toBe(0x40n);
  });
  it('EXIT.XSAVES: does not exit: the AND is 0', () => {
    expectRetired(xs('XSAVES', 0x200n));
  });
  it('EXIT.XRSTORS: exits: EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap ≠ 0', () => {
    expectExit(xs('XRSTORS', 0x100n), 64);
  });
  it('EXIT.XRSTORS: does not exit: the AND is 0', () => {
    expectRetired(xs('XRSTORS', 0n));
  });
  it('CHANGED.XSAVES.UD: with "enable XSAVES/XRSTORS" = 0, XSAVES is #UD', () => {
    const s = guest();
    const r = run(cpu(s, { cr4: s.cpu.cr4 | (1n << 18n) }), { op: 'XSAVES', mem: M });
    expectFault(r, 6);
    expect(cites(r, 'CHANGED.XSAVES.UD')).toBe(true);
  });
});

describe('VMREAD and VMWRITE (VMCS shadowing)', () => {
  const SHADOW = 0x3000n;
  const BITMAP = 0x13000n;
  const shadowing = (s = guest()) =>
    withVmcs(control(s, 'proc2.VMCS_SHADOWING'), { VMREAD_BITMAP: BITMAP, VMWRITE_BITMAP: BITMAP, VMCS_LINK_POINTER: SHADOW });

  it('EXIT.VMREAD: exits: "VMCS shadowing" = 0, with reg1 = destination and reg2 = encoding register', () => {
    const e = expectExit(run(gprs(guest(), { [RDX]: 0x681en }), { op: 'VMREAD', dst: RAX, encoding: RDX }), 23);
    expect(e.qualification).toBe(0n);
    expect(e.instructionInfo).toBe((1 << 10) | (RAX << 3) | (RDX << 28));
  });
  it('EXIT.VMREAD: exits: shadowing on but the VMREAD-bitmap bit of the encoding is 1', () => {
    const s = bitmapBit(shadowing(), BITMAP, 0x681e);
    expectExit(run(gprs(s, { [RDX]: 0x681en }), { op: 'VMREAD', dst: RAX, encoding: RDX }), 23);
  });
  it('EXIT.VMREAD: does not exit: shadowing on, bitmap bit 0: reads the shadow VMCS at the link pointer', () => {
    const s = shadowing();
    const region = s.vmcs.get(s.currentVmcs!)!;
    const shadow = { launchState: 'clear' as const, fields: region.fields };
    const withShadow = { ...s, vmcs: new Map(s.vmcs).set(SHADOW, shadow) };
    const after = expectRetired(run(gprs(withShadow, { [RDX]: 0x681en }), { op: 'VMREAD', dst: RAX, encoding: RDX }));
    expect(after.cpu.gpr[RAX]).toBe(readField(shadow.fields, 'GUEST_RIP'));
  });
  it('EXIT.VMWRITE: exits: "VMCS shadowing" = 0', () => {
    expectExit(run(guest(), { op: 'VMWRITE', src: RAX, encoding: RDX }), 25);
  });
  it('EXIT.VMWRITE: does not exit: shadowing on with a clear VMWRITE-bitmap bit', () => {
    const s = { ...shadowing(), vmcs: new Map(shadowing().vmcs) };
    const r = run(gprs(s, { [RDX]: 0x681en, [RAX]: 0x5000n }), { op: 'VMWRITE', src: RAX, encoding: RDX });
    expect(r.observation.kind).toBe('retired');
  });
});

describe('§25.1.1 priorities for the controlled exits', () => {
  it('PRIORITY.CPL: HLT at CPL 3 is #GP(0) even with "HLT exiting" = 1', () => {
    const r = run(user(control(guest(), 'proc.HLT_EXITING')), { op: 'HLT' });
    expectFault(r, 13);
    expect(cites(r, 'PRIORITY.CPL')).toBe(true);
  });
  it('PRIORITY.UD: MWAIT at CPL 3 is #UD even with "MWAIT exiting" = 1', () => {
    const r = run(user(control(guest(), 'proc.MWAIT_EXITING')), { op: 'MWAIT' });
    expectFault(r, 6);
  });
});
