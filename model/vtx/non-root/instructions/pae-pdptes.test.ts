// Vol. 3A §4.4.1: MOV to CR0/CR3/CR4 loads the PDPTE registers of PAE paging (PAGING.PAE.LOAD).
import { describe, expect, it } from 'vitest';
import { readMemory64 } from '../../../../spec/vtx/state.js';
import { cites, control, cpu, expectExit, expectFault, expectRetired, GUEST_LAYOUT, gprs, guest, run, vmcs, withMemory, withVmcs } from './test-support.js';

const RAX = 0;
const CR0 = 0x8000_0031n; // PG, NE, ET, PE
const CR4 = 0x2020n; // VMXE, PAE
const P = 1n;
const OLD = 0x40000n, NEW = 0x41000n;
const TABLE = [0x50000n | P, 0n, 0x52000n | P, 0x53000n | P];
const OLD_REGISTERS = [0x60000n | P, 0n, 0n, 0n];

/** A 32-bit guest kernel using PAE paging, PDPTE registers loaded from the table at OLD, the table at NEW ready. */
const pae = () => withMemory(
  cpu(guest(), { cr0: CR0, cr4: CR4, efer: 0n, csL: false, cr3: OLD, pdpte: OLD_REGISTERS }),
  TABLE.map((e, i) => [NEW + BigInt(8 * i), e] as const),
);
const gpExits = (s: ReturnType<typeof pae>) => withVmcs(s, { EXCEPTION_BITMAP: 1n << 13n });

describe('PAE paging: loading the PDPTE registers', () => {
  it('PAGING.PAE.LOAD: MOV to CR3 with PAE paging in use loads the four PDPTEs of the new table', () => {
    const r = run(gprs(pae(), { [RAX]: NEW }), { op: 'MOV_TO_CR', cr: 3, src: RAX });
    const after = expectRetired(r);
    expect(after.cpu.cr3).toBe(NEW);
    expect(after.cpu.pdpte).toEqual(TABLE);
    expect(cites(r, 'PAGING.PAE.LOAD')).toBe(true);
  });

  it('PAGING.PAE.LOAD: a present PDPTE with a reserved bit (2:1) set makes MOV to CR3 #GP(0); CR3 and the registers stay', () => {
    const s = withMemory(gpExits(pae()), [[NEW + 8n, 0x51000n | P | 2n]]);
    const r = run(gprs(s, { [RAX]: NEW }), { op: 'MOV_TO_CR', cr: 3, src: RAX });
    expectFault(r, 13);
    expect(vmcs(r.state, 'GUEST_CR3')).toBe(OLD);
    expect(r.state.cpu.pdpte).toEqual(OLD_REGISTERS);
  });

  it('PAGING.PAE.LOAD: a not-present PDPTE may have any other bits set', () => {
    const s = withMemory(pae(), [[NEW + 8n, 0xffff_fff6n]]);
    expect(expectRetired(run(gprs(s, { [RAX]: NEW }), { op: 'MOV_TO_CR', cr: 3, src: RAX })).cpu.pdpte[1]).toBe(0xffff_fff6n);
  });

  it('PAGING.PAE.LOAD: MOV to CR4 changing PGE loads them from CR3; changing OSFXSR does not', () => {
    const s = cpu(pae(), { cr3: NEW });
    expect(expectRetired(run(gprs(s, { [RAX]: CR4 | 0x80n }), { op: 'MOV_TO_CR', cr: 4, src: RAX })).cpu.pdpte).toEqual(TABLE);
    expect(expectRetired(run(gprs(s, { [RAX]: CR4 | 0x200n }), { op: 'MOV_TO_CR', cr: 4, src: RAX })).cpu.pdpte).toEqual(OLD_REGISTERS);
  });

  it('PAGING.PAE.LOAD: MOV to CR0 changing CD loads them; changing WP does not', () => {
    const s = cpu(pae(), { cr3: NEW });
    expect(expectRetired(run(gprs(s, { [RAX]: CR0 | (1n << 30n) }), { op: 'MOV_TO_CR', cr: 0, src: RAX })).cpu.pdpte).toEqual(TABLE);
    expect(expectRetired(run(gprs(s, { [RAX]: CR0 | (1n << 16n) }), { op: 'MOV_TO_CR', cr: 0, src: RAX })).cpu.pdpte).toEqual(OLD_REGISTERS);
  });

  it('PAGING.PAE.LOAD: outside PAE paging (IA-32e mode) MOV to CR3 loads no PDPTEs', () => {
    const s = cpu(guest(), { pdpte: OLD_REGISTERS });
    const after = expectRetired(run(gprs(s, { [RAX]: GUEST_LAYOUT.pml4 }), { op: 'MOV_TO_CR', cr: 3, src: RAX }));
    expect(after.cpu.pdpte).toEqual(OLD_REGISTERS);
  });

  it('PAGING.PAE.LOAD: with EPT the table is read through EPT; a violation reports a read with no guest-linear address (bits 7, 8 = 0)', () => {
    // EPT PDE 0 (guest-physical 0-2 MiB, where the table is) not present.
    const s = withMemory(control(pae(), 'proc2.ENABLE_EPT'), [[GUEST_LAYOUT.eptPd, 0n]]);
    const e = expectExit(run(gprs(withVmcs(s, { EPT_POINTER: GUEST_LAYOUT.eptPml4 | (3n << 3n) | 6n }), { [RAX]: NEW }), { op: 'MOV_TO_CR', cr: 3, src: RAX }), 48);
    expect(e.qualification & 0x187n).toBe(1n);
    expect(e.guestPhysicalAddress).toBe(NEW);
    expect(e.guestLinearAddress).toBeNull();
  });

  it('PAGING.PAE.LOAD: with EPT accessed/dirty flags the PDPTE reads stay reads: a read-only EPT mapping does not exit', () => {
    const s = withMemory(control(pae(), 'proc2.ENABLE_EPT'), [[GUEST_LAYOUT.eptPd, 1n | (6n << 3n) | 0x80n]]);
    const r = run(gprs(withVmcs(s, { EPT_POINTER: GUEST_LAYOUT.eptPml4 | (3n << 3n) | 6n | 0x40n }), { [RAX]: NEW }), { op: 'MOV_TO_CR', cr: 3, src: RAX });
    const after = expectRetired(r);
    expect(after.cpu.pdpte).toEqual(TABLE);
    expect(readMemory64(after.memory, GUEST_LAYOUT.eptPd) & 0x300n).toBe(0x100n); // accessed, not dirty
  });
});
