// §25.1.3 / §25.3 control-register accesses: guest/host masks and read shadows, CR3 targets, CR8 and the TPR shadow.
import { describe, expect, it } from 'vitest';
import { decodeQualification } from '../../../../spec/vtx/exit-information/qualification.js';
import { readMemory32 } from '../../../../spec/vtx/state.js';
import {
  cites, control, cpu, expectExit, expectFault, expectRetired, GUEST_LAYOUT, gprs, guest, run, user, withMemory, withVmcs,
} from './test-support.js';

const RAX = 0, RCX = 1, RBX = 3, R9 = 9;
const CR0 = 0x8000_0031n; // PG, NE, ET, PE
const TS = 1n << 3n, MP = 1n << 1n, WP = 1n << 16n;
const CR4 = 0x2020n; // VMXE, PAE
const VTPR = GUEST_LAYOUT.virtualApic + 0x80n;

const qual = (q: bigint) => {
  const d = decodeQualification(28, q)!;
  return Object.fromEntries(Object.entries(d.fields).map(([k, v]) => [k, Number(v.value)]));
};

describe('MOV to CR0 / CR4 with guest/host masks', () => {
  const masked = (s = guest()) => withVmcs(s, { CR0_GUEST_HOST_MASK: TS | MP, CR0_READ_SHADOW: CR0 });

  it('EXIT.CR0.WRITE.MASK: exits: MOV CR0, R9 setting masked TS against a shadow with TS = 0 — qualification names CR0, MOV to CR and R9', () => {
    const r = run(gprs(masked(), { [R9]: CR0 | TS }), { op: 'MOV_TO_CR', cr: 0, src: R9 });
    const e = expectExit(r, 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 0, accessType: 0, gpr: R9, lmswOperandType: 0, lmswSourceData: 0 });
    expect(e.instructionLength).toBe(4);
    expect(r.state.vmx).toBe('root');
  });
  it('EXIT.CR0.WRITE.MASK: does not exit: MOV CR0 changing only the unmasked WP bit completes', () => {
    const r = run(gprs(masked(), { [RAX]: CR0 | WP }), { op: 'MOV_TO_CR', cr: 0, src: RAX });
    expect(expectRetired(r).cpu.cr0).toBe(CR0 | WP);
    expect(cites(r, 'EXIT.CR0.WRITE.MASK')).toBe(true);
  });
  it('CHANGED.CR0.WRITE: a MOV to CR0 that does not exit leaves masked bits as they are (real TS stays 1 while the shadow says 0)', () => {
    const s = cpu(masked(), { cr0: CR0 | TS });
    const after = expectRetired(run(gprs(s, { [RAX]: CR0 | WP }), { op: 'MOV_TO_CR', cr: 0, src: RAX }));
    expect(after.cpu.cr0).toBe(CR0 | TS | WP);
  });
  it('CHANGED.CR0.WRITE: an unmasked bit set to a value VMX operation does not allow (PE = 0 with PG) is #GP(0)', () => {
    expectFault(run(gprs(masked(), { [RAX]: CR0 & ~1n }), { op: 'MOV_TO_CR', cr: 0, src: RAX }), 13);
  });
  it('CHANGED.CR0.READ: a read of masked CR0 bits returns the read shadow', () => {
    const s = cpu(withVmcs(guest(), { CR0_GUEST_HOST_MASK: TS | (1n << 5n), CR0_READ_SHADOW: TS }), { cr0: CR0 });
    const r = run(s, { op: 'MOV_FROM_CR', cr: 0, dst: RCX });
    // Real CR0 has TS = 0 and NE = 1; the guest sees TS = 1 (shadow) and NE = 0 (shadow), the rest real.
    expect(expectRetired(r).cpu.gpr[RCX]).toBe((CR0 & ~(1n << 5n)) | TS);
  });
  it('CHANGED.SMSW: SMSW stores CR0 as seen through the mask and read shadow (also at CPL 3)', () => {
    const s = user(cpu(withVmcs(guest(), { CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: TS }), { cr0: CR0 }));
    const r = run(s, { op: 'SMSW', dst: RAX });
    expect(expectRetired(r).cpu.gpr[RAX]).toBe(CR0 | TS);
    expect(cites(r, 'CHANGED.SMSW')).toBe(true);
  });

  const cr4Masked = (s = guest()) => withVmcs(s, { CR4_GUEST_HOST_MASK: 1n << 13n, CR4_READ_SHADOW: 0x20n });
  it('EXIT.CR4.WRITE.MASK: exits: writing VMXE = 1 when the VMM shows the guest VMXE = 0', () => {
    const e = expectExit(run(gprs(cr4Masked(), { [RAX]: CR4 }), { op: 'MOV_TO_CR', cr: 4, src: RAX }), 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 4, accessType: 0, gpr: RAX });
  });
  it('EXIT.CR4.WRITE.MASK: does not exit: writing VMXE = 0 matches the shadow; the real VMXE stays 1', () => {
    const r = run(gprs(cr4Masked(), { [RAX]: 0x20n | (1n << 7n) }), { op: 'MOV_TO_CR', cr: 4, src: RAX });
    expect(expectRetired(r).cpu.cr4).toBe(CR4 | (1n << 7n));
  });
  it('CHANGED.CR4.WRITE: an unmasked bit must keep its VMX-fixed value (clearing unmasked VMXE is #GP(0))', () => {
    const r = run(gprs(guest(), { [RAX]: 0x20n }), { op: 'MOV_TO_CR', cr: 4, src: RAX });
    expectFault(r, 13);
    expect(cites(r, 'CHANGED.CR4.WRITE')).toBe(true);
  });
  it('CHANGED.CR4.READ: MOV from CR4 shows the shadow for masked bits (VMXE hidden)', () => {
    const r = run(cr4Masked(), { op: 'MOV_FROM_CR', cr: 4, dst: RAX });
    expect(expectRetired(r).cpu.gpr[RAX]).toBe(0x20n);
  });
});

