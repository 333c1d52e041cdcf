/**
 * The reference CPU's instruction-caused VM exits (§25.1.2–25.1.3): for every exit rule one case that
 * exits (with its exit information) and one that does not. Titles start with the rule ID.
 */
import { describe, expect, it } from 'vitest';
import type { ControlName } from '../../../../spec/vtx/controls.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import {
  bitmapBit, cpl3, cpu, exitOf, fields, guest, GUEST_LAYOUT as L, ins, on, regs, run, SKYLAKE, MAX, type Edit,
} from './test-support.js';

interface Row {
  readonly rule: string;
  readonly what: string;
  readonly edits: readonly Edit[];
  readonly i: GuestInstruction;
  /** Expected exit information (checked field by field), or the kind of a non-exit observation. */
  readonly expect: Partial<ExitInformation> | 'retired' | 'delivered';
  readonly max?: boolean;
}

const exits = (rule: string, what: string, edits: Edit[], i: GuestInstruction, expect: Partial<ExitInformation>, max = false): Row => ({ rule, what: `exits: ${what}`, edits, i, expect, max });
const stays = (rule: string, what: string, edits: Edit[], i: GuestInstruction, expect: 'retired' | 'delivered' = 'retired', max = false): Row => ({ rule, what: `does not exit: ${what}`, edits, i, expect, max });
const c = (...n: ControlName[]): Edit => on(...n);
const mem = { base: 3, disp: 0x10n };

