import { describe, expect, it } from 'vitest';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withVmcs } from '../../../conformance/vtx/non-root/baseline.js';
import type { ControlName } from '../../../spec/vtx/controls.js';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readField, readMemory64, type PendingEvents, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { atBoundary, boundaryChoices } from './boundary.js';
import { arrive } from './events/arrive.js';
import { withControls } from './events/testing.js';
import type { NonRootResult } from './result.js';
import { nonRootStep } from './step.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const base = nonRootBaseline(profile);
const L = GUEST_LAYOUT;
const IF = 0x200n;

const guest = (opts: { controls?: ControlName[]; pending?: Partial<PendingEvents>; cpu?: Parameters<typeof withCpu>[1] } = {}): VtxState => {
  const s = withControls(base, opts.controls ?? []);
  return withCpu(s, { ...opts.cpu, pending: { ...s.cpu.pending, ...opts.pending } });
};
const exitOf = (r: NonRootResult | null) => {
  if (r === null || r.observation.kind !== 'vm-exit') throw new Error(`expected a VM exit, got ${r === null ? 'nothing' : r.observation.kind}`);
  return r.observation.exit;
};
const savedGuest = (s: VtxState, f: 'GUEST_RIP' | 'GUEST_ACTIVITY_STATE' | 'GUEST_INTERRUPTIBILITY_INFO'): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, f);

describe('NMIs (§25.2)', () => {
  it('EXIT.NMI: exits: a pending NMI with "NMI exiting" = 1 (interruption type 2, vector 2)', () => {
    const r = atBoundary(caps, guest({ controls: ['pin.NMI_EXITING'], pending: { nmi: true } }));
    const e = exitOf(r);
    expect(e.reason).toBe(0);
    expect(e.interruptionInfo).toBe(0x8000_0202);
    expect(r?.state.cpu.pending.nmi).toBe(false);
  });

  it('EXIT.NMI: does not exit: with "NMI exiting" = 0 the NMI is delivered through gate 2 and blocks further NMIs', () => {
    const r = atBoundary(caps, guest({ pending: { nmi: true } }));
    expect(r?.observation).toEqual({ kind: 'delivered', vector: 2, type: 'nmi', errorCode: null });
    expect(r?.state.cpu.blockingByNmi).toBe(true);
    expect(r?.state.cpu.rip).toBe(L.handlers + 32n);
  });

  it('EVENT.BLOCK.NMI: a pending NMI under blocking by NMI stays pending', () => {
    expect(atBoundary(caps, guest({ pending: { nmi: true }, cpu: { blockingByNmi: true } }))).toBeNull();
  });
});

describe('external interrupts (§25.2)', () => {
  it('EXIT.EXTINT: exits: "external-interrupt exiting" = 1 without acknowledge: interruption information invalid, interrupt stays pending', () => {
    const r = atBoundary(caps, guest({ controls: ['pin.EXTERNAL_INTERRUPT_EXITING'], pending: { extint: 0x30 }, cpu: { rflags: 0x202n } }));
    const e = exitOf(r);
    expect(e.reason).toBe(1);
    expect(e.interruptionInfo).toBe(0);
    expect(r?.state.cpu.pending.extint).toBe(0x30);
  });

  it('EXIT.EXTINT: does not exit: with the control 0 and RFLAGS.IF = 1 it is delivered through the guest IDT', () => {
    const r = atBoundary(caps, guest({ pending: { extint: 0x30 }, cpu: { rflags: 0x202n } }));
    expect(r?.observation).toEqual({ kind: 'delivered', vector: 0x30, type: 'external-interrupt', errorCode: null });
    expect(r?.state.cpu.pending.extint).toBeNull();
    expect((r?.state.cpu.rflags ?? IF) & IF).toBe(0n);
  });

  it('EXIT.EXTINT.ACK: exits: with "acknowledge interrupt on exit" = 1 the vector is in the interruption information and no longer pending', () => {
    const r = atBoundary(caps, guest({ controls: ['pin.EXTERNAL_INTERRUPT_EXITING', 'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT'], pending: { extint: 0x41 }, cpu: { rflags: 0x202n } }));
    const e = exitOf(r);
    expect(e.reason).toBe(1);
    expect(e.interruptionInfo).toBe(0x8000_0041);
    expect(r?.state.cpu.pending.extint).toBeNull();
  });

  it('EXIT.EXTINT.ACK: does not exit: acknowledge on exit alone (no external-interrupt exiting) leaves a masked interrupt pending', () => {
    expect(atBoundary(caps, guest({ controls: ['exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT'], pending: { extint: 0x41 }, cpu: { rflags: 0x2n } }))).toBeNull();
  });

  it('CHANGED.IF.EXTINT: with external-interrupt exiting RFLAGS.IF = 0 does not hold the interrupt off; without it, it does', () => {
    expect(exitOf(atBoundary(caps, guest({ controls: ['pin.EXTERNAL_INTERRUPT_EXITING'], pending: { extint: 0x30 }, cpu: { rflags: 0x2n } }))).reason).toBe(1);
    expect(atBoundary(caps, guest({ pending: { extint: 0x30 }, cpu: { rflags: 0x2n } }))).toBeNull();
  });

  it('EVENT.BLOCK.STI: blocking by STI holds an external interrupt off even with external-interrupt exiting', () => {
    expect(atBoundary(caps, guest({ controls: ['pin.EXTERNAL_INTERRUPT_EXITING'], pending: { extint: 0x30 }, cpu: { rflags: 0x202n, blockingBySti: true } }))).toBeNull();
  });
});