describe('CLTS and LMSW', () => {
  it('EXIT.CLTS: exits: mask.TS = 1 and shadow.TS = 1, qualification access type 2', () => {
    const e = expectExit(run(withVmcs(guest(), { CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: TS }), { op: 'CLTS' }), 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 0, accessType: 2, gpr: 0 });
  });
  it('EXIT.CLTS: does not exit: mask.TS = 0 clears CR0.TS normally', () => {
    const after = expectRetired(run(cpu(guest(), { cr0: CR0 | TS }), { op: 'CLTS' }));
    expect(after.cpu.cr0 & TS).toBe(0n);
  });
  it('CHANGED.CLTS: mask.TS = 1 with shadow.TS = 0: CLTS completes and leaves CR0.TS set', () => {
    const r = run(cpu(withVmcs(guest(), { CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: 0n }), { cr0: CR0 | TS }), { op: 'CLTS' });
    expect(expectRetired(r).cpu.cr0 & TS).toBe(TS);
    expect(cites(r, 'CHANGED.CLTS')).toBe(true);
  });

  it('EXIT.LMSW: exits: LMSW AX setting PE with mask.PE = 1 and shadow.PE = 0, source data in the qualification', () => {
    const e = expectExit(run(gprs(withVmcs(guest(), { CR0_GUEST_HOST_MASK: 1n, CR0_READ_SHADOW: 0n }), { [RAX]: 0x31n }), { op: 'LMSW', src: RAX }), 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 0, accessType: 3, lmswOperandType: 0, lmswSourceData: 0x31 });
  });
  it('EXIT.LMSW: exits: LMSW [RBX] (memory form) records operand type 1 and the guest-linear address', () => {
    const s = withMemory(gprs(withVmcs(guest(), { CR0_GUEST_HOST_MASK: MP, CR0_READ_SHADOW: 0n }), { [RBX]: 0x30000n }), [[0x30000n, 0x3n]]);
    const e = expectExit(run(s, { op: 'LMSW', mem: { base: RBX, disp: 0n } }), 28);
    expect(qual(e.qualification)).toMatchObject({ accessType: 3, lmswOperandType: 1, lmswSourceData: 3 });
    expect(e.guestLinearAddress).toBe(0x30000n);
  });
  it('EXIT.LMSW: does not exit: only the unmasked MP bit changes (mask.TS = 1, shadow.TS = 0, source.TS = 0)', () => {
    const r = run(gprs(withVmcs(guest(), { CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: 0n }), { [RAX]: 0x3n }), { op: 'LMSW', src: RAX });
    expect(expectRetired(r).cpu.cr0).toBe(CR0 | MP);
  });
  it('CHANGED.LMSW: LMSW without an exit keeps masked CR0[3:0] bits and never clears PE', () => {
    const s = cpu(withVmcs(guest(), { CR0_GUEST_HOST_MASK: TS, CR0_READ_SHADOW: TS }), { cr0: CR0 | TS });
    const r = run(gprs(s, { [RAX]: 0x8n }), { op: 'LMSW', src: RAX });
    expect(expectRetired(r).cpu.cr0).toBe(CR0 | TS);
    expect(cites(r, 'CHANGED.LMSW')).toBe(true);
  });
  it('PRIORITY.OPERAND: a fault fetching the LMSW memory operand (misaligned here) comes before the exit its value would cause', () => {
    const s = gprs(withVmcs(guest(), { CR0_GUEST_HOST_MASK: MP, CR0_READ_SHADOW: 0n }), { [RBX]: 0x30001n });
    const r = run(s, { op: 'LMSW', mem: { base: RBX, disp: 0n } });
    expectFault(r, 13);
    expect(cites(r, 'PRIORITY.OPERAND')).toBe(true);
  });
});

