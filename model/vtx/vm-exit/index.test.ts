/** The VM exit as a whole: it ends in VMX root operation in the host, with the decisions that explain it. */
import { describe, expect, it } from 'vitest';
import { decision } from '../non-root/result.js';
import { vmExit } from './index.js';
import { CAPS, exitInfo, field, guest, withCpu } from './test-support.js';

describe('ch. 27 VM exit', () => {
  it('VMEXIT.STATE.ROOT: a CPUID exit from CPL 3 returns to VMX root operation at CPL 0 at the host RIP', () => {
    const g = withCpu(guest(), { cpl: 3, rip: 0x40_0100n });
    const r = vmExit(CAPS, g, exitInfo(10, { instructionLength: 2 }), [decision('EXIT.CPUID', '25.1.2', 'CPUID exits unconditionally')]);
    expect(r.state.vmx).toBe('root');
    expect(r.state.cpu.cpl).toBe(0);
    expect(r.state.cpu.rip).toBe(field(g, 'HOST_RIP'));
    expect(field(r.state, 'GUEST_RIP')).toBe(0x40_0100n);
    expect(r.decisions[0]!.rule).toBe('EXIT.CPUID');
    expect(r.decisions.map((d) => d.rule)).toContain('VMEXIT.STATE.ROOT');
    expect(r.alternatives).toBeUndefined();
  });

  it('VMEXIT.STATE.ROOT: the input state is not modified (the exit is pure)', () => {
    const g = guest();
    const before = JSON.stringify(g, (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? [...v] : v));
    vmExit(CAPS, g, exitInfo(10, { instructionLength: 2 }), []);
    expect(JSON.stringify(g, (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? [...v] : v))).toBe(before);
    expect(g.vmx).toBe('non-root');
  });
});
