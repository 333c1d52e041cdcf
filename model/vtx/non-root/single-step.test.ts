// Vol. 3B §17.3.1.4: single-stepping with RFLAGS.TF (EVENT.DEBUG.SINGLESTEP), and the #DB trap it leaves pending (EVENT.DEBUG.TRAP).
import { describe, expect, it } from 'vitest';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withVmcs } from '../../../conformance/vtx/non-root/baseline.js';
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readField, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { nonRootStep } from './step.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const L = GUEST_LAYOUT;
const BS = 1n << 14n;
const TF = 0x100n, IF = 0x200n;
const stepping = withCpu(nonRootBaseline(profile), { rflags: 2n | TF });
const run = (s: VtxState, instruction: GuestInstruction) => nonRootStep(caps, s, { kind: 'instruction', instruction }).canonical;

describe('single-step (RFLAGS.TF)', () => {
  it('EVENT.DEBUG.SINGLESTEP: an instruction that began with TF = 1 and completed leaves BS pending; the next boundary delivers #DB', () => {
    const after = run(stepping, { op: 'NOP' });
    expect(after.observation.kind).toBe('retired');
    expect(after.state.cpu.pendingDebug & BS).toBe(BS);
    const next = run(after.state, { op: 'NOP' });
    expect(next.observation).toEqual({ kind: 'delivered', vector: 1, type: 'hardware-exception', errorCode: null });
    expect(next.state.cpu.rip).toBe(L.handlers + 16n);
    expect(next.state.cpu.dr6 & BS).toBe(BS);
  });

  it('EVENT.DEBUG.SINGLESTEP: TF as the instruction begins decides: POPF that sets TF does not trap after itself', () => {
    const s = withCpu(nonRootBaseline(profile), { rflags: 2n | IF, gpr: stepping.cpu.gpr.map((v, i) => (i === 0 ? 2n | IF | TF : v)) });
    const pushed = run(s, { op: 'PUSH', src: 0 });
    const popped = run(pushed.state, { op: 'POPF' });
    expect(popped.state.cpu.rflags & TF).toBe(TF);
    expect(popped.state.cpu.pendingDebug & BS).toBe(0n);
    expect(run(popped.state, { op: 'NOP' }).state.cpu.pendingDebug & BS).toBe(BS);
  });

  it('EVENT.DEBUG.SINGLESTEP: no trap for an instruction that faults, that exits, or that delivers INT n', () => {
    expect(run(stepping, { op: 'UD2' }).state.cpu.pendingDebug & BS).toBe(0n);
    const cpuid = run(stepping, { op: 'CPUID' });
    expect(cpuid.observation.kind).toBe('vm-exit');
    expect(readField(cpuid.state.vmcs.get(cpuid.state.currentVmcs!)!.fields, 'GUEST_PENDING_DBG_EXCEPTIONS') & BS).toBe(0n);
    const int = run(stepping, { op: 'INT', vector: 0x30 });
    expect(int.observation).toMatchObject({ kind: 'delivered', vector: 0x30 });
    expect(int.state.cpu.pendingDebug & BS).toBe(0n);
    expect(int.state.cpu.rflags & TF).toBe(0n);
  });

  it('EVENT.DEBUG.TRAP: the single-step trap after HLT resumes the halted processor', () => {
    const halted = run(stepping, { op: 'HLT' });
    expect(halted.state.cpu.activity).toBe('hlt');
    const next = nonRootStep(caps, halted.state, { kind: 'instruction', instruction: { op: 'NOP' } }).canonical;
    expect(next.observation).toMatchObject({ kind: 'delivered', vector: 1 });
    expect(next.state.cpu.activity).toBe('active');
  });

  it('EVENT.DEBUG.TRAP: delivering the trap may clear DR6.B0–B3 or keep them (Vol. 3B §17.2.3): both are permitted', () => {
    const s = withCpu(stepping, { dr6: 0xffff_0ff5n, pendingDebug: BS });
    const dr6s = nonRootStep(caps, s, { kind: 'instruction', instruction: { op: 'NOP' } }).permitted.map((r) => r.state.cpu.dr6);
    expect(dr6s).toEqual([0xffff_4ff0n, 0xffff_4ff5n]);
  });

  it('EVENT.DEBUG.TRAP: with exception-bitmap bit 1 the single-step trap exits, qualification BS', () => {
    const s = withVmcs(stepping, { EXCEPTION_BITMAP: 2n });
    const next = run(run(s, { op: 'NOP' }).state, { op: 'NOP' });
    expect(next.observation.kind === 'vm-exit' && next.observation.exit.qualification).toBe(BS);
  });
});
