// §25.1.3 MOV DR: "MOV-DR exiting", its qualification, and its priority over the CPL fault (§25.1.1).
import { describe, expect, it } from 'vitest';
import { decodeQualification } from '../../../../spec/vtx/exit-information/qualification.js';
import { cites, control, cpu, expectExit, expectFault, expectRetired, gprs, guest, run, user } from './test-support.js';

const RAX = 0, R10 = 10;

describe('MOV DR', () => {
  it('EXIT.MOVDR: exits: MOV from DR7 into R10 with "MOV-DR exiting" = 1 — DR 7, direction from DR, GPR R10', () => {
    const e = expectExit(run(control(guest(), 'proc.MOV_DR_EXITING'), { op: 'MOV_FROM_DR', dr: 7, dst: R10 }), 29);
    const q = decodeQualification(29, e.qualification)!;
    expect([q.fields['drNumber']!.value, q.fields['direction']!.value, q.fields['gpr']!.value]).toEqual([7n, 1n, 10n]);
    expect(e.instructionLength).toBe(4);
  });
  it('EXIT.MOVDR: exits: MOV to DR2 has direction 0', () => {
    const e = expectExit(run(control(guest(), 'proc.MOV_DR_EXITING'), { op: 'MOV_TO_DR', dr: 2, src: RAX }), 29);
    expect(e.qualification).toBe(2n);
  });
  it('EXIT.MOVDR: does not exit: "MOV-DR exiting" = 0, MOV to DR0 writes it', () => {
    const r = run(gprs(guest(), { [RAX]: 0x1000n }), { op: 'MOV_TO_DR', dr: 0, src: RAX });
    expect(expectRetired(r).cpu.dr[0]).toBe(0x1000n);
    expect(cites(r, 'EXIT.MOVDR')).toBe(true);
  });
  it('PRIORITY.MOVDR: at CPL 3 the MOV-DR exit comes before the #GP(0)', () => {
    const r = run(user(control(guest(), 'proc.MOV_DR_EXITING')), { op: 'MOV_FROM_DR', dr: 6, dst: RAX });
    expectExit(r, 29);
    expect(cites(r, 'PRIORITY.MOVDR')).toBe(true);
  });
  it('PRIORITY.MOVDR: without MOV-DR exiting, MOV DR at CPL 3 is #GP(0)', () => {
    expectFault(run(user(guest()), { op: 'MOV_FROM_DR', dr: 6, dst: RAX }), 13);
  });
  it('EXIT.MOVDR: does not exit: MOV from DR7 reads DR7; a DR7 value with bits 63:32 set is #GP(0)', () => {
    expect(expectRetired(run(cpu(guest(), { dr7: 0x401n }), { op: 'MOV_FROM_DR', dr: 7, dst: RAX })).cpu.gpr[RAX]).toBe(0x401n);
    expectFault(run(gprs(guest(), { [RAX]: 1n << 32n }), { op: 'MOV_TO_DR', dr: 7, src: RAX }), 13);
  });
});
