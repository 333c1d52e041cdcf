// §25.1.3 I/O instructions: unconditional I/O exiting, the I/O bitmaps (multi-byte, wrap-around), INS/OUTS.
import { describe, expect, it } from 'vitest';
import { decodeQualification } from '../../../../spec/vtx/exit-information/qualification.js';
import type { IoSize } from '../../../../spec/vtx/guest/instructions.js';
import { readMemory64 } from '../../../../spec/vtx/state.js';
import {
  cites, control, cpu, expectExit, expectFault, expectRetired, GUEST_LAYOUT, gprs, guest, ioBit, run, user, withMemory,
} from './test-support.js';

const RAX = 0, RCX = 1, RDX = 2, RSI = 6, RDI = 7;
const fields = (q: bigint) => Object.fromEntries(Object.entries(decodeQualification(30, q)!.fields).map(([k, v]) => [k, Number(v.value)]));
const bitmaps = (s = guest()) => control(s, 'proc.USE_IO_BITMAPS');

describe('I/O exits', () => {
  it('EXIT.IO.UNCONDITIONAL: exits: OUT 80H, AL with unconditional I/O exiting, immediate operand', () => {
    const e = expectExit(run(control(guest(), 'proc.UNCONDITIONAL_IO_EXITING'), { op: 'OUT', size: 1, port: 0x80 }), 30);
    expect(fields(e.qualification)).toEqual({ size: 0, direction: 0, string: 0, rep: 0, operandEncoding: 1, port: 0x80 });
    expect(e.instructionLength).toBe(2);
  });
  it('EXIT.IO.UNCONDITIONAL: does not exit: both controls 0; IN AL, 80H reads all ones into AL only', () => {
    const r = run(gprs(guest(), { [RAX]: 0x1234_5600n }), { op: 'IN', size: 1, port: 0x80 });
    expect(expectRetired(r).cpu.gpr[RAX]).toBe(0x1234_56ffn);
    expect(cites(r, 'EXIT.IO.UNCONDITIONAL')).toBe(true);
  });

  it('EXIT.IO.BITMAP: exits: OUT DX, AL to a port whose bitmap-A bit is set — size, direction, string/rep, DX operand, port', () => {
    const e = expectExit(run(gprs(ioBit(bitmaps(), 0x60), { [RDX]: 0x60n }), { op: 'OUT', size: 1, port: 'dx' }), 30);
    expect(fields(e.qualification)).toEqual({ size: 0, direction: 0, string: 0, rep: 0, operandEncoding: 0, port: 0x60 });
  });
  it('EXIT.IO.BITMAP: exits: a 2-byte OUT to 5FH straddles the set bit of port 60H', () => {
    const e = expectExit(run(gprs(ioBit(bitmaps(), 0x60), { [RDX]: 0x5fn }), { op: 'OUT', size: 2, port: 'dx' }), 30);
    expect(fields(e.qualification)).toMatchObject({ size: 1, port: 0x5f });
  });
  it('EXIT.IO.BITMAP: exits: a port of bitmap B (8000H) and a 4-byte IN crossing from A into B (7FFEH–8001H)', () => {
    expectExit(run(gprs(ioBit(bitmaps(), 0x8000), { [RDX]: 0x8000n }), { op: 'IN', size: 1, port: 'dx' }), 30);
    const e = expectExit(run(gprs(ioBit(bitmaps(), 0x8001), { [RDX]: 0x7ffen }), { op: 'IN', size: 4, port: 'dx' }), 30);
    expect(fields(e.qualification)).toMatchObject({ size: 3, direction: 1, port: 0x7ffe });
  });
  it('EXIT.IO.BITMAP: does not exit: a 2-byte OUT to 5EH touches 5EH–5FH only; unconditional I/O exiting is ignored', () => {
    const s = control(gprs(ioBit(bitmaps(), 0x60), { [RDX]: 0x5en }), 'proc.UNCONDITIONAL_IO_EXITING');
    const r = run(s, { op: 'OUT', size: 2, port: 'dx' });
    expectRetired(r);
    expect(cites(r, 'EXIT.IO.BITMAP')).toBe(true);
  });

  it('EXIT.IO.BITMAP.WRAP: exits: a 2-byte IN at port FFFFH wraps to 0000H, whatever the bitmaps', () => {
    const e = expectExit(run(gprs(bitmaps(), { [RDX]: 0xffffn }), { op: 'IN', size: 2, port: 'dx' }), 30);
    expect(fields(e.qualification)).toMatchObject({ size: 1, direction: 1, port: 0xffff });
  });
  it('EXIT.IO.BITMAP.WRAP: does not exit: a 1-byte IN at FFFFH does not wrap', () => {
    const r = run(gprs(bitmaps(), { [RDX]: 0xffffn }), { op: 'IN', size: 1, port: 'dx' });
    expectRetired(r);
    expect(cites(r, 'EXIT.IO.BITMAP.WRAP')).toBe(true);
  });
});