const ROWS: readonly Row[] = [
  exits('EXIT.CPUID', 'CPUID always', [], { op: 'CPUID' }, { reason: 10, qualification: 0n, instructionLength: 2 }),
  exits('EXIT.GETSEC', 'GETSEC with CR4.SMXE = 1', [cpu({ cr4: 0x6020n })], { op: 'GETSEC' }, { reason: 11, instructionLength: 2 }),
  stays('EXIT.GETSEC', 'GETSEC with CR4.SMXE = 0 is #UD', [], { op: 'GETSEC' }, 'delivered'),
  exits('EXIT.INVD', 'INVD at CPL 0', [], { op: 'INVD' }, { reason: 13 }),
  stays('EXIT.INVD', 'INVD at CPL 3 is #GP first (PRIORITY.CPL)', [cpl3], { op: 'INVD' }, 'delivered'),
  exits('EXIT.XSETBV', 'XSETBV with CR4.OSXSAVE = 1', [cpu({ cr4: 0x4_2020n })], { op: 'XSETBV' }, { reason: 55, instructionLength: 3 }),
  stays('EXIT.XSETBV', 'XSETBV with CR4.OSXSAVE = 0 is #UD', [], { op: 'XSETBV' }, 'delivered'),
  exits('EXIT.VMCALL', 'VMCALL, even at CPL 3', [cpl3], { op: 'VMCALL' }, { reason: 18, instructionLength: 3 }),
  stays('EXIT.VMCALL', 'a NOP', [], { op: 'NOP' }),
  exits('EXIT.VMLAUNCH', 'VMLAUNCH', [], { op: 'VMLAUNCH' }, { reason: 20 }),
  stays('EXIT.VMLAUNCH', 'VMLAUNCH in compatibility mode is #UD', [cpu({ csL: false })], { op: 'VMLAUNCH' }, 'delivered'),
  exits('EXIT.VMRESUME', 'VMRESUME', [], { op: 'VMRESUME' }, { reason: 24 }),
  stays('EXIT.VMRESUME', 'VMRESUME in compatibility mode is #UD', [cpu({ csL: false })], { op: 'VMRESUME' }, 'delivered'),
  exits('EXIT.VMXOFF', 'VMXOFF', [], { op: 'VMXOFF' }, { reason: 26 }),
  stays('EXIT.VMXOFF', 'VMXOFF in compatibility mode is #UD', [cpu({ csL: false })], { op: 'VMXOFF' }, 'delivered'),
  exits('EXIT.VMCLEAR', 'VMCLEAR [RBX+10H]: displacement and instruction information', [], { op: 'VMCLEAR', mem }, { reason: 19, qualification: 0x10n, instructionInfo: (2 << 7) | (3 << 15) | (1 << 22) | (3 << 23), instructionLength: 5 }),
  stays('EXIT.VMCLEAR', 'VMCLEAR in compatibility mode is #UD', [cpu({ csL: false })], { op: 'VMCLEAR', mem }, 'delivered'),
  exits('EXIT.VMPTRLD', 'VMPTRLD', [], { op: 'VMPTRLD', mem }, { reason: 21, qualification: 0x10n }),
  stays('EXIT.VMPTRLD', 'VMPTRLD in compatibility mode is #UD', [cpu({ csL: false })], { op: 'VMPTRLD', mem }, 'delivered'),
  exits('EXIT.VMPTRST', 'VMPTRST', [], { op: 'VMPTRST', mem }, { reason: 22 }),
  stays('EXIT.VMPTRST', 'VMPTRST in compatibility mode is #UD', [cpu({ csL: false })], { op: 'VMPTRST', mem }, 'delivered'),
  exits('EXIT.VMXON', 'VMXON', [], { op: 'VMXON', mem }, { reason: 27 }),
  stays('EXIT.VMXON', 'VMXON in compatibility mode is #UD', [cpu({ csL: false })], { op: 'VMXON', mem }, 'delivered'),
  exits('EXIT.INVEPT', 'INVEPT: type register in bits 31:28', [], { op: 'INVEPT', type: 9, mem }, { reason: 50, instructionInfo: ((2 << 7) | (3 << 15) | (1 << 22) | (3 << 23) | (9 << 28)) >>> 0 }),
  stays('EXIT.INVEPT', 'INVEPT in compatibility mode is #UD', [cpu({ csL: false })], { op: 'INVEPT', type: 9, mem }, 'delivered'),
  exits('EXIT.INVVPID', 'INVVPID', [], { op: 'INVVPID', type: 1, mem }, { reason: 53 }),
  stays('EXIT.INVVPID', 'INVVPID in compatibility mode is #UD', [cpu({ csL: false })], { op: 'INVVPID', type: 1, mem }, 'delivered'),
  exits('EXIT.VMREAD', 'VMREAD without VMCS shadowing', [], { op: 'VMREAD', dst: 1, encoding: 2 }, { reason: 23, qualification: 0n, instructionInfo: ((1 << 3) | (1 << 10) | (2 << 28)) >>> 0 }),
  stays('EXIT.VMREAD', 'VMREAD through VMCS shadowing (bitmap bit 0): VMfailInvalid without a shadow VMCS', [c('proc2.VMCS_SHADOWING'), fields({ VMREAD_BITMAP: 0x13000n }), regs({ 2: 0x4400n })], { op: 'VMREAD', dst: 1, encoding: 2 }),
  exits('EXIT.VMWRITE', 'VMWRITE with the bitmap bit set', [c('proc2.VMCS_SHADOWING'), fields({ VMWRITE_BITMAP: 0x14000n }), bitmapBit(0x14000n, 0x4400), regs({ 2: 0x4400n })], { op: 'VMWRITE', src: 1, encoding: 2 }, { reason: 25 }),
  stays('EXIT.VMWRITE', 'VMWRITE through VMCS shadowing', [c('proc2.VMCS_SHADOWING'), fields({ VMWRITE_BITMAP: 0x14000n }), regs({ 2: 0x4400n })], { op: 'VMWRITE', src: 1, encoding: 2 }),
  exits('EXIT.HLT', 'HLT with HLT exiting', [c('proc.HLT_EXITING')], { op: 'HLT' }, { reason: 12, instructionLength: 1 }),
  stays('EXIT.HLT', 'HLT without HLT exiting', [], { op: 'HLT' }),
  exits('EXIT.INVLPG', 'INVLPG: the linear address is the qualification', [c('proc.INVLPG_EXITING'), regs({ 3: 0x20_0000n })], { op: 'INVLPG', mem }, { reason: 14, qualification: 0x20_0010n }),
  stays('EXIT.INVLPG', 'INVLPG without INVLPG exiting', [], { op: 'INVLPG', mem }),
  exits('EXIT.INVPCID', 'INVPCID with INVLPG exiting and enable INVPCID', [c('proc.INVLPG_EXITING', 'proc2.ENABLE_INVPCID')], { op: 'INVPCID', type: 1, mem }, { reason: 58, qualification: 0x10n }),
  stays('EXIT.INVPCID', 'INVPCID with enable INVPCID only', [c('proc2.ENABLE_INVPCID')], { op: 'INVPCID', type: 1, mem }),
  stays('CHANGED.INVPCID.UD', 'INVPCID without enable INVPCID is #UD', [c('proc.INVLPG_EXITING')], { op: 'INVPCID', type: 1, mem }, 'delivered'),
  exits('EXIT.RDPMC', 'RDPMC with RDPMC exiting', [c('proc.RDPMC_EXITING')], { op: 'RDPMC' }, { reason: 15 }),
  stays('EXIT.RDPMC', 'RDPMC without RDPMC exiting', [], { op: 'RDPMC' }),
  exits('EXIT.RDTSC', 'RDTSC with RDTSC exiting', [c('proc.RDTSC_EXITING')], { op: 'RDTSC' }, { reason: 16, instructionLength: 2 }),
  stays('EXIT.RDTSC', 'RDTSC without RDTSC exiting', [], { op: 'RDTSC' }),
  exits('EXIT.RDTSCP', 'RDTSCP with RDTSC exiting and enable RDTSCP', [c('proc.RDTSC_EXITING', 'proc2.ENABLE_RDTSCP')], { op: 'RDTSCP' }, { reason: 51 }),
  stays('EXIT.RDTSCP', 'RDTSCP with enable RDTSCP only', [c('proc2.ENABLE_RDTSCP')], { op: 'RDTSCP' }),
  stays('CHANGED.RDTSCP.UD', 'RDTSCP without enable RDTSCP is #UD', [c('proc.RDTSC_EXITING')], { op: 'RDTSCP' }, 'delivered'),
  exits('EXIT.RSM', 'RSM in SMM', [cpu({ inSmm: true })], { op: 'RSM' }, { reason: 17 }),
  stays('EXIT.RSM', 'RSM outside SMM is #UD', [], { op: 'RSM' }, 'delivered'),
  exits('EXIT.WBINVD', 'WBINVD with WBINVD exiting', [c('proc2.WBINVD_EXITING')], { op: 'WBINVD' }, { reason: 54 }),
  stays('EXIT.WBINVD', 'WBINVD without WBINVD exiting', [], { op: 'WBINVD' }),
  exits('EXIT.MWAIT', 'MWAIT with MWAIT exiting (monitoring not armed: qualification 0)', [c('proc.MWAIT_EXITING')], { op: 'MWAIT' }, { reason: 36, qualification: 0n }),
  stays('EXIT.MWAIT', 'MWAIT without MWAIT exiting', [], { op: 'MWAIT' }),
  exits('EXIT.MONITOR', 'MONITOR with MONITOR exiting', [c('proc.MONITOR_EXITING')], { op: 'MONITOR' }, { reason: 39 }),
  stays('EXIT.MONITOR', 'MONITOR without MONITOR exiting', [], { op: 'MONITOR' }),
  exits('EXIT.PAUSE', 'PAUSE with PAUSE exiting, at CPL 3 too', [c('proc.PAUSE_EXITING'), cpl3], { op: 'PAUSE' }, { reason: 40 }),
  stays('EXIT.PAUSE', 'PAUSE without PAUSE exiting', [], { op: 'PAUSE' }),
  exits('EXIT.RDRAND', 'RDRAND: destination and operand size in the instruction information', [c('proc2.RDRAND_EXITING')], { op: 'RDRAND', dst: 5 }, { reason: 57, instructionInfo: (5 << 3) | (2 << 11) }),
  stays('EXIT.RDRAND', 'RDRAND without RDRAND exiting', [], { op: 'RDRAND', dst: 5 }),
  exits('EXIT.RDSEED', 'RDSEED with RDSEED exiting', [c('proc2.RDSEED_EXITING')], { op: 'RDSEED', dst: 1 }, { reason: 61 }),
  stays('EXIT.RDSEED', 'RDSEED without RDSEED exiting', [], { op: 'RDSEED', dst: 1 }),
  exits('EXIT.DTABLE.GDTR_IDTR', 'SGDT with descriptor-table exiting (identity 0)', [c('proc2.DESCRIPTOR_TABLE_EXITING')], { op: 'SGDT', mem }, { reason: 46, qualification: 0x10n, instructionInfo: (2 << 7) | (3 << 15) | (1 << 22) | (3 << 23) }),
  stays('EXIT.DTABLE.GDTR_IDTR', 'SIDT without descriptor-table exiting', [regs({ 3: 0x20_0000n })], { op: 'SIDT', mem }),
  exits('EXIT.DTABLE.LDTR_TR', 'STR with descriptor-table exiting (register operand, identity 1)', [c('proc2.DESCRIPTOR_TABLE_EXITING')], { op: 'STR', dst: 6 }, { reason: 47, qualification: 0n, instructionInfo: ((6 << 3) | (1 << 10) | (1 << 28)) >>> 0 }),
  stays('EXIT.DTABLE.LDTR_TR', 'SLDT without descriptor-table exiting', [], { op: 'SLDT', dst: 6 }),
  exits('EXIT.MOVDR', 'MOV DR7, RCX (qualification: DR 7, to DR, RCX)', [c('proc.MOV_DR_EXITING')], { op: 'MOV_TO_DR', dr: 7, src: 1 }, { reason: 29, qualification: 0x107n }),
  stays('EXIT.MOVDR', 'MOV RAX, DR6 without MOV-DR exiting', [], { op: 'MOV_FROM_DR', dr: 6, dst: 0 }),
  exits('PRIORITY.MOVDR', 'MOV-DR exiting beats the CPL 3 #GP', [c('proc.MOV_DR_EXITING'), cpl3], { op: 'MOV_FROM_DR', dr: 0, dst: 2 }, { reason: 29, qualification: 0x210n }),
  stays('PRIORITY.CPL', 'RDMSR at CPL 3 is #GP, not an exit', [cpl3], { op: 'RDMSR' }, 'delivered'),
  exits('EXIT.XSAVES', 'XSAVES when EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap is not 0', [c('proc2.ENABLE_XSAVES_XRSTORS'), cpu({ cr4: 0x4_2020n, msrs: new Map([[0xda0, 0x100n]]) }), fields({ XSS_EXIT_BITMAP: 0x100n }), regs({ 0: 0x100n })], { op: 'XSAVES', mem }, { reason: 63 }),
  stays('EXIT.XSAVES', 'XSAVES with an empty intersection', [c('proc2.ENABLE_XSAVES_XRSTORS'), cpu({ cr4: 0x4_2020n }), fields({ XSS_EXIT_BITMAP: 0x100n }), regs({ 0: 0x100n })], { op: 'XSAVES', mem }),
  exits('EXIT.XRSTORS', 'XRSTORS when the intersection is not 0', [c('proc2.ENABLE_XSAVES_XRSTORS'), cpu({ cr4: 0x4_2020n, msrs: new Map([[0xda0, 0x1n]]) }), fields({ XSS_EXIT_BITMAP: 0x1n }), regs({ 0: 0x1n })], { op: 'XRSTORS', mem }, { reason: 64 }),
  stays('CHANGED.XSAVES.UD', 'XRSTORS without enable XSAVES/XRSTORS is #UD', [cpu({ cr4: 0x4_2020n })], { op: 'XRSTORS', mem }, 'delivered'),
  exits('EXIT.ENCLS', 'ENCLS with ENCLS exiting and bitmap bit EAX', [c('proc2.ENABLE_ENCLS_EXITING'), fields({ ENCLS_EXITING_BITMAP: 0x4n }), regs({ 0: 2n })], { op: 'ENCLS' }, { reason: 60 }, true),
  stays('EXIT.ENCLS', 'ENCLS with the bitmap bit clear: #GP(0), SGX is not enabled in IA32_FEATURE_CONTROL', [c('proc2.ENABLE_ENCLS_EXITING'), regs({ 0: 2n })], { op: 'ENCLS' }, 'delivered', true),
];

describe('instruction-caused VM exits of the reference CPU', () => {
  for (const row of ROWS) {
    it(`${row.rule}: ${row.what}`, () => {
      const profile = row.max === true ? MAX : SKYLAKE;
      const { o, after } = run(guest(profile, ...row.edits), ins(row.i), profile);
      if (typeof row.expect === 'string') {
        expect(o.kind).toBe(row.expect);
        expect(after.vmx).toBe('non-root');
      } else {
        expect(exitOf(o)).toMatchObject(row.expect);
        expect(after.vmx).toBe('root');
      }
    });
  }

  it('EXIT.VMREAD: does not exit: the shadow read fails with VMfailInvalid (CF = 1) and RIP advances', () => {
    const s = guest(SKYLAKE, c('proc2.VMCS_SHADOWING'), fields({ VMREAD_BITMAP: 0x13000n }), regs({ 2: 0x4400n }));
    const { o, after } = run(s, ins({ op: 'VMREAD', dst: 1, encoding: 2 }));
    expect(o.kind).toBe('retired');
    expect(after.cpu.rflags & 1n).toBe(1n);
    expect(after.cpu.rip).toBe(L.rip + 3n);
  });
});
