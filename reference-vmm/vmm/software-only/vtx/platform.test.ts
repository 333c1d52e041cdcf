/**
 * The software-only VT-x VMM on the native reference CPU: what reaches it (privileged instructions
 * as #GP, SYSENTER at its entry point, page faults, interrupts) is handled exactly; what does not is
 * the paper's list of holes (conformance/paper/challenges.test.ts checks those as properties).
 */
import { describe, expect, it } from 'vitest';
import type { NonRootInput } from '../../../../spec/vtx/guest/events.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { VTX_GUEST } from '../../../../spec/paper/layout.js';
import { runNative } from '../../vtx/run.js';
import { vtxProgram, VTX_KERNEL } from '../../../../conformance/paper/arbitraries.js';
import { VMM_PHYSICAL, vmmAreaBase } from './layout.js';
import { translate } from './memory.js';
import { buildShadow } from './shadow.js';
import { runUnderSoftwareVmm } from './run.js';

const I = (instruction: GuestInstruction): NonRootInput => ({ kind: 'instruction', instruction });

describe('software-only VT-x VMM', () => {
  it('emulates a privileged instruction on the guest\'s own registers: MOV from CR3 enters by #GP and returns the guest\'s CR3, not the shadow root', () => {
    for (const mode of ['protected', 'ia32e'] as const) {
      const p = vtxProgram([I({ op: 'MOV_FROM_CR', cr: 3, dst: 1 })], { mode, startsIn: 'guest kernel' });
      const native = runNative(p).guestView;
      for (const model of ['0/1/3', '0/3/3'] as const) {
        const r = runUnderSoftwareVmm(p, model);
        expect(r.entries.byCause).toEqual({ '#GP': 1 });
        expect(r.guestView.registers.gpr[1]).toBe(mode === 'ia32e' ? VTX_KERNEL.pml4 : VTX_KERNEL.pd32);
        expect(r.guestView).toEqual(native);
      }
    }
  });

  it('keeps EFLAGS.IF for the guest: CLI enters the VMM and clears the guest\'s IF, which the machine keeps set', () => {
    const p = vtxProgram([I({ op: 'CLI' }), I({ op: 'NOP' })], { mode: 'protected', startsIn: 'guest kernel' });
    const native = runNative(p).guestView;
    const r = runUnderSoftwareVmm(p, '0/1/3');
    expect(r.entries.total).toBe(1);
    expect(r.guestView.registers.rflags & 0x200n).toBe(0n);
    expect(r.guestView).toEqual(native);
  });

  it('reflects INT n through the guest\'s IDT (the VMM\'s gates have DPL 0, so INT n reaches it as #GP)', () => {
    const p = vtxProgram([I({ op: 'INT', vector: 0x80 })], { mode: 'ia32e', startsIn: 'guest application' });
    const native = runNative(p).guestView;
    const r = runUnderSoftwareVmm(p, '0/3/3');
    expect(native.log).toEqual([{ kind: 'delivered', at: 0, vector: 0x80, type: 'software-interrupt', errorCode: null }]);
    expect(r.entries.byCause).toEqual({ '#GP': 1 });
    expect(r.guestView.log).toEqual(native.log);
  });

  it('maps its own 4 MiB supervisor-only in the shadow tables, and in 0/3/3 makes the guest\'s kernel page user-accessible', () => {
    const guest = vtxProgram([], { mode: 'ia32e', startsIn: 'guest kernel' }).initial;
    for (const model of ['0/1/3', '0/3/3'] as const) {
      const out = new Map<bigint, bigint>();
      const root = buildShadow(out, guest.memory, VTX_KERNEL.pml4, true, model);
      const all = new Map([...guest.memory, ...out]);
      expect(translate(all, root, true, vmmAreaBase(true) + 0x123n)).toBe(VMM_PHYSICAL + 0x123n);
      expect(translate(all, root, true, VTX_GUEST.kernelPage)).toBe(VTX_GUEST.kernelPage);
      // The U/S bit of the kernel page's entry in the shadow PT.
      const pte = [...out].find(([a, v]) => (a & 0xfffn) === 5n * 8n && (v & ~0xfffn) === VTX_GUEST.kernelPage);
      expect(pte !== undefined && (pte[1] & 4n) !== 0n).toBe(model === '0/3/3');
    }
  });

  it('runs ordinary computation without entering the VMM', () => {
    const p = vtxProgram([I({ op: 'MOV_RI', dst: 1, imm: 7n }), I({ op: 'STORE', size: 8, src: 1, mem: { base: 0, disp: VTX_GUEST.data } }), I({ op: 'PUSH', src: 1 })], { mode: 'protected', startsIn: 'guest kernel' });
    const r = runUnderSoftwareVmm(p, '0/3/3');
    expect(r.entries.total).toBe(0);
    expect(r.guestView).toEqual(runNative(p).guestView);
  });
});
