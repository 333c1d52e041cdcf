/**
 * When the VT-x VMM's virtual interrupts reach the guest: at the boundary, and in the order, in which
 * the native processor takes them — the highest-priority pending event first (Vol. 3A §6.9 Table 6-2:
 * NMI above maskable interrupts; among these the highest vector, §10.8.3.1) once every event of that
 * boundary has arrived — and also at the boundary after the program's last instruction.
 */
import { describe, expect, it } from 'vitest';
import type { GuestEvent } from '../../../spec/vtx/guest/events.js';
import { assemble, type AsmItem } from '../../guests/vtx/assemble.js';
import { handlerOf, LAYOUT, standardGuest } from '../../guests/vtx/layout.js';
import type { ScheduledEvent, VtxGuestProgram } from '../../guests/vtx/program.js';
import { runUnderVmm } from './run.js';
import { sameAsNative } from './test-support.js';

/** Handlers that return at once for the vectors used here. */
const RETURNING: AsmItem[] = [0x02, 0x30, 0xe0].flatMap((v): AsmItem[] => [{ org: handlerOf(v) }, { op: 'IRET' }]);

const prog = (code: AsmItem[], events: ScheduledEvent[], rflags = 0x2n): VtxGuestProgram => ({
  name: 't', description: '', code: assemble([{ org: LAYOUT.code }, ...code, ...RETURNING]).code,
  initial: standardGuest({ rflags }), events, maxInstructions: 100,
});
const at = (after: number, event: GuestEvent): ScheduledEvent => ({ after, event });
const ext = (vector: number): GuestEvent => ({ kind: 'external-interrupt', vector });
const NMI: GuestEvent = { kind: 'nmi' };

const CONFIGS = {
  default: [],
  'interrupt-window polling': ['interrupt-window'],
  'CR8 exiting': ['tpr-shadow'],
  'every helping control off': ['tpr-shadow', 'interrupt-window', 'lazy-fpu', 'ept', 'msr-bitmaps'],
} as const;

describe('virtual interrupts reach the guest in native order', () => {
  it('PAPER.USAGE.INTERRUPT-INJECTION: two interrupts arriving at one boundary: the higher vector first, the other after its IRET', () => {
    // IF = 1; 0x30 and then 0xE0 arrive after the first NOP. The first makes the VMM exit; the second
    // finds it still running and must overtake the first at the entry.
    sameAsNative(prog([{ op: 'NOP' }, { op: 'NOP' }, { op: 'NOP' }], [at(1, ext(0x30)), at(1, ext(0xe0))], 0x202n), [[1, 0xe0], [2, 0x30]], CONFIGS);
  });

  it('PAPER.USAGE.INTERRUPT-INJECTION: an interrupt arriving at the boundary where the guest becomes ready overtakes the one it held', () => {
    // 0x30 waits under IF = 0; STI, NOP opens the window at the boundary where 0xE0 arrives.
    const code: AsmItem[] = [{ op: 'NOP' }, { op: 'STI' }, { op: 'NOP' }, { op: 'NOP' }, { op: 'NOP' }];
    sameAsNative(prog(code, [at(1, ext(0x30)), at(3, ext(0xe0))]), [[3, 0xe0], [4, 0x30]], CONFIGS);
  });

  it('PAPER.USAGE.INTERRUPT-INJECTION: an NMI arriving with an external interrupt is taken first, the interrupt after the NMI handler', () => {
    for (const events of [[at(0, ext(0x30)), at(0, NMI)], [at(0, NMI), at(0, ext(0x30))]]) {
      sameAsNative(prog([{ op: 'NOP' }, { op: 'NOP' }], events, 0x202n), [[0, 2], [1, 0x30]], CONFIGS);
    }
  });

  it('PAPER.USAGE.INTERRUPT-INJECTION: an NMI held by NMI blocking, unblocked by the IRET, comes before a waiting interrupt', () => {
    sameAsNative(prog([{ op: 'NOP' }], [at(0, NMI), at(0, ext(0x30)), at(0, NMI)], 0x202n), [[0, 2], [1, 2], [2, 0x30]], CONFIGS);
  });
});

describe('virtual interrupts made deliverable by the last instruction', () => {
  it('PAPER.USAGE.INTERRUPT-INJECTION: a POPF that sets IF as the last instruction: the waiting interrupt is taken before the run ends', () => {
    const code: AsmItem[] = [{ op: 'MOV_RI', dst: 1, imm: 0x202n }, { op: 'PUSH', src: 1 }, { op: 'POPF' }];
    sameAsNative(prog(code, [at(0, ext(0x30))]), [[3, 0x30]], CONFIGS);
  });

  it('PAPER.USAGE.INTERRUPT-INJECTION: STI then a last NOP (the STI shadow ends with it): taken before the run ends', () => {
    sameAsNative(prog([{ op: 'STI' }, { op: 'NOP' }], [at(0, ext(0x30))]), [[2, 0x30]], CONFIGS);
  });

  it('PAPER.SOLVE.TPR.VTX: a MOV CR8 that unmasks the waiting interrupt as the last instruction: taken before the run ends', () => {
    const code: AsmItem[] = [{ op: 'MOV_RI', dst: 1, imm: 4n }, { op: 'MOV_TO_CR', cr: 8, src: 1 }, { op: 'MOV_RI', dst: 1, imm: 0n }, { op: 'MOV_TO_CR', cr: 8, src: 1 }];
    sameAsNative(prog(code, [at(2, ext(0x30))], 0x202n), [[4, 0x30]], CONFIGS);
  });

  it('PAPER.USAGE.INTERRUPT-INJECTION: the run ends as natively when the guest ends with the interrupt still masked', () => {
    const p = prog([{ op: 'NOP' }], [at(0, ext(0x30))]);
    sameAsNative(p, [], CONFIGS);
    expect(runUnderVmm(p).guestView.end).toBe('done');
  });
});
