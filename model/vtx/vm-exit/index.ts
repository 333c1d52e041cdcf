/**
 * STUB (owner: VM-exit engineer). A VM exit (SDM Vol. 3C ch. 27, June 2016 edition): record the
 * exit information (§27.2), save guest state (§27.3), the VM-exit MSR-store list (§27.4), load host
 * state (§27.5), the VM-exit MSR-load list (§27.6), or a VMX abort (§27.7).
 */
import type { Decision, ExitInformation } from '../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import type { NonRootResult } from '../non-root/result.js';

/**
 * `state.cpu` holds the guest state to save exactly as the exit leaves it (RIP already set per
 * §27.3.3: the instruction's RIP for fault-like exits, the next one for trap-like exits; blocking
 * and activity as they are at the exit). `info` is the information to record.
 */
export const vmExit = (_caps: Capabilities, state: VtxState, info: ExitInformation, decisions: readonly Decision[]): NonRootResult =>
  ({ observation: { kind: 'vm-exit', exit: info }, state: { ...state, vmx: 'root' }, decisions });
