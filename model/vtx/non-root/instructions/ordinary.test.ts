// The ordinary computation of the abstract ISA in non-root operation: RIP advance, memory through guest paging, branches.
import { describe, expect, it } from 'vitest';
import { instructionLength } from '../../../../spec/vtx/guest/length.js';
import { readMemory64 } from '../../../../spec/vtx/state.js';
import { cpu, expectFault, expectRetired, gprs, guest, run, withMemory } from './test-support.js';

const RAX = 0, RCX = 1, RBX = 3;
const ZF = 1n << 6n;

describe('ordinary instructions', () => {
  it('MOV and ALU advance RIP by the instruction length; ALU sets ZF from the result; CMP keeps the destination', () => {
    const s = guest();
    const a = expectRetired(run(s, { op: 'MOV_RI', dst: RAX, imm: 5n }));
    expect(a.cpu.rip).toBe(s.cpu.rip + BigInt(instructionLength({ op: 'MOV_RI', dst: RAX, imm: 5n })));
    const b = expectRetired(run(gprs(a, { [RCX]: 5n }), { op: 'ALU', fn: 'sub', dst: RAX, src: RCX }));
    expect([b.cpu.gpr[RAX], b.cpu.rflags & ZF]).toEqual([0n, ZF]);
    const c = expectRetired(run(gprs(a, { [RCX]: 4n }), { op: 'ALU', fn: 'cmp', dst: RAX, src: RCX }));
    expect([c.cpu.gpr[RAX], c.cpu.rflags & ZF]).toEqual([5n, 0n]);
  });
  it('LOAD and STORE go through guest paging; a misaligned operand is #GP(0)', () => {
    const s = withMemory(gprs(guest(), { [RBX]: 0x30000n, [RAX]: 0x1122_3344_5566_7788n }), [[0x30008n, 0xabcdn]]);
    expect(expectRetired(run(s, { op: 'LOAD', size: 8, dst: RCX, mem: { base: RBX, disp: 8n } })).cpu.gpr[RCX]).toBe(0xabcdn);
    const stored = expectRetired(run(s, { op: 'STORE', size: 4, src: RAX, mem: { base: RBX, disp: 4n } }));
    expect(readMemory64(stored.memory, 0x30000n) >> 32n).toBe(0x5566_7788n);
    expectFault(run(s, { op: 'LOAD', size: 8, dst: RCX, mem: { base: RBX, disp: 4n } }), 13);
  });
  it('PUSH/POP and CALL/RET use the stack at RSP, 8 bytes in 64-bit mode', () => {
    const s = gprs(guest(), { [RAX]: 7n });
    const pushed = expectRetired(run(s, { op: 'PUSH', src: RAX }));
    expect(pushed.cpu.rsp).toBe(s.cpu.rsp - 8n);
    expect(expectRetired(run(pushed, { op: 'POP', dst: RBX })).cpu.gpr[RBX]).toBe(7n);
    const called = expectRetired(run(s, { op: 'CALL', target: 0x40_8000n }));
    expect(called.cpu.rip).toBe(0x40_8000n);
    const back = expectRetired(run(called, { op: 'RET' }));
    expect(back.cpu.rip).toBe(s.cpu.rip + 5n);
  });
  it('JCC follows ZF; a non-canonical JMP target is #GP(0)', () => {
    const s = guest();
    expect(expectRetired(run(cpu(s, { rflags: s.cpu.rflags | ZF }), { op: 'JCC', cond: 'z', target: 0x40_0100n })).cpu.rip).toBe(0x40_0100n);
    expect(expectRetired(run(s, { op: 'JCC', cond: 'z', target: 0x40_0100n })).cpu.rip).toBe(s.cpu.rip + 6n);
    expectFault(run(s, { op: 'JMP', target: 0x8000_0000_0000_0000n }), 13);
  });
  it('a completed instruction ends blocking by STI and MOV SS', () => {
    const after = expectRetired(run(cpu(guest(), { blockingByMovSs: true }), { op: 'NOP' }));
    expect([after.cpu.blockingByMovSs, after.cpu.blockingBySti]).toEqual([false, false]);
  });
});
