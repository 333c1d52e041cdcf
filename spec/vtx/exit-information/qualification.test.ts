import { describe, expect, test } from 'vitest';
import { EXIT_REASON_BY_NUMBER } from '../exit-reasons.js';
import type { BitField } from './layout.js';
import { EXIT_QUALIFICATIONS, REASONS_WITH_QUALIFICATION, decodeQualification, qualificationLayout } from './qualification.js';

/** Bit positions each field covers; fails on an overlap or a bit outside [0, width). */
const claimBits = (fields: readonly BitField[], width: number, label: string): Set<number> => {
  const used = new Set<number>();
  for (const f of fields) {
    const [hi, lo] = f.bits;
    expect(hi >= lo && lo >= 0 && hi < width, `${label}.${f.name} bits ${hi}:${lo}`).toBe(true);
    for (let b = lo; b <= hi; b++) {
      expect(used.has(b), `${label}.${f.name} bit ${b} overlaps`).toBe(false);
      used.add(b);
    }
  }
  return used;
};

// Facts C2 ("Set for: …"), as basic exit reasons: #DB/#PF (0), SIPI, I/O SMI, task switch, INVLPG,
// the VMX instructions with memory operands, CR access, MOV DR, I/O, the two entry failures with a
// qualification, MWAIT, APIC access, EOI, descriptor tables, EPT violation, INVEPT, INVVPID, APIC
// write, INVPCID, PML full, XSAVES, XRSTORS.
const FACTS_REASONS = [0, 4, 5, 9, 14, 19, 21, 22, 23, 25, 27, 28, 29, 30, 33, 34, 36, 44, 45, 46, 47, 48, 50, 53, 56, 58, 62, 63, 64];

