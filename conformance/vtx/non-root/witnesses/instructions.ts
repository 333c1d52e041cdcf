/**
 * Witnesses for the instruction-triggered exits of §25.1.2 (unconditional) and §25.1.3 (one control
 * each), spec/vtx/non-root/unconditional.ts and instruction-controls.ts.
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { ControlName } from '../../../../spec/vtx/controls.js';
import { control, cpu, fields, gpr, ins, memory, run, RAX, RBX, RDX } from './edit.js';
import type { ExitWitness, Edit } from './witness.js';

const M = { base: RBX, disp: 0n } as const;
/** CR4.OSXSAVE: without it XSETBV, XSAVES and XRSTORS are #UD, which comes before their exits (§25.1.1). */
const OSXSAVE = cpu({ cr4: 0x2020n | (1n << 18n) });

/** Unconditional in non-root operation: there is no control that lets the instruction run. */
const always = (i: GuestInstruction, why = 'the instruction exits unconditionally in VMX non-root operation (§25.1.2)'): ExitWitness =>
  ({ exits: run([], ins(i)), noExit: { impossible: why } });

/** Exits with `controls` set; the same instruction retires (or faults without an exit) with them clear. */
const byControls = (i: GuestInstruction, controls: readonly ControlName[], extra: readonly Edit[] = [], without: readonly Edit[] = []): ExitWitness => ({
  exits: run([...extra, ...controls.map((c) => control(c))], ins(i)),
  noExit: run([...extra, ...without, ...controls.filter((c) => c !== 'proc.ACTIVATE_SECONDARY_CONTROLS').map((c) => control(c, false))], ins(i)),
});

export const UNCONDITIONAL_WITNESSES = {
  'EXIT.CPUID': always({ op: 'CPUID' }),
  'EXIT.GETSEC': {
    exits: run([cpu({ cr4: 0x2020n | (1n << 14n) })], ins({ op: 'GETSEC' })),
    noExit: run([], ins({ op: 'GETSEC' })), // CR4.SMXE = 0: #UD
  },
  'EXIT.INVD': always({ op: 'INVD' }),
  'EXIT.XSETBV': { exits: run([OSXSAVE], ins({ op: 'XSETBV' })), noExit: { impossible: 'XSETBV exits unconditionally once it passes its #UD check (CR4.OSXSAVE = 1, §25.1.1)' } },
  'EXIT.INVEPT': always({ op: 'INVEPT', type: RAX, mem: M }),
  'EXIT.INVVPID': always({ op: 'INVVPID', type: RAX, mem: M }),
  'EXIT.VMCALL': always({ op: 'VMCALL' }),
  'EXIT.VMCLEAR': always({ op: 'VMCLEAR', mem: M }),
  'EXIT.VMLAUNCH': always({ op: 'VMLAUNCH' }),
  'EXIT.VMPTRLD': always({ op: 'VMPTRLD', mem: M }),
  'EXIT.VMPTRST': always({ op: 'VMPTRST', mem: M }),
  'EXIT.VMRESUME': always({ op: 'VMRESUME' }),
  'EXIT.VMXOFF': always({ op: 'VMXOFF' }),
  'EXIT.VMXON': always({ op: 'VMXON', mem: M }),
} as const satisfies Record<string, ExitWitness>;

const SHADOW_BITMAP = 0x13000n;