describe('window exits (§25.2)', () => {
  it('EXIT.INTWINDOW: exits: "interrupt-window exiting" = 1, RFLAGS.IF = 1, no STI/MOV-SS blocking; RIP of the boundary saved', () => {
    const r = atBoundary(caps, guest({ controls: ['proc.INTERRUPT_WINDOW_EXITING'], cpu: { rflags: 0x202n } }));
    expect(exitOf(r).reason).toBe(7);
    expect(savedGuest(r!.state, 'GUEST_RIP')).toBe(L.rip);
  });

  it('EXIT.INTWINDOW: does not exit: RFLAGS.IF = 0, or blocking by STI, or blocking by MOV SS', () => {
    const c: ControlName[] = ['proc.INTERRUPT_WINDOW_EXITING'];
    expect(atBoundary(caps, guest({ controls: c, cpu: { rflags: 0x2n } }))).toBeNull();
    expect(atBoundary(caps, guest({ controls: c, cpu: { rflags: 0x202n, blockingBySti: true } }))).toBeNull();
    expect(atBoundary(caps, guest({ controls: c, cpu: { rflags: 0x202n, blockingByMovSs: true } }))).toBeNull();
  });

  it('EXIT.INTWINDOW: exits: at the first boundary with IF = 1 and no blocking — STI with IF = 0, then one boundary blocked by STI, then the exit', () => {
    const c: ControlName[] = ['proc.INTERRUPT_WINDOW_EXITING'];
    // Boundary before STI: IF = 0, no exit; STI sets IF with blocking by STI; the next boundary is blocked; after one more instruction it exits.
    const s0 = guest({ controls: c, cpu: { rflags: 0x2n } });
    expect(atBoundary(caps, s0)).toBeNull();
    const afterSti = withCpu(s0, { rflags: 0x202n, blockingBySti: true, rip: L.rip + 1n });
    expect(atBoundary(caps, afterSti)).toBeNull();
    const afterNop = withCpu(afterSti, { blockingBySti: false, rip: L.rip + 2n });
    const r = atBoundary(caps, afterNop);
    expect(exitOf(r).reason).toBe(7);
    expect(savedGuest(r!.state, 'GUEST_RIP')).toBe(L.rip + 2n);
  });

  it('EXIT.INTWINDOW: exits: the same sequence through nonRootStep (STI, NOP, NOP)', () => {
    const c: ControlName[] = ['proc.INTERRUPT_WINDOW_EXITING'];
    const step = (s: VtxState, input: NonRootInput) => nonRootStep(caps, s, input).canonical;
    const s0 = guest({ controls: c, cpu: { rflags: 0x2n } });
    const r1 = step(s0, { kind: 'instruction', instruction: { op: 'STI' } });
    expect(r1.observation.kind).toBe('retired');
    expect(r1.state.cpu.blockingBySti).toBe(true);
    const r2 = step(r1.state, { kind: 'instruction', instruction: { op: 'NOP' } });
    expect(r2.observation.kind).toBe('retired');
    const r3 = step(r2.state, { kind: 'instruction', instruction: { op: 'NOP' } });
    expect(exitOf(r3).reason).toBe(7);
    expect(savedGuest(r3.state, 'GUEST_RIP')).toBe(L.rip + 2n);
  });

  it('EXIT.INTWINDOW: exits: an open interrupt window wakes the HLT state; the activity state saved is HLT', () => {
    const r = atBoundary(caps, guest({ controls: ['proc.INTERRUPT_WINDOW_EXITING'], cpu: { rflags: 0x202n, activity: 'hlt' } }));
    expect(exitOf(r).reason).toBe(7);
    expect(savedGuest(r!.state, 'GUEST_ACTIVITY_STATE')).toBe(1n);
  });

  const nmiWindow: ControlName[] = ['pin.NMI_EXITING', 'pin.VIRTUAL_NMIS', 'proc.NMI_WINDOW_EXITING'];

  it('EXIT.NMIWINDOW: exits: "NMI-window exiting" = 1 with no virtual-NMI blocking and no MOV-SS blocking', () => {
    expect(exitOf(atBoundary(caps, guest({ controls: nmiWindow }))).reason).toBe(8);
  });

  it('EXIT.NMIWINDOW: does not exit: virtual-NMI blocking, or blocking by MOV SS, holds it off', () => {
    expect(atBoundary(caps, guest({ controls: nmiWindow, cpu: { blockingByNmi: true } }))).toBeNull();
    expect(atBoundary(caps, guest({ controls: nmiWindow, cpu: { blockingByMovSs: true } }))).toBeNull();
  });

  it('EVENT.BLOCK.STI: under blocking by STI the NMI-window exit is canonical, and holding it off is also permitted', () => {
    const choices = boundaryChoices(caps, guest({ controls: nmiWindow, cpu: { blockingBySti: true } }));
    expect(choices).toHaveLength(2);
    expect(exitOf(choices[0] ?? null).reason).toBe(8);
    expect(choices[1]).toBeNull();
  });
});

