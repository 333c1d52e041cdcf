/**
 * §27.7 "VMX Aborts" (rules VMEXIT.ABORT, VMEXIT.ABORT.SHUTDOWN): the indicator is written at byte
 * offset 4 of the current VMCS region in physical memory (the first 64-bit word of the region holds
 * the revision identifier in bits 31:0 and the indicator in bits 63:32); no other VMCS data change.
 *
 * The processor then sits in the VMX-abort shutdown state, which only RESET leaves. The model shows
 * that as activity 'shutdown' with vmx = 'root': the exit had left non-root operation, so no guest
 * event can be delivered or wake the processor (nonRootStep reports 'inactive' outside non-root
 * operation), while a plain shutdown in non-root operation could still be left by an NMI or INIT exit.
 */
import type { Decision } from '../../../spec/vtx/non-root/observation.js';
import { readMemory64, type CpuRegisters, type VtxState } from '../../../spec/vtx/state.js';
import { VMX_ABORT_INDICATORS, VMX_ABORT_INDICATOR_OFFSET, type VmxAbortIndicator } from '../../../spec/vtx/vm-exit/abort.js';
import { decision } from '../non-root/result.js';

/** VMEXIT.ABORT: `state` (the VMCS and memory as far as the exit got) with the indicator written and the processor shut down. */
export const abortedState = (state: VtxState, cpu: CpuRegisters, indicator: VmxAbortIndicator): VtxState => {
  const memory = new Map(state.memory);
  if (state.currentVmcs !== null) {
    const at = state.currentVmcs + VMX_ABORT_INDICATOR_OFFSET;
    const word = readMemory64(memory, at);
    memory.set(at & ~7n, (word & 0xffff_ffffn) | (BigInt(indicator) << 32n));
  }
  return { ...state, vmx: 'root', memory, cpu: { ...cpu, activity: 'shutdown' } };
};

/** VMEXIT.ABORT: the decision that reports the abort, after the one that says why it happened. */
export const abortDecision = (indicator: VmxAbortIndicator): Decision =>
  decision('VMEXIT.ABORT', '27.7', `VMX-abort indicator ${indicator} (${VMX_ABORT_INDICATORS[indicator]}) written at offset 4 of the VMCS region; VMX-abort shutdown`);
