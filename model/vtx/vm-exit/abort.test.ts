/** §27.7: the VMX-abort indicator and the VMX-abort shutdown state. */
import { describe, expect, it } from 'vitest';
import { VMX_ABORT_INDICATORS, type VmxAbortIndicator } from '../../../spec/vtx/vm-exit/abort.js';
import { nonRootStep } from '../non-root/step.js';
import { abortedState } from './abort.js';
import { vmExit } from './index.js';
import { abortIndicator, CAPS, exitInfo, field, guest, msrList, withMemory, withVmcs } from './test-support.js';

/** A guest whose VM-exit MSR-store list names an x2APIC MSR: its next exit aborts with indicator 1. */
const doomed = () => withMemory(withVmcs(guest(), { VM_EXIT_MSR_STORE_COUNT: 1n, VM_EXIT_MSR_STORE_ADDR: 0x3_0000n }), msrList(0x3_0000n, [[0x808n, 0n]]));

describe('§27.7 VMX aborts', () => {
  it.each(Object.keys(VMX_ABORT_INDICATORS).map(Number) as VmxAbortIndicator[])('VMEXIT.ABORT: indicator %i goes to bytes 4-7 of the VMCS region, the revision identifier stays', (i) => {
    const s = guest();
    const revision = s.memory.get(s.currentVmcs!)! & 0xffff_ffffn;
    const a = abortedState(s, s.cpu, i);
    expect(abortIndicator(a)).toBe(BigInt(i));
    expect(a.memory.get(a.currentVmcs!)! & 0xffff_ffffn).toBe(revision);
  });

  it('VMEXIT.ABORT: an aborting exit writes no further VMCS data: the host state is not loaded and the exit reason is what §27.2 recorded', () => {
    const s = doomed();
    const r = vmExit(CAPS, s, exitInfo(10, { instructionLength: 2 }), []);
    expect(r.observation).toEqual({ kind: 'vmx-abort', indicator: 1 });
    expect(abortIndicator(r.state)).toBe(1n);
    expect(field(r.state, 'VM_EXIT_REASON')).toBe(10n);
    expect(r.state.cpu.rip).toBe(s.cpu.rip);
  });
  it('VMEXIT.ABORT: an exit without a failing step writes no indicator', () => {
    const r = vmExit(CAPS, guest(), exitInfo(10, { instructionLength: 2 }), []);
    expect(r.observation.kind).toBe('vm-exit');
    expect(abortIndicator(r.state)).toBe(0n);
  });

  it('VMEXIT.ABORT.SHUTDOWN: after the abort the processor is shut down and no event reaches it', () => {
    const a = vmExit(CAPS, doomed(), exitInfo(10, { instructionLength: 2 }), []).state;
    expect(a.cpu.activity).toBe('shutdown');
    for (const event of [{ kind: 'nmi' }, { kind: 'init' }, { kind: 'external-interrupt', vector: 0x30 }] as const) {
      expect(nonRootStep(CAPS, a, { kind: 'event', event }).canonical.observation).toEqual({ kind: 'inactive' });
    }
  });
  it('VMEXIT.ABORT.SHUTDOWN: a completed exit leaves the processor active', () => {
    expect(vmExit(CAPS, guest(), exitInfo(10, { instructionLength: 2 }), []).state.cpu.activity).toBe('active');
  });
});