describe('INIT, SIPI and the VMX-preemption timer', () => {
  it('EXIT.INIT: exits: an INIT always exits, also from HLT (activity state HLT saved), and is consumed', () => {
    const r = atBoundary(caps, guest({ pending: { init: true }, cpu: { activity: 'hlt' } }));
    expect(exitOf(r).reason).toBe(3);
    expect(r?.state.cpu.pending.init).toBe(false);
    expect(savedGuest(r!.state, 'GUEST_ACTIVITY_STATE')).toBe(1n);
  });

  it('EXIT.INIT: does not exit: INIT is blocked in the wait-for-SIPI state and stays pending', () => {
    const s = guest({ pending: { init: true }, cpu: { activity: 'wait-for-sipi' } });
    expect(atBoundary(caps, s)).toBeNull();
    expect(nonRootStep(caps, s, { kind: 'event', event: { kind: 'nmi' } }).canonical.observation.kind).toBe('inactive');
  });

  it('EXIT.SIPI: exits: a SIPI in the wait-for-SIPI state, with its vector as the qualification', () => {
    const s = arrive(caps, guest({ cpu: { activity: 'wait-for-sipi' } }), { kind: 'sipi', vector: 0x9a });
    const e = exitOf(atBoundary(caps, s));
    expect(e.reason).toBe(4);
    expect(e.qualification).toBe(0x9an);
  });

  it('EXIT.SIPI: does not exit: outside wait-for-SIPI a SIPI is discarded', () => {
    const r = nonRootStep(caps, guest(), { kind: 'event', event: { kind: 'sipi', vector: 0x9a } }).canonical;
    expect(r.observation.kind).toBe('pending');
    expect(r.state.cpu.pending.sipi).toBeNull();
  });

  it('EXIT.PREEMPTION: exits: with "activate VMX-preemption timer" = 1 the expiry sets the timer to 0 and the boundary exits', () => {
    const s = withVmcs(guest({ controls: ['pin.ACTIVATE_VMX_PREEMPTION_TIMER'] }), { VMX_PREEMPTION_TIMER_VALUE: 1000n });
    expect(atBoundary(caps, s)).toBeNull();
    const r = nonRootStep(caps, s, { kind: 'event', event: { kind: 'preemption-timer-expiry' } }).canonical;
    expect(exitOf(r).reason).toBe(52);
  });

  it('EXIT.PREEMPTION: does not exit: without the control the timer does not count, and nothing happens', () => {
    const s = withVmcs(guest(), { VMX_PREEMPTION_TIMER_VALUE: 0n });
    expect(atBoundary(caps, s)).toBeNull();
    const r = nonRootStep(caps, s, { kind: 'event', event: { kind: 'preemption-timer-expiry' } }).canonical;
    expect(r.observation.kind).toBe('pending');
  });

  it('EXIT.PREEMPTION: does not exit: in the wait-for-SIPI state', () => {
    const s = withVmcs(guest({ controls: ['pin.ACTIVATE_VMX_PREEMPTION_TIMER'], cpu: { activity: 'wait-for-sipi' } }), { VMX_PREEMPTION_TIMER_VALUE: 0n });
    expect(atBoundary(caps, s)).toBeNull();
  });
});

