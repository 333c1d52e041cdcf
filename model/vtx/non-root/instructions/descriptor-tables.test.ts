// §25.1.3 descriptor-table exiting (reasons 46 and 47) with the instruction information of Tables 27-10 / 27-11.
import { describe, expect, it } from 'vitest';
import { decodeInstructionInfo } from '../../../../spec/vtx/exit-information/instruction-info.js';
import { readMemory64 } from '../../../../spec/vtx/state.js';
import { cites, control, cpu, expectExit, expectFault, expectRetired, GUEST_LAYOUT, gprs, guest, run, user, withMemory } from './test-support.js';

const RAX = 0, RBX = 3, R12 = 12;
const info = (reason: number, v: number) => Object.fromEntries(Object.entries(decodeInstructionInfo(reason, v)!.fields).map(([k, f]) => [k, Number(f.value)]));
const exiting = (s = guest()) => control(s, 'proc2.DESCRIPTOR_TABLE_EXITING');

describe('LGDT, LIDT, SGDT, SIDT (reason 46)', () => {
  it('EXIT.DTABLE.GDTR_IDTR: exits: SGDT [RBX+8] — displacement 8, memory form, DS, base RBX, identity SGDT', () => {
    const e = expectExit(run(gprs(exiting(), { [RBX]: 0x30000n }), { op: 'SGDT', mem: { base: RBX, disp: 8n } }), 46);
    expect(e.qualification).toBe(8n);
    expect(info(46, e.instructionInfo!)).toMatchObject({ addressSize: 2, memReg: 0, segment: 3, indexRegInvalid: 1, baseReg: RBX, baseRegInvalid: 0, instructionIdentity: 0 });
  });
  it('EXIT.DTABLE.GDTR_IDTR: exits: LIDT [R12-10H] reports identity LIDT and base R12', () => {
    const e = expectExit(run(exiting(), { op: 'LIDT', mem: { base: R12, disp: -0x10n } }), 46);
    expect(e.qualification).toBe(0xffff_ffff_ffff_fff0n);
    expect(info(46, e.instructionInfo!)).toMatchObject({ baseReg: R12, instructionIdentity: 3 });
  });
  it('EXIT.DTABLE.GDTR_IDTR: does not exit: without descriptor-table exiting SGDT stores the limit and base', () => {
    const after = expectRetired(run(gprs(guest(), { [RBX]: 0x30000n }), { op: 'SGDT', mem: { base: RBX, disp: 6n } }));
    // Limit 7FH at 30006H, base 7000H at 30008H.
    expect(readMemory64(after.memory, 0x30000n) >> 48n).toBe(0x7fn);
    expect(readMemory64(after.memory, 0x30008n)).toBe(GUEST_LAYOUT.gdt);
  });
  it('EXIT.DTABLE.GDTR_IDTR: does not exit: LIDT loads a new IDTR from memory', () => {
    const s = withMemory(gprs(guest(), { [RBX]: 0x30000n }), [[0x30000n, 0xfffn << 48n], [0x30008n, 0x5_0000n]]);
    const after = expectRetired(run(s, { op: 'LIDT', mem: { base: RBX, disp: 6n } }));
    expect(after.cpu.idtr).toEqual({ base: 0x5_0000n, limit: 0xfff });
  });
  it('PRIORITY.CPL: LGDT at CPL 3 is #GP(0) even with descriptor-table exiting', () => {
    const r = run(user(exiting()), { op: 'LGDT', mem: { base: RBX, disp: 0n } });
    expectFault(r, 13);
    expect(cites(r, 'PRIORITY.CPL')).toBe(true);
  });
  it('EXIT.DTABLE.GDTR_IDTR: exits: SGDT at CPL 3 (no UMIP) still exits', () => {
    expectExit(run(user(exiting()), { op: 'SGDT', mem: { base: RBX, disp: 0n } }), 46);
  });
});

describe('LLDT, LTR, SLDT, STR (reason 47)', () => {
  it('EXIT.DTABLE.LDTR_TR: exits: STR RAX — register form, reg1 RAX, identity STR, qualification 0', () => {
    const e = expectExit(run(exiting(), { op: 'STR', dst: RAX }), 47);
    expect(e.qualification).toBe(0n);
    expect(info(47, e.instructionInfo!)).toMatchObject({ reg1: RAX, memReg: 1, instructionIdentity: 1 });
  });
  it('EXIT.DTABLE.LDTR_TR: exits: LTR R12 reports identity LTR', () => {
    const e = expectExit(run(exiting(), { op: 'LTR', src: R12 }), 47);
    expect(info(47, e.instructionInfo!)).toMatchObject({ reg1: R12, instructionIdentity: 3 });
  });
  it('EXIT.DTABLE.LDTR_TR: does not exit: STR reads the TR selector', () => {
    expect(expectRetired(run(guest(), { op: 'STR', dst: RAX })).cpu.gpr[RAX]).toBe(0x18n);
  });
  it('EXIT.DTABLE.LDTR_TR: does not exit: LTR loads an available 64-bit TSS and marks it busy', () => {
    const at = GUEST_LAYOUT.gdt + 0x40n;
    const lo = 0x67n | (0xb000n << 16n) | (0x89n << 40n);
    const s = gprs(withMemory(guest(), [[at, lo], [at + 8n, 0n]]), { [RAX]: 0x40n });
    const after = expectRetired(run(s, { op: 'LTR', src: RAX }));
    expect(after.cpu.segments.tr).toMatchObject({ selector: 0x40, base: 0xb000n, limit: 0x67, accessRights: 0x8b });
    expect((readMemory64(after.memory, at) >> 40n) & 0xfn).toBe(0xbn);
  });
  it('PRIORITY.UD: SLDT in real-address mode is #UD even with descriptor-table exiting', () => {
    const r = run(cpu(exiting(), { cr0: 0x30n, efer: 0n, csL: false }), { op: 'SLDT', dst: RAX });
    expectFault(r, 6);
    expect(cites(r, 'PRIORITY.UD')).toBe(true);
  });
});