export const INSTRUCTION_CONTROL_WITNESSES = {
  'EXIT.HLT': byControls({ op: 'HLT' }, ['proc.HLT_EXITING']),
  'EXIT.INVLPG': byControls({ op: 'INVLPG', mem: M }, ['proc.INVLPG_EXITING']),
  'EXIT.INVPCID': byControls({ op: 'INVPCID', type: RAX, mem: M }, ['proc.INVLPG_EXITING'], [control('proc2.ENABLE_INVPCID')]),
  'EXIT.MWAIT': byControls({ op: 'MWAIT' }, ['proc.MWAIT_EXITING']),
  'EXIT.MONITOR': byControls({ op: 'MONITOR' }, ['proc.MONITOR_EXITING']),
  'EXIT.PAUSE': byControls({ op: 'PAUSE' }, ['proc.PAUSE_EXITING']),
  'EXIT.PAUSE.LOOP': {
    // The loop's timing is not part of the state: the model permits the exit; its canonical
    // outcome is judged here with PLE_Window = 0 (every loop has already lasted longer).
    exits: run([control('proc2.PAUSE_LOOP_EXITING'), fields({ PLE_GAP: 0xffff_ffffn, PLE_WINDOW: 0n })], ins({ op: 'PAUSE' })),
    noExit: run([control('proc2.PAUSE_LOOP_EXITING'), fields({ PLE_GAP: 0xffff_ffffn, PLE_WINDOW: 0n }),
      cpu({ cpl: 3 })], ins({ op: 'PAUSE' })), // CPL > 0: loop detection is off
  },
  'EXIT.RDPMC': byControls({ op: 'RDPMC' }, ['proc.RDPMC_EXITING']),
  'EXIT.RDTSC': byControls({ op: 'RDTSC' }, ['proc.RDTSC_EXITING']),
  'EXIT.RDTSCP': byControls({ op: 'RDTSCP' }, ['proc.RDTSC_EXITING'], [control('proc2.ENABLE_RDTSCP')]),
  'EXIT.RDRAND': byControls({ op: 'RDRAND', dst: RAX }, ['proc2.RDRAND_EXITING']),
  'EXIT.RDSEED': byControls({ op: 'RDSEED', dst: RAX }, ['proc2.RDSEED_EXITING']),
  'EXIT.WBINVD': byControls({ op: 'WBINVD' }, ['proc2.WBINVD_EXITING']),
  'EXIT.DTABLE.GDTR_IDTR': byControls({ op: 'SGDT', mem: M }, ['proc2.DESCRIPTOR_TABLE_EXITING'], [gpr({ [RBX]: 0x30000n })]),
  'EXIT.DTABLE.LDTR_TR': byControls({ op: 'STR', dst: RAX }, ['proc2.DESCRIPTOR_TABLE_EXITING']),
  'EXIT.MOVDR': byControls({ op: 'MOV_FROM_DR', dr: 7, dst: RAX }, ['proc.MOV_DR_EXITING']),
  'EXIT.RSM': {
    exits: run([cpu({ inSmm: true })], ins({ op: 'RSM' })),
    noExit: run([], ins({ op: 'RSM' })), // outside SMM: #UD
  },
  'EXIT.VMREAD': {
    exits: run([], ins({ op: 'VMREAD', dst: RAX, encoding: RDX })),
    // VMCS shadowing with a clear VMREAD-bitmap bit: the read goes to the shadow VMCS, no exit.
    noExit: run([control('proc2.VMCS_SHADOWING'), fields({ VMREAD_BITMAP: SHADOW_BITMAP, VMWRITE_BITMAP: SHADOW_BITMAP }), gpr({ [RDX]: 0x681en })],
      ins({ op: 'VMREAD', dst: RAX, encoding: RDX })),
  },
  'EXIT.VMWRITE': {
    exits: run([], ins({ op: 'VMWRITE', src: RAX, encoding: RDX })),
    noExit: run([control('proc2.VMCS_SHADOWING'), fields({ VMREAD_BITMAP: SHADOW_BITMAP, VMWRITE_BITMAP: SHADOW_BITMAP }), gpr({ [RDX]: 0x681en })],
      ins({ op: 'VMWRITE', src: RAX, encoding: RDX })),
  },
  'EXIT.ENCLS': {
    exits: run([control('proc2.ENABLE_ENCLS_EXITING'), fields({ ENCLS_EXITING_BITMAP: 0xffff_ffff_ffff_ffffn })], ins({ op: 'ENCLS' })),
    noExit: run([control('proc2.ENABLE_ENCLS_EXITING'), fields({ ENCLS_EXITING_BITMAP: 0n })], ins({ op: 'ENCLS' })),
  },
  'EXIT.XSAVES': {
    exits: run([OSXSAVE, control('proc2.ENABLE_XSAVES_XRSTORS'), fields({ XSS_EXIT_BITMAP: 1n }), gpr({ [RAX]: 1n, [RBX]: 0x30000n }),
      (s) => ({ ...s, cpu: { ...s.cpu, msrs: new Map(s.cpu.msrs).set(0xda0, 1n) } })], ins({ op: 'XSAVES', mem: M })),
    noExit: run([OSXSAVE, control('proc2.ENABLE_XSAVES_XRSTORS'), fields({ XSS_EXIT_BITMAP: 0n }), gpr({ [RAX]: 1n, [RBX]: 0x30000n }),
      (s) => ({ ...s, cpu: { ...s.cpu, msrs: new Map(s.cpu.msrs).set(0xda0, 1n) } })], ins({ op: 'XSAVES', mem: M })),
  },
  'EXIT.XRSTORS': {
    exits: run([OSXSAVE, control('proc2.ENABLE_XSAVES_XRSTORS'), fields({ XSS_EXIT_BITMAP: 1n }), gpr({ [RAX]: 1n, [RBX]: 0x30000n }),
      (s) => ({ ...s, cpu: { ...s.cpu, msrs: new Map(s.cpu.msrs).set(0xda0, 1n) } })], ins({ op: 'XRSTORS', mem: M })),
    noExit: run([OSXSAVE, control('proc2.ENABLE_XSAVES_XRSTORS'), fields({ XSS_EXIT_BITMAP: 0n }), gpr({ [RAX]: 1n, [RBX]: 0x30000n }),
      (s) => ({ ...s, cpu: { ...s.cpu, msrs: new Map(s.cpu.msrs).set(0xda0, 1n) } }), memory([0x30000n + 512n + 8n, 0n])], ins({ op: 'XRSTORS', mem: M })),
  },
} as const satisfies Record<string, ExitWitness>;
