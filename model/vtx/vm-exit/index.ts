/**
 * A VM exit (SDM Vol. 3C ch. 27, June 2016 edition; ch. 28 in newer ones), in the order the chapter
 * fixes: record the exit information (§27.2, ./record-information.ts), save the guest state (§27.3,
 * ./save-guest-state.ts), store the VM-exit MSR-store list (§27.4, ./msr-store.ts), load the host
 * state (§27.5, ./load-host-state.ts), load the VM-exit MSR-load list (§27.6, ./msr-load.ts); a
 * failure in the last three is a VMX abort (§27.7, ./abort.ts). A completed exit leaves the processor
 * in VMX root operation in the host (VMEXIT.STATE.ROOT). Pure and total.
 *
 * `returnToHost` is the part a VM-entry failure of §26.7 shares (host state and MSR-load list only).
 */
import type { Decision, ExitInformation } from '../../../spec/vtx/non-root/observation.js';
import { readField, type CpuRegisters, type VmcsImage, type VtxState } from '../../../spec/vtx/state.js';
import type { VmxAbortIndicator } from '../../../spec/vtx/vm-exit/abort.js';
import type { Capabilities } from '../capabilities.js';
import { decision, type NonRootResult } from '../non-root/result.js';
import { abortDecision, abortedState } from './abort.js';
import { loadHostState, type HostLoadCause } from './load-host-state.js';
import { loadExitMsrs } from './msr-load.js';
import { storeMsrs } from './msr-store.js';
import { recordExitInformation } from './record-information.js';
import { saveGuestState } from './save-guest-state.js';
import { bit, currentImage, EXIT_CTL, exitControls, withImage, type ExitControls } from './vmcs.js';

export { loadHostState, type HostLoadCause, type HostLoadResult } from './load-host-state.js';
export { abortedState } from './abort.js';

/** Where the return to the host ended: in the host, or in a VMX abort. */
export type HostReturn =
  | { readonly kind: 'host'; readonly state: VtxState; readonly decisions: readonly Decision[] }
  | { readonly kind: 'abort'; readonly indicator: VmxAbortIndicator; readonly state: VtxState; readonly decisions: readonly Decision[] };

export interface HostReturnOutcome {
  readonly canonical: HostReturn;
  /** Other endings the SDM permits (an abort for an optional PDPTE check, an MSR a processor may lack, another abort indicator). */
  readonly alternatives: readonly HostReturn[];
}

const abortAt = (state: VtxState, cpu: CpuRegisters, indicator: VmxAbortIndicator, why: Decision): HostReturn =>
  ({ kind: 'abort', indicator, state: abortedState(state, cpu, indicator), decisions: [why, abortDecision(indicator)] });

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

/**
 * §27.5 then §27.6 (and ENTRYFAIL.HOST_LOAD, ENTRYFAIL.MSR_LOAD for §26.7): `state` holds the VMCS and
 * memory as the earlier steps left them, `before` the registers being left. `adjust` edits the
 * loaded host registers before the MSR-load list runs (§26.7 restores NMI blocking there).
 */
