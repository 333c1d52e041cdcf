// §25.1.3 RDMSR/WRMSR: no bitmaps, outside the ranges, the four 1-KByte bitmaps; §25.3 RDMSR of the TSC.
import { describe, expect, it } from 'vitest';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { cites, control, cpu, expectExit, expectFault, expectRetired, gprs, guest, msrBit, run, user, withVmcs } from './test-support.js';

const RAX = 0, RCX = 1, RDX = 2;
const SYSENTER_CS = 0x174;
const EFER = 0xc000_0080;
const msr = (s: VtxState, ecx: number, value = 0n) => gprs(s, { [RCX]: BigInt(ecx), [RAX]: value & 0xffff_ffffn, [RDX]: value >> 32n });
const bitmaps = (s = guest()) => control(s, 'proc.USE_MSR_BITMAPS');
const RD = { op: 'RDMSR' } as const;
const WR = { op: 'WRMSR' } as const;

describe('RDMSR / WRMSR exits', () => {
  it('EXIT.RDMSR.NOBITMAP: exits: "use MSR bitmaps" = 0, any ECX', () => {
    const e = expectExit(run(msr(guest(), SYSENTER_CS), RD), 31);
    expect([e.qualification, e.instructionLength]).toEqual([0n, 2]);
  });
  it('EXIT.RDMSR.NOBITMAP: does not exit: with MSR bitmaps and a clear read bit, RDMSR reads the MSR', () => {
    const s = msr(cpu(bitmaps(), { msrs: new Map(guest().cpu.msrs).set(SYSENTER_CS, 0x8n) }), SYSENTER_CS);
    const r = run(s, RD);
    expect(expectRetired(r).cpu.gpr[RAX]).toBe(8n);
    expect(cites(r, 'EXIT.RDMSR.NOBITMAP')).toBe(true);
  });
  it('EXIT.WRMSR.NOBITMAP: exits: "use MSR bitmaps" = 0', () => {
    expectExit(run(msr(guest(), SYSENTER_CS, 8n), WR), 32);
  });
  it('EXIT.WRMSR.NOBITMAP: does not exit: with MSR bitmaps, WRMSR to SYSENTER_CS writes it', () => {
    expect(expectRetired(run(msr(bitmaps(), SYSENTER_CS, 8n), WR)).cpu.msrs.get(SYSENTER_CS)).toBe(8n);
  });

  it('EXIT.RDMSR.OUTSIDE: exits: ECX 40000000H is in neither range', () => {
    expectExit(run(msr(bitmaps(), 0x4000_0000), RD), 31);
  });
  it('EXIT.RDMSR.OUTSIDE: does not exit: ECX 1FFFH is the last low MSR (bit clear; reads as #GP: no such MSR)', () => {
    const r = run(msr(bitmaps(), 0x1fff), RD);
    expectFault(r, 13);
    expect(cites(r, 'EXIT.RDMSR.OUTSIDE')).toBe(true);
  });
  it('EXIT.WRMSR.OUTSIDE: exits: ECX C0002000H is just past the high range', () => {
    expectExit(run(msr(bitmaps(), 0xc000_2000), WR), 32);
  });
  it('EXIT.WRMSR.OUTSIDE: does not exit: ECX C0001FFFH is in the high range', () => {
    const r = run(msr(bitmaps(), 0xc000_1fff), WR);
    expect(r.observation.kind).not.toBe('vm-exit');
    expect(cites(r, 'EXIT.WRMSR.OUTSIDE')).toBe(true);
  });

  it('EXIT.RDMSR.BITMAP.LOW: exits: read-low bit 174H set (byte 2EH of the page)', () => {
    expectExit(run(msr(msrBit(bitmaps(), SYSENTER_CS, 'read'), SYSENTER_CS), RD), 31);
  });
  it('EXIT.RDMSR.BITMAP.LOW: does not exit: only the write bit of 174H is set', () => {
    expectRetired(run(msr(msrBit(bitmaps(), SYSENTER_CS, 'write'), SYSENTER_CS), RD));
  });
  it('EXIT.RDMSR.BITMAP.HIGH: exits: read-high bit 80H (IA32_EFER) set at offset 1024', () => {
    expectExit(run(msr(msrBit(bitmaps(), EFER, 'read'), EFER), RD), 31);
  });
  it('EXIT.RDMSR.BITMAP.HIGH: does not exit: the read-low bit 80H does not cover C0000080H; RDMSR returns EFER', () => {
    const r = run(msr(msrBit(bitmaps(), 0x80, 'read'), EFER), RD);
    expect(expectRetired(r).cpu.gpr[RAX]).toBe(guest().cpu.efer);
  });
  it('EXIT.WRMSR.BITMAP.LOW: exits: write-low bit 174H set (offset 2048)', () => {
    expectExit(run(msr(msrBit(bitmaps(), SYSENTER_CS, 'write'), SYSENTER_CS, 8n), WR), 32);
  });
  it('EXIT.WRMSR.BITMAP.LOW: does not exit: only the read bit is set', () => {
    expectRetired(run(msr(msrBit(bitmaps(), SYSENTER_CS, 'read'), SYSENTER_CS, 8n), WR));
  });
  it('EXIT.WRMSR.BITMAP.HIGH: exits: write-high bit 80H set (offset 3072)', () => {
    expectExit(run(msr(msrBit(bitmaps(), EFER, 'write'), EFER, 0xd00n), WR), 32);
  });
  it('EXIT.WRMSR.BITMAP.HIGH: does not exit: only the read-high bit is set; EFER keeps LMA', () => {
    const r = run(msr(msrBit(bitmaps(), EFER, 'read'), EFER, 0x901n), WR);
    expect(expectRetired(r).cpu.efer).toBe(0xd01n);
  });
});

describe('priorities and changed behaviour', () => {
  it('PRIORITY.CPL: RDMSR at CPL 3 is #GP(0) even without MSR bitmaps', () => {
    const r = run(user(msr(guest(), SYSENTER_CS)), RD);
    expectFault(r, 13);
    expect(cites(r, 'PRIORITY.CPL')).toBe(true);
  });
  it('PRIORITY.FAULTLIKE: RDMSR of a non-existent MSR at CPL 0 exits rather than faulting', () => {
    const r = run(msr(msrBit(bitmaps(), 0x1fff, 'read'), 0x1fff), RD);
    expectExit(r, 31);
    expect(cites(r, 'PRIORITY.FAULTLIKE')).toBe(true);
  });
  it('CHANGED.RDMSR.TSC: RDMSR of IA32_TIME_STAMP_COUNTER returns TSC + TSC offset with offsetting', () => {
    const s = withVmcs(cpu(control(bitmaps(), 'proc.USE_TSC_OFFSETTING'), { tsc: 0x1_0000_0000n }), { TSC_OFFSET: 0x10n });
    const r = run(msr(s, 0x10), RD);
    const after = expectRetired(r);
    expect([after.cpu.gpr[RAX], after.cpu.gpr[RDX]]).toEqual([0x10n, 1n]);
    expect(cites(r, 'CHANGED.RDMSR.TSC')).toBe(true);
  });
});