describe('priority among events (§25.2, Vol. 3A Table 6-2)', () => {
  const all: ControlName[] = ['pin.NMI_EXITING', 'pin.EXTERNAL_INTERRUPT_EXITING', 'pin.ACTIVATE_VMX_PREEMPTION_TIMER', 'pin.VIRTUAL_NMIS', 'proc.NMI_WINDOW_EXITING', 'proc.INTERRUPT_WINDOW_EXITING'];
  const everything = withVmcs(guest({ controls: all, pending: { init: true, nmi: true, extint: 0x30 }, cpu: { rflags: 0x202n } }), { VMX_PREEMPTION_TIMER_VALUE: 0n });

  it('PRIORITY.EVENTS: INIT › timer › NMI window › NMI › interrupt window › external interrupt, one at a time', () => {
    const reasons: number[] = [];
    let s: VtxState = everything;
    const peel = (r: NonRootResult): VtxState => {
      // Take away what the exit consumed or the condition that caused it.
      const e = exitOf(r);
      reasons.push(e.reason === 0 ? 2000 + (e.interruptionInfo & 0xff) : e.reason);
      const t = s;
      if (e.reason === 3) return withCpu(t, { pending: { ...t.cpu.pending, init: false } });
      if (e.reason === 52) return withVmcs(t, { VMX_PREEMPTION_TIMER_VALUE: 5n });
      if (e.reason === 8) return withCpu(t, { blockingByNmi: true });
      if (e.reason === 0) return withCpu(t, { pending: { ...t.cpu.pending, nmi: false } });
      if (e.reason === 7) return withCpu(t, { rflags: 0x2n });
      return withCpu(t, { pending: { ...t.cpu.pending, extint: null } });
    };
    for (let i = 0; i < 6; i++) {
      const r = atBoundary(caps, s);
      if (r === null) break;
      s = peel(r);
    }
    expect(reasons).toEqual([3, 52, 8, 2002, 7, 1]);
  });

  it('PRIORITY.EVENTS: pending debug exceptions come after INIT and before the timer, as a #DB trap', () => {
    const s = withVmcs(guest({ controls: ['pin.ACTIVATE_VMX_PREEMPTION_TIMER'], cpu: { pendingDebug: 1n << 14n } }), { VMX_PREEMPTION_TIMER_VALUE: 0n, EXCEPTION_BITMAP: 1n << 1n });
    const e = exitOf(atBoundary(caps, s));
    expect(e.reason).toBe(0);
    expect(e.interruptionInfo).toBe(0x8000_0301);
    expect(e.qualification).toBe(1n << 14n);
  });
});

describe('activity states', () => {
  it('EVENT.ACTIVITY.HLT: an unmasked external interrupt wakes HLT and is delivered with the RIP after the HLT', () => {
    const r = atBoundary(caps, guest({ pending: { extint: 0x30 }, cpu: { rflags: 0x202n, activity: 'hlt' } }));
    expect(r?.observation.kind).toBe('delivered');
    expect(r?.state.cpu.activity).toBe('active');
    expect(readMemory64(r!.state.memory, r!.state.cpu.rsp)).toBe(L.rip);
  });

  it('EVENT.ACTIVITY.HLT: a masked interrupt leaves the processor halted', () => {
    const s = guest({ pending: { extint: 0x30 }, cpu: { rflags: 0x2n, activity: 'hlt' } });
    expect(nonRootStep(caps, s, { kind: 'instruction', instruction: { op: 'NOP' } }).canonical.observation.kind).toBe('inactive');
  });

  it('EVENT.ACTIVITY.SHUTDOWN: external interrupts are blocked in shutdown even with external-interrupt exiting; an NMI exits', () => {
    const c: ControlName[] = ['pin.EXTERNAL_INTERRUPT_EXITING', 'pin.NMI_EXITING'];
    expect(atBoundary(caps, guest({ controls: c, pending: { extint: 0x30 }, cpu: { rflags: 0x202n, activity: 'shutdown' } }))).toBeNull();
    expect(exitOf(atBoundary(caps, guest({ controls: c, pending: { nmi: true }, cpu: { activity: 'shutdown' } }))).reason).toBe(0);
  });
});