export const returnToHost = (
  caps: Capabilities, state: VtxState, image: VmcsImage, ctl: ExitControls, before: CpuRegisters, cause: HostLoadCause,
  adjust: (cpu: CpuRegisters) => CpuRegisters = (cpu) => cpu,
): HostReturnOutcome => {
  const hasz = bit(ctl.exit, EXIT_CTL.HOST_ADDRESS_SPACE_SIZE);
  const host = loadHostState(caps, image, ctl, before, cause, state.memory);
  if (host.kind === 'abort') {
    const why = (i: VmxAbortIndicator) => i === 6
      ? decision('VMEXIT.HOST.IA32E', '27.5', `IA32_EFER.LMA = 1 before the exit and "host address-space size" = 0`)
      : decision('VMEXIT.HOST.PDPTE', '27.5.4', `host CR4.PAE = 1 with "host address-space size" = 0: a PDPTE at host CR3 ${hex(readField(image, 'HOST_CR3'))} fails the MOV-to-CR3 checks`);
    return {
      canonical: abortAt(state, before, host.indicator, why(host.indicator)),
      alternatives: host.also.map((i) => abortAt(state, before, i, why(i))),
    };
  }
  const loaded = adjust(host.cpu);
  const decisions: Decision[] = [
    decision('VMEXIT.HOST.SEGMENTS.CS', '27.5.2', `"host address-space size" = ${hasz ? 1 : 0}: CS.L = ${hasz ? 1 : 0}, IA32_EFER.LMA = ${(loaded.efer >> 10n) & 1n}, CPL 0, RIP ${hex(loaded.rip)}`),
  ];
  const alternatives: HostReturn[] = [];
  if (host.mayAbort !== null) {
    alternatives.push(abortAt(state, before, host.mayAbort, decision('VMEXIT.HOST.PDPTE', '27.5.4', 'a host PDPTE fails the MOV-to-CR3 checks; PAE paging and CR3 are unchanged, so the check is permitted, not required')));
  }
  const list = loadExitMsrs(caps, image, loaded, state.memory);
  if (list.kind === 'failed') {
    const why = decision(list.rule, '27.6', `entry ${list.index} of the VM-exit MSR-load area cannot be loaded`);
    return { canonical: abortAt(state, list.cpu, 4, why), alternatives };
  }
  if (list.count > 0) decisions.push(decision('VMEXIT.MSR_LOAD', '27.6', `${list.count} entr${list.count === 1 ? 'y' : 'ies'} of the VM-exit MSR-load area written`));
  if (list.unknownEntry !== null) {
    alternatives.push(abortAt(state, loaded, 4, decision('VMEXIT.MSR_LOAD.WRMSR', '27.6', `entry ${list.unknownEntry} names an MSR outside the architectural table: a processor without it aborts`)));
  }
  return { canonical: { kind: 'host', state: { ...state, vmx: 'root', cpu: list.cpu }, decisions }, alternatives };
};

const toResult = (r: HostReturn, info: ExitInformation, decisions: readonly Decision[]): NonRootResult => (r.kind === 'host'
  ? {
    observation: { kind: 'vm-exit', exit: info },
    state: r.state,
    decisions: [...decisions, ...r.decisions, decision('VMEXIT.STATE.ROOT', '27', `VM exit, basic reason ${info.reason & 0xffff}: VMX root operation, host state loaded`)],
  }
  : { observation: { kind: 'vmx-abort', indicator: r.indicator }, state: r.state, decisions: [...decisions, ...r.decisions] });

/** The exit was caused directly by an NMI: reason 0 with interruption type 2 (§27.5.5). */
const directNmi = (info: ExitInformation): boolean =>
  (info.reason & 0xffff) === 0 && (info.interruptionInfo >>> 31) === 1 && ((info.interruptionInfo >>> 8) & 7) === 2;

/**
 * `state.cpu` holds the guest state to save exactly as the exit leaves it (RIP already set per
 * §27.3.3: the instruction's RIP for fault-like exits, the next one for trap-like exits; RFLAGS.RF as
 * the event would push it for event-caused exits; blocking and activity as they are at the exit).
 * `info` is the information to record. Returns the exit (or the VMX abort) and, when the SDM permits
 * other endings, those as alternatives.
 */
export const vmExit = (caps: Capabilities, state: VtxState, info: ExitInformation, decisions: readonly Decision[]): NonRootResult => {
  const before = currentImage(state);
  const ctl = exitControls(before);
  const image = saveGuestState(caps, recordExitInformation(caps, before, info, state.cpu), state.cpu, info, ctl);
  const saved = withImage(state, image);
  const store = storeMsrs(caps, image, state.cpu, saved.memory);
  if (store.kind === 'failed') {
    const why = decision(store.rule, '27.4', `entry ${store.index} of the VM-exit MSR-store area cannot be stored`);
    return toResult(abortAt({ ...saved, memory: store.memory }, state.cpu, 1, why), info, decisions);
  }
  const stored: VtxState = { ...saved, memory: store.memory };
  const storeDecision = store.count > 0 ? [decision('VMEXIT.MSR_STORE', '27.4', `${store.count} guest MSR value${store.count === 1 ? '' : 's'} stored`)] : [];
  const back = returnToHost(caps, stored, image, ctl, state.cpu, { directNmi: directNmi(info) });
  const all = [...decisions, ...storeDecision];
  const canonical = toResult(back.canonical, info, all);
  return back.alternatives.length === 0 ? canonical : { ...canonical, alternatives: back.alternatives.map((r) => toResult(r, info, all)) };
};
