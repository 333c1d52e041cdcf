/**
 * Single-stepping under the VT-x VMM (Vol. 3B §17.3.1.4): an instruction the VMM completes for the
 * guest — CPUID, an intercepted RDMSR, CLTS with the lazy-FPU mask — traps after itself exactly as it
 * does natively (the VMM sets BS in the pending debug exceptions, §26.6.3), and a pending single-step
 * trap comes before an interrupt arriving at the same boundary (Table 6-2), also with a second one.
 */
import { describe, it } from 'vitest';
import type { GuestEvent } from '../../../spec/vtx/guest/events.js';
import { assemble, type AsmItem } from '../../guests/vtx/assemble.js';
import { handlerOf, LAYOUT, standardGuest } from '../../guests/vtx/layout.js';
import type { ScheduledEvent, VtxGuestProgram } from '../../guests/vtx/program.js';
import { sameAsNative } from './test-support.js';

const TF = 0x100n, IF = 0x200n;
/** #DB and the interrupts used here return at once; IRET restores TF, so the whole program is stepped. */
const RETURNING: AsmItem[] = [0x01, 0x30, 0x40].flatMap((v): AsmItem[] => [{ org: handlerOf(v) }, { op: 'IRET' }]);

const prog = (code: AsmItem[], events: ScheduledEvent[] = []): VtxGuestProgram => ({
  name: 't', description: '', code: assemble([{ org: LAYOUT.code }, ...code, ...RETURNING]).code,
  initial: standardGuest({ rflags: 2n | IF | TF }), events, maxInstructions: 100,
});
const ext = (vector: number): GuestEvent => ({ kind: 'external-interrupt', vector });

const CONFIGS = { default: [], 'every helping control off': ['tpr-shadow', 'interrupt-window', 'lazy-fpu', 'ept', 'msr-bitmaps'] } as const;

describe('single-step under the VT-x VMM', () => {
  it('EVENT.DEBUG.SINGLESTEP: instructions the VMM emulates trap after themselves as natively (CPUID, RDMSR, CLTS, NOP)', () => {
    // Each instruction is followed by #DB; the handler's IRET does not trap (TF = 0 as it begins).
    sameAsNative(prog([{ op: 'CPUID' }, { op: 'MOV_RI', dst: 1, imm: 0x174n }, { op: 'RDMSR' }, { op: 'CLTS' }, { op: 'NOP' }]),
      [[1, 1], [3, 1], [5, 1], [7, 1], [9, 1]], CONFIGS);
  });

  it('EVENT.DEBUG.TRAP: a pending single-step trap comes before interrupts arriving at the same boundary, the higher vector next', () => {
    sameAsNative(prog([{ op: 'NOP' }], [{ after: 1, event: ext(0x30) }, { after: 1, event: ext(0x40) }]), [[1, 1], [2, 0x40], [3, 0x30]], CONFIGS);
  });
});