describe('CR3', () => {
  const loading = (value: bigint) =>
    gprs(withVmcs(control(guest(), 'proc.CR3_LOAD_EXITING'), { CR3_TARGET_COUNT: 2n, CR3_TARGET_VALUE0: 0x4000n, CR3_TARGET_VALUE1: 0x8000n }), { [RAX]: value });
  it('EXIT.CR3.LOAD.TARGET: exits: CR3-load exiting with a source that is none of the first 2 target values', () => {
    const e = expectExit(run(loading(0x9000n), { op: 'MOV_TO_CR', cr: 3, src: RAX }), 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 3, accessType: 0, gpr: RAX });
  });
  it('EXIT.CR3.LOAD.TARGET: exits: a target value beyond the CR3-target count does not count', () => {
    const s = withVmcs(loading(0x8000n), { CR3_TARGET_COUNT: 1n });
    expectExit(run(s, { op: 'MOV_TO_CR', cr: 3, src: RAX }), 28);
  });
  it('EXIT.CR3.LOAD.TARGET: does not exit: the source equals CR3-target value 1', () => {
    expect(expectRetired(run(loading(0x8000n), { op: 'MOV_TO_CR', cr: 3, src: RAX })).cpu.cr3).toBe(0x8000n);
  });
  it('EXIT.CR3.STORE: exits: CR3-store exiting, qualification MOV from CR3 with the destination register', () => {
    const e = expectExit(run(control(guest(), 'proc.CR3_STORE_EXITING'), { op: 'MOV_FROM_CR', cr: 3, dst: RBX }), 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 3, accessType: 1, gpr: RBX });
  });
  it('EXIT.CR3.STORE: does not exit: CR3-store exiting = 0 reads CR3', () => {
    expect(expectRetired(run(guest(), { op: 'MOV_FROM_CR', cr: 3, dst: RBX })).cpu.gpr[RBX]).toBe(GUEST_LAYOUT.pml4);
  });
  it('PRIORITY.CPL: MOV to CR3 at CPL 3 is #GP(0) even with CR3-load exiting', () => {
    const r = run(user(loading(0x9000n)), { op: 'MOV_TO_CR', cr: 3, src: RAX });
    expectFault(r, 13);
    expect(cites(r, 'PRIORITY.CPL')).toBe(true);
  });
});