describe('exit qualification layouts (§27.2.1)', () => {
  test('exactly the exit reasons the facts give a qualification are covered, and each exists', () => {
    expect([...REASONS_WITH_QUALIFICATION].sort((a, b) => a - b)).toEqual(FACTS_REASONS);
    for (const reason of REASONS_WITH_QUALIFICATION) expect(EXIT_REASON_BY_NUMBER.has(reason), `reason ${reason}`).toBe(true);
  });

  test('EPT misconfiguration and unconditional exits such as CPUID have no qualification', () => {
    expect(qualificationLayout(49)).toBeUndefined();
    expect(decodeQualification(10, 0x1234n)).toBeUndefined();
    expect(decodeQualification(0, 0x1234n, 13)).toBeUndefined();
  });

  test('fields of every layout are disjoint within 64 bits, named uniquely, with enumerations that fit', () => {
    for (const [reason, layouts] of Object.entries(EXIT_QUALIFICATIONS)) {
      for (const layout of layouts as readonly { fields: readonly BitField[]; section: string }[]) {
        expect(layout.fields.length, `reason ${reason}`).toBeGreaterThan(0);
        expect(layout.section, `reason ${reason}`).toMatch(/^\d+(\.\d+)+$/);
        claimBits(layout.fields, 64, `reason ${reason}`);
        expect(new Set(layout.fields.map((f) => f.name)).size).toBe(layout.fields.length);
        for (const f of layout.fields) {
          for (const v of Object.keys(f.values ?? {}).map(Number)) {
            expect(v < 2 ** (f.bits[0] - f.bits[1] + 1), `reason ${reason}.${f.name} value ${v}`).toBe(true);
          }
        }
      }
    }
  });

  test('MOV to CR3 from RAX', () => {
    const d = decodeQualification(28, 0x3n);
    expect(d?.fields['crNumber']).toEqual({ value: 3n });
    expect(d?.fields['accessType']).toEqual({ value: 0n, label: 'MOV to CR' });
    expect(d?.fields['gpr']).toEqual({ value: 0n, label: 'RAX' });
    expect(d?.unnamedBits).toBe(0n);
  });

  test('MOV from CR8 to RCX, and LMSW from memory with source data 1', () => {
    const mov = decodeQualification(28, 0x118n);
    expect(mov?.fields['crNumber']?.value).toBe(8n);
    expect(mov?.fields['accessType']?.label).toBe('MOV from CR');
    expect(mov?.fields['gpr']?.label).toBe('RCX');
    const lmsw = decodeQualification(28, 0x1_0070n);
    expect(lmsw?.fields['accessType']?.label).toBe('LMSW');
    expect(lmsw?.fields['lmswOperandType']?.label).toBe('memory');
    expect(lmsw?.fields['lmswSourceData']?.value).toBe(1n);
  });

  test('a reserved bit shows up as unnamed', () => {
    expect(decodeQualification(28, 0x83n)?.unnamedBits).toBe(0x80n);
  });

  test('REP OUTSB to port 3F8H (DX), OUT DX, AL to port 80H, IN AL, 60H', () => {
    const rep = decodeQualification(30, 0x03f8_0030n);
    expect(rep?.fields['size']?.label).toBe('1-byte');
    expect(rep?.fields['direction']?.label).toBe('OUT');
    expect(rep?.fields['string']?.label).toBe('string');
    expect(rep?.fields['rep']?.label).toBe('REP');
    expect(rep?.fields['operandEncoding']?.label).toBe('DX');
    expect(rep?.fields['port']?.value).toBe(0x3f8n);
    const out = decodeQualification(30, 0x0080_0000n);
    expect(out?.fields['string']?.label).toBe('not string');
    expect(out?.fields['rep']?.label).toBe('not REP');
    expect(out?.fields['port']?.value).toBe(0x80n);
    const inImm = decodeQualification(30, 0x0060_0048n);
    expect(inImm?.fields['direction']?.label).toBe('IN');
    expect(inImm?.fields['operandEncoding']?.label).toBe('immediate');
    expect(inImm?.fields['port']?.value).toBe(0x60n);
  });

  test('I/O SMI uses the I/O-instruction layout', () => {
    expect(decodeQualification(5, 0x0071_0009n)?.fields).toEqual(decodeQualification(30, 0x0071_0009n)?.fields);
  });

  test('task switch by IRET to selector 28H; #DB single step with B0; EPT write to a read/execute page', () => {
    const ts = decodeQualification(9, 0x4000_0028n);
    expect(ts?.fields['selector']?.value).toBe(0x28n);
    expect(ts?.fields['source']?.label).toBe('IRET instruction');
    const db = decodeQualification(0, 0x4001n, 1);
    expect(db?.fields['BS']?.value).toBe(1n);
    expect(db?.fields['BD']?.value).toBe(0n);
    expect(db?.fields['breakpointConditions']?.value).toBe(1n);
    const pf = decodeQualification(0, 0xdead_b000n, 14);
    expect(pf?.fields['linearAddress']?.value).toBe(0xdead_b000n);
    const ept = decodeQualification(48, 0x1aan);
    expect(ept?.fields['write']?.value).toBe(1n);
    expect(ept?.fields['read']?.value).toBe(0n);
    expect(ept?.fields['readable']?.value).toBe(1n);
    expect(ept?.fields['writeable']?.value).toBe(0n);
    expect(ept?.fields['executable']?.value).toBe(1n);
    expect(ept?.fields['guestLinearValid']?.value).toBe(1n);
    expect(ept?.fields['finalTranslation']?.label).toBe('translation of the linear address');
    expect(ept?.unnamedBits).toBe(0n);
  });

  test('entry failure 33 names its causes; APIC access names type 15', () => {
    expect(decodeQualification(33, 4n)?.fields['cause']?.label).toBe('invalid VMCS link pointer');
    expect(decodeQualification(33, 1n)?.fields['cause']?.label).toBeUndefined();
    const apic = decodeQualification(44, 0xf0b0n);
    expect(apic?.fields['offset']?.value).toBe(0xb0n);
    expect(apic?.fields['accessType']?.value).toBe(15n);
  });
});
