import { describe, expect, it } from 'vitest';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withVmcs } from '../../../conformance/vtx/non-root/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readField, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { vmExit } from '../vm-exit/index.js';
import { afterInstruction } from './after.js';
import { atBoundary } from './boundary.js';
import { exitInformation } from './events/info.js';
import { withControls } from './events/testing.js';
import { raiseEvent } from './exceptions.js';
import type { NonRootResult } from './result.js';
import { nonRootStep } from './step.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const base = nonRootBaseline(profile);
const L = GUEST_LAYOUT;
const mtf = withControls(base, ['proc.MONITOR_TRAP_FLAG']);

const exitOf = (r: NonRootResult | null) => {
  if (r === null || r.observation.kind !== 'vm-exit') throw new Error(`expected a VM exit, got ${r === null ? 'nothing' : r.observation.kind}`);
  return r.observation.exit;
};
const saved = (s: VtxState, f: 'GUEST_RIP' | 'GUEST_ACTIVITY_STATE' | 'GUEST_PENDING_DBG_EXCEPTIONS'): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, f);
const retired = (s: VtxState): NonRootResult => ({ observation: { kind: 'retired' }, state: s, decisions: [] });

describe('monitor trap flag (§25.5.2)', () => {
  it('EXIT.MTF: exits: after an instruction retired, trap-like (the next RIP is saved)', () => {
    const next = withCpu(mtf, { rip: L.rip + 1n });
    const r = afterInstruction(caps, mtf, retired(next));
    expect(exitOf(r).reason).toBe(37);
    expect(saved(r.state, 'GUEST_RIP')).toBe(L.rip + 1n);
  });

  it('EXIT.MTF: does not exit: with the control 0, or after an instruction that caused a VM exit of its own', () => {
    expect(afterInstruction(caps, base, retired(base)).observation.kind).toBe('retired');
    const cpuid = vmExit(caps, mtf, exitInformation(10, { instructionLength: 2 }), []);
    expect(exitOf(afterInstruction(caps, mtf, cpuid)).reason).toBe(10);
  });

  it('EXIT.MTF: exits: after the delivery of a fault the instruction caused, at the handler', () => {
    const delivered = raiseEvent(caps, mtf, { vector: 6, type: 'hardware-exception', errorCode: null }, []);
    expect(delivered.observation.kind).toBe('delivered');
    const r = afterInstruction(caps, mtf, delivered);
    expect(exitOf(r).reason).toBe(37);
    expect(saved(r.state, 'GUEST_RIP')).toBe(L.handlers + 16n * 6n);
  });

  it('EXIT.MTF: exits: after HLT, from the HLT activity state', () => {
    const r = afterInstruction(caps, mtf, retired(withCpu(mtf, { rip: L.rip + 1n, activity: 'hlt' })));
    expect(exitOf(r).reason).toBe(37);
    expect(saved(r.state, 'GUEST_ACTIVITY_STATE')).toBe(1n);
  });

  it('EXIT.MTF: does not exit: in the shutdown state', () => {
    expect(afterInstruction(caps, mtf, retired(withCpu(mtf, { activity: 'shutdown' }))).observation.kind).toBe('retired');
  });

  it('EXIT.MTF: exits: through nonRootStep after a NOP', () => {
    const r = nonRootStep(caps, mtf, { kind: 'instruction', instruction: { op: 'NOP' } }).canonical;
    expect(exitOf(r).reason).toBe(37);
    expect(saved(r.state, 'GUEST_RIP')).toBe(L.rip + 1n);
  });

  it('EXIT.MTF: exits: after an external interrupt delivered at a boundary (the boundary follows the delivery)', () => {
    const s = withCpu(mtf, { rflags: 0x202n, pending: { ...mtf.cpu.pending, extint: 0x30 } });
    const r = atBoundary(caps, s);
    expect(exitOf(r).reason).toBe(37);
    expect(saved(r!.state, 'GUEST_RIP')).toBe(L.handlers + 16n * 0x30n);
  });
});

describe('priority of a pending MTF exit (§25.5.2)', () => {
  it('PRIORITY.MTF: the MTF exit beats a single-step debug trap pending after the instruction; the trap stays pending', () => {
    const next = withCpu(mtf, { rip: L.rip + 1n, pendingDebug: 1n << 14n });
    const r = afterInstruction(caps, mtf, retired(next));
    expect(exitOf(r).reason).toBe(37);
    expect(saved(r.state, 'GUEST_PENDING_DBG_EXCEPTIONS') & (1n << 14n)).toBe(1n << 14n);
  });

  it('PRIORITY.MTF: a pending MTF exit beats the VMX-preemption timer and NMIs, but INIT comes first', () => {
    const timer = withVmcs(withControls(base, ['pin.ACTIVATE_VMX_PREEMPTION_TIMER', 'pin.NMI_EXITING']), { VMX_PREEMPTION_TIMER_VALUE: 0n });
    const s = withCpu(timer, { pending: { ...timer.cpu.pending, nmi: true } });
    expect(exitOf(atBoundary(caps, s, { mtfPending: true })).reason).toBe(37);
    const init = withCpu(s, { pending: { ...s.cpu.pending, init: true } });
    expect(exitOf(atBoundary(caps, init, { mtfPending: true })).reason).toBe(3);
  });
});