describe('CR8 and the TPR shadow', () => {
  const tpr = (s = guest()) => withVmcs(control(s, 'proc.USE_TPR_SHADOW'), { TPR_THRESHOLD: 5n });
  it('EXIT.CR8.LOAD: exits: CR8-load exiting, qualification CR8 / MOV to CR', () => {
    const e = expectExit(run(control(guest(), 'proc.CR8_LOAD_EXITING'), { op: 'MOV_TO_CR', cr: 8, src: RCX }), 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 8, accessType: 0, gpr: RCX });
    expect(e.instructionLength).toBe(4);
  });
  it('EXIT.CR8.LOAD: does not exit: without CR8-load exiting or TPR shadow, MOV to CR8 writes the TPR', () => {
    expect(expectRetired(run(gprs(guest(), { [RCX]: 9n }), { op: 'MOV_TO_CR', cr: 8, src: RCX })).cpu.cr8).toBe(9n);
  });
  it('EXIT.CR8.STORE: exits: CR8-store exiting', () => {
    const e = expectExit(run(control(guest(), 'proc.CR8_STORE_EXITING'), { op: 'MOV_FROM_CR', cr: 8, dst: RAX }), 28);
    expect(qual(e.qualification)).toMatchObject({ crNumber: 8, accessType: 1 });
  });
  it('EXIT.CR8.STORE: does not exit: CR8-store exiting = 0 reads the TPR', () => {
    expect(expectRetired(run(cpu(guest(), { cr8: 4n }), { op: 'MOV_FROM_CR', cr: 8, dst: RAX })).cpu.gpr[RAX]).toBe(4n);
  });
  it('CHANGED.CR8.READ: with the TPR shadow, MOV from CR8 returns VTPR[7:4]', () => {
    const s = withMemory(tpr(), [[VTPR, 0xa7n]]);
    const r = run(s, { op: 'MOV_FROM_CR', cr: 8, dst: RAX });
    expect(expectRetired(r).cpu.gpr[RAX]).toBe(0xan);
    expect(cites(r, 'CHANGED.CR8.READ')).toBe(true);
  });
  it('CHANGED.CR8.WRITE: with the TPR shadow, MOV to CR8 writes source[3:0] to VTPR[7:4], clears the rest, leaves the real TPR', () => {
    const s = withMemory(tpr(), [[VTPR, 0x1234_0000_ffff_ffffn]]);
    const r = run(gprs(cpu(s, { cr8: 1n }), { [RAX]: 6n }), { op: 'MOV_TO_CR', cr: 8, src: RAX });
    const after = expectRetired(r);
    expect(readMemory32(after.memory, VTPR)).toBe(0x60n);
    expect(readMemory32(after.memory, VTPR + 4n)).toBe(0x1234_0000n);
    expect(after.cpu.cr8).toBe(1n);
  });
  it('EXIT.TPR.BELOW.THRESHOLD: exits: VTPR[7:4] = 2 < threshold 5 — trap-like, after VTPR is written, RIP advanced', () => {
    const s = gprs(tpr(), { [RAX]: 2n });
    const r = run(s, { op: 'MOV_TO_CR', cr: 8, src: RAX });
    const e = expectExit(r, 43);
    expect(e.qualification).toBe(0n);
    expect(e.instructionLength).toBeNull();
    expect(readMemory32(r.state.memory, VTPR)).toBe(0x20n);
    expect(cites(r, 'CHANGED.CR8.WRITE')).toBe(true);
  });
  it('EXIT.TPR.BELOW.THRESHOLD: does not exit: VTPR[7:4] = 6 ≥ threshold 5', () => {
    const r = run(gprs(tpr(), { [RAX]: 6n }), { op: 'MOV_TO_CR', cr: 8, src: RAX });
    expectRetired(r);
    expect(cites(r, 'EXIT.TPR.BELOW.THRESHOLD')).toBe(true);
  });
  it('PRIORITY.FAULTLIKE: CR8-load exiting beats the #GP(0) of a reserved CR8 value', () => {
    const r = run(gprs(control(guest(), 'proc.CR8_LOAD_EXITING'), { [RAX]: 0x10n }), { op: 'MOV_TO_CR', cr: 8, src: RAX });
    expectExit(r, 28);
    expect(cites(r, 'PRIORITY.FAULTLIKE')).toBe(true);
    expectFault(run(gprs(guest(), { [RAX]: 0x10n }), { op: 'MOV_TO_CR', cr: 8, src: RAX }), 13);
  });
});