describe('INS / OUTS', () => {
  it('PRIORITY.INSOUTS: REP OUTSW exits (string, REP, guest-linear DS:RSI, instruction info) before its misaligned access faults', () => {
    const s = gprs(control(guest(), 'proc.UNCONDITIONAL_IO_EXITING'), { [RDX]: 0x3f8n, [RSI]: 0x30001n, [RCX]: 4n });
    const r = run(s, { op: 'OUTS', size: 2, rep: true });
    const e = expectExit(r, 30);
    expect(fields(e.qualification)).toEqual({ size: 1, direction: 0, string: 1, rep: 1, operandEncoding: 0, port: 0x3f8 });
    expect(e.guestLinearAddress).toBe(0x30001n);
    expect(e.instructionInfo).toBe((2 << 7) | (3 << 15));
    expect(cites(r, 'PRIORITY.INSOUTS')).toBe(true);
  });
  it('EXIT.IO.BITMAP: does not exit: INS writes all ones at ES:RDI and advances RDI', () => {
    const s = gprs(bitmaps(), { [RDX]: 0x70n, [RDI]: 0x30000n });
    const after = expectRetired(run(s, { op: 'INS', size: 4 as IoSize, rep: false }));
    expect(readMemory64(after.memory, 0x30000n) & 0xffff_ffffn).toBe(0xffff_ffffn);
    expect(after.cpu.gpr[RDI]).toBe(0x30004n);
  });
  it('EXIT.IO.UNCONDITIONAL: does not exit: REP INSB does one iteration per step and stays on the instruction until RCX = 0', () => {
    const s = gprs(guest(), { [RDX]: 0x70n, [RDI]: 0x30000n, [RCX]: 2n });
    const first = expectRetired(run(s, { op: 'INS', size: 1, rep: true }));
    expect([first.cpu.rip, first.cpu.gpr[RCX], first.cpu.gpr[RDI]]).toEqual([s.cpu.rip, 1n, 0x30001n]);
    const second = expectRetired(run(first, { op: 'INS', size: 1, rep: true }));
    expect([second.cpu.rip, second.cpu.gpr[RCX]]).toEqual([s.cpu.rip + 2n, 0n]);
  });
});

describe('the TSS I/O-permission check', () => {
  // I/O map base at TSS offset 66H = 68H: the bit map starts right after the 104-byte TSS.
  const ioMap = (s = guest(), port: number, denied: boolean) => {
    const tss = GUEST_LAYOUT.tss;
    const mapBase = 0x68n;
    const at = tss + mapBase + BigInt(port >> 3);
    const word = withMemory(s, [[tss + 0x60n, (mapBase << 48n)]]);
    const withBit = withMemory(word, [[at & ~7n, denied ? 1n << (((at & 7n) * 8n) + BigInt(port & 7)) : 0n]]);
    return cpu(withBit, { segments: { ...withBit.cpu.segments, tr: { ...withBit.cpu.segments.tr, base: tss, limit: 0x2067 } } });
  };
  it('PRIORITY.IO.TSS: at CPL 3 > IOPL a denied port is #GP(0) even with unconditional I/O exiting', () => {
    const s = user(control(ioMap(guest(), 0x80, true), 'proc.UNCONDITIONAL_IO_EXITING'));
    const r = run(s, { op: 'OUT', size: 1, port: 0x80 });
    expectFault(r, 13);
    expect(cites(r, 'PRIORITY.IO.TSS')).toBe(true);
  });
  it('PRIORITY.IO.TSS: a permitted port at CPL 3 reaches the I/O exit', () => {
    const s = user(control(ioMap(guest(), 0x80, false), 'proc.UNCONDITIONAL_IO_EXITING'));
    expectExit(run(s, { op: 'OUT', size: 1, port: 0x80 }), 30);
  });
});
