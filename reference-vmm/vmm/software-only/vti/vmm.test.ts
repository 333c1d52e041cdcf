/**
 * The software-only VT-i VMM on the reference CPU: what reaches it (privileged instructions, the
 * guest's faults, physical interrupts) is handled exactly; what does not is the paper's list of
 * holes (conformance/paper/challenges.test.ts checks those as properties).
 */
import { describe, expect, it } from 'vitest';
import type { VtiStepInput } from '../../../../spec/vti/machine/events.js';
import type { VtiInstruction } from '../../../../spec/vti/machine/instructions.js';
import { DEFAULT_VTI_PROFILE } from '../../../../spec/vti/machine/profile.js';
import { referenceVtiStep } from '../../../cpu/vti/index.js';
import { guestDiff } from '../../vti/guest-view.js';
import { runNative } from '../../vti/native.js';
import type { GuestProgram } from '../../vti/program.js';
import { vtiGuestState, vtiProgram, VTI_KERNEL } from '../../../../conformance/paper/arbitraries.js';
import { BASELINE_VTI_LAYOUT, isVmmAddress } from './layout.js';
import { runUnderSoftwareVmm } from './run.js';

const P = DEFAULT_VTI_PROFILE;
const I = (instruction: VtiInstruction): VtiStepInput => ({ kind: 'instruction', instruction });
/**
 * The one difference a guest handler entered by this VMM shows: its CFLE. The interruption cleared it
 * natively (SDM 2:§6.7-6.8), but without VT the VMM can only return to the handler with rfi, which
 * sets it (ITJ, "Access to Hidden State"; PAPER.CHALLENGE.HIDDEN-STATE).
 */
const HIDDEN_STATE = ['rse.cfle: true vs false'];

const both = (program: GuestProgram) => ({
  native: runNative(referenceVtiStep, P, program),
  l1: runUnderSoftwareVmm(referenceVtiStep, P, '0/1/3', program),
  l3: runUnderSoftwareVmm(referenceVtiStep, P, '0/3/3', program),
});

describe('software-only VT-i VMM', () => {
  it('keeps its IVT and VHPT in the half of region 7 a guest with one implemented bit fewer cannot name', () => {
    expect(isVmmAddress(P, BASELINE_VTI_LAYOUT.ivt)).toBe(true);
    expect(isVmmAddress(P, BASELINE_VTI_LAYOUT.vhpt)).toBe(true);
    expect(isVmmAddress(P, VTI_KERNEL.data)).toBe(false);
    expect(isVmmAddress(P, 0xe000_0000_0010_0000n)).toBe(false);
  });

  it('emulates a privileged read on the guest\'s own state: mov r8 = cr.iva is a Privileged Operation fault, and r8 gets the guest\'s IVA', () => {
    const { native, l1, l3 } = both(vtiProgram([I({ op: 'mov-from-cr', r1: 8, cr: 2 })], { context: 'kernel' }));
    for (const r of [l1, l3]) {
      expect(r.counts.byCause).toEqual({ privilegedOperation: 1 });
      expect(r.guest.gr[8]?.value).toBe(VTI_KERNEL.iva);
      expect(guestDiff(r.guest, native.state)).toEqual([]);
    }
  });

  it('delivers the guest\'s own fault through the guest\'s IVT: a break lands at its IVA + 0x2C00 with IIM', () => {
    const { native, l1 } = both(vtiProgram([I({ op: 'break', imm21: 0x42 })], { context: 'kernel' }));
    expect(native.end).toEqual({ kind: 'halted', at: VTI_KERNEL.iva + 0x2c00n });
    expect(l1.end).toEqual(native.end);
    expect(l1.guest.cr.get(24)).toBe(0x42n);
    expect(guestDiff(l1.guest, native.state)).toEqual(HIDDEN_STATE);
  });

  it('holds a physical interrupt for the guest until the guest unmasks it, as its own LSAPIC would', () => {
    const masked = vtiGuestState({ context: 'kernel' });
    const program: GuestProgram = {
      ...vtiProgram([I({ op: 'rsm', imm24: 1 << 14 }), I({ op: 'nop' }), I({ op: 'ssm', imm24: 1 << 14 }), I({ op: 'nop' })], { context: 'kernel' }),
      events: [{ after: 1, event: { kind: 'external-interrupt', vector: 0x40 } }],
      initial: masked,
    };
    const { native, l1 } = both(program);
    expect(native.end).toEqual({ kind: 'halted', at: VTI_KERNEL.iva + 0x3000n });
    expect(l1.end).toEqual(native.end);
    expect(l1.counts.byCause['external interrupt']).toBe(1);
    expect(guestDiff(l1.guest, native.state)).toEqual(HIDDEN_STATE);
  });

  it('turns its own interval timer into the guest\'s: a clock crossing the guest\'s ITM interrupts it at its ITV vector', () => {
    const program: GuestProgram = {
      ...vtiProgram([I({ op: 'nop' }), I({ op: 'nop' })], { context: 'kernel' }),
      events: [{ after: 1, event: { kind: 'clock', cycles: 1000n } }],
      initial: (profile) => {
        const s = vtiGuestState({ context: 'kernel' })(profile);
        const cr = new Map(s.cr);
        cr.set(1, 500n);
        cr.set(72, 0xe0n);
        return { ...s, cr };
      },
    };
    const { native, l1 } = both(program);
    expect(native.end).toEqual({ kind: 'halted', at: VTI_KERNEL.iva + 0x3000n });
    expect(l1.end).toEqual(native.end);
    expect(l1.counts.byCause).toEqual({ 'external interrupt': 1 });
    expect(guestDiff(l1.guest, native.state)).toEqual(HIDDEN_STATE);
  });

  it('runs ordinary computation without entering the VMM', () => {
    const { native, l3 } = both(vtiProgram([I({ op: 'mov-imm', r1: 2, imm: VTI_KERNEL.data }), I({ op: 'ld8', r1: 8, r3: 2 }), I({ op: 'add', r1: 9, r2: 8, r3: 8 })], { context: 'kernel' }));
    expect(l3.counts.total).toBe(0);
    expect(guestDiff(l3.guest, native.state)).toEqual([]);
  });
});
