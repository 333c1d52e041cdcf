/**
 * VMLAUNCH / VMRESUME in VMX root operation: the VM-entry sequence of SDM ch. 26 —
 * (1) basic checks §26.1, strictly ordered; (2) checks on controls §26.2.1 and host state
 * §26.2.2–26.2.4, "in any order"; (3) guest-state checks §26.3.1 (in any order among themselves) and
 * loading §26.3.2 with the guest's non-register state §26.6; (4) MSR loading §26.4; (5) VMLAUNCH marks
 * the VMCS launched, the processor is in VMX non-root operation (ENTRY.LOAD.NONROOT), and event
 * injection §26.5 runs in it (../non-root/events/inject.ts). A failure in (3) or (4) ends as §26.7
 * prescribes (./entry-failure.ts: host state and the VM-exit MSR-load list are loaded).
 *
 * The instruction's observation is {kind: 'vm-entry', guest} with `guest` = what was loaded from the
 * guest-state area, whatever injection then does: the entry succeeded, and an exit caused by
 * delivering the injected event (§26.5.1.2) is the guest's first VM exit, which the outcome's state
 * shows (exit information in the VMCS, host state loaded). A VMM — or a harness such as Bochs's — sees
 * the entry succeed and then that exit.
 *
 * Looseness is kept, not resolved: when rules of phase 2 with different error numbers fail, every such
 * error is permitted (7 and 8); when several guest rules fail, every qualification is permitted; a rule
 * a processor MAY check (GUEST.INTR.NMI.STI) permits both outcomes; an over-long MSR-load list is
 * undefined behaviour. The canonical outcome is the first failing rule in catalog order.
 */
import { observationEqual, type LoadedGuestState, type Observation } from '../../../spec/vtx/observation.js';
import { match } from 'ts-pattern';
import type { Outcome } from '../outcome.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { CatalogFailure, EntryPhase } from '../../../spec/vtx/vm-entry/rule.js';
import { MSR_LOADING_CHECKS } from '../../../spec/vtx/vm-entry/msr-loading.js';
import type { Capabilities } from '../capabilities.js';
import { fault, vmFailInvalid, vmFailValid, type Step } from '../flags.js';
import { BASIC_SEQUENCE, CONTROL_HOST_SEQUENCE, GUEST_SEQUENCE, type SequencedCheck } from './catalog.js';
import { makeEntryEnv, type EntryEnv, type EntryInstruction } from './env.js';
import type { BasicEnv } from './basic.js';
import { guestRegisters, hex, loadGuestState } from './load-guest-state.js';
import { loadMsrList } from './msr-loading.js';
import { entryFailureExit, entryFailureObservation, registersAtMsrFailure } from './entry-failure.js';
import { injectEvent } from '../non-root/events/inject.js';
import { vmExit } from '../vm-exit/index.js';
import { NO_EXIT_INFORMATION } from '../../../spec/vtx/non-root/observation.js';
import { instructionLength } from '../../../spec/vtx/guest/length.js';

export type { EntryInstruction } from './env.js';
export { conforms, type Outcome } from '../outcome.js';

export type CheckResult = 'pass' | 'fail' | 'not-applicable' | 'not-reached';

export interface CheckEvaluation {
  readonly id: string;
  readonly section: string;
  readonly phase: EntryPhase;
  readonly result: CheckResult;
}

type Trace = CheckEvaluation[] | undefined;

const record = (trace: Trace, c: { id: string; spec: { section: string; phase: EntryPhase } }, result: CheckResult) => {
  trace?.push({ id: c.id, section: c.spec.section, phase: c.spec.phase, result });
};

type Named = { readonly id: string; readonly spec: { readonly section: string; readonly phase: EntryPhase } };

const markNotReached = (trace: Trace, rest: readonly Named[]) => {
  for (const c of rest) record(trace, c, 'not-reached');
};

const MSR_SEQUENCE = Object.entries(MSR_LOADING_CHECKS).map(([id, spec]) => ({ id, spec }));

const uniq = (os: readonly Observation[]): Observation[] =>
  os.filter((o, i) => os.findIndex((p) => observationEqual(o, p)) === i);

const single = (step: Step, failedRules: readonly string[]): Outcome => ({
  canonical: step.observation, permitted: [step.observation], undefinedBehaviour: false, failedRules, state: step.state,
});

/** Evaluate one phase: every applicable rule, so that the whole set of failing rules is known. */
const evaluate = <E>(env: E, seq: readonly SequencedCheck<E>[], trace: Trace): SequencedCheck<E>[] => {
  const failed: SequencedCheck<E>[] = [];
  for (const c of seq) {
    if (c.applies !== null && !c.applies(env)) { record(trace, c, 'not-applicable'); continue; }
    if (c.holds(env)) { record(trace, c, 'pass'); continue; }
    record(trace, c, 'fail');
    failed.push(c);
  }
  return failed;
};

/** The outcome of a failed §26.1 check; those rules end in a fault, an exit, or VMfail (never 33/34). */
const basicFailure = (caps: Capabilities, state: VtxState, instruction: EntryInstruction, failure: CatalogFailure): Step =>
  match(failure)
    .with({ kind: 'fault' }, (f) => fault(state, f.vector))
    .with({ kind: 'vm-exit' }, (): Step => {
      // VMLAUNCH/VMRESUME in VMX non-root operation: an unconditional, fault-like exit to the VMM (§25.1.2, ch. 27).
      const reason = instruction === 'VMLAUNCH' ? 20 : 24;
      const exited = vmExit(caps, state, { ...NO_EXIT_INFORMATION, reason, instructionLength: instructionLength({ op: instruction }) }, []);
      return { observation: { kind: 'vm-exit', reason, qualification: 0n }, state: exited.state };
    })
    .with({ kind: 'VMfailInvalid' }, () => vmFailInvalid(state))
    .with({ kind: 'VMfailValid' }, (f) => vmFailValid(state, f.error))
    .with({ kind: 'entry-failure' }, { kind: 'undefined' }, () => vmFailInvalid(state))
    .exhaustive();

/**
 * What the entry ends in once the guest is loaded: the guest, then whatever injecting the event of the
 * VM-entry interruption-information field does (delivery through the guest IDT, or a VM exit,
 * §26.5.1.2). The canonical injection result gives the state.
 */
const afterInjection = (e: EntryEnv, entered: VtxState, guest: LoadedGuestState): { observations: Observation[]; state: VtxState } =>
  ({ observations: [{ kind: 'vm-entry', guest }], state: injectEvent(e.caps, entered)?.state ?? entered });

/** Phases 3 (after the guest checks passed or only optional rules failed), 4 and 5. */
const loadAndEnter = (e: EntryEnv, trace: Trace): Outcome => {
  const guest = loadGuestState(e, e.state.cpu);
  const list = loadMsrList(e, guest);
  const msrFailure = (index: number) => entryFailureExit(e, 34, index, registersAtMsrFailure(e, guest, index));
  if (list.kind === 'undefined') {
    for (const c of MSR_SEQUENCE) record(trace, c, c.id === 'MSRLOAD.COUNT' ? 'fail' : 'not-reached');
    // Undefined behaviour: the model fails past the recommended maximum, with no list entry written.
    const step = entryFailureExit(e, 34, e.caps.maxMsrListEntries + 1, registersAtMsrFailure(e, guest, 1));
    return { canonical: step.observation, permitted: [step.observation], undefinedBehaviour: true, failedRules: ['MSRLOAD.COUNT'], state: step.state };
  }
  // Entries naming MSRs a processor may lack: failing there is permitted too (see MsrLoadResult).
  const unknownExits = list.unknownEntries.map((i) => entryFailureObservation(34, i));
  const canonicalUnknown = list.unknownEntries.length > 0 ? msrFailure(list.unknownEntries[0]!) : null;
  if (list.kind === 'failed') {
    for (const c of MSR_SEQUENCE) record(trace, c, c.id === list.rule ? 'fail' : 'pass');
    const canonical = canonicalUnknown ?? msrFailure(list.index);
    return {
      canonical: canonical.observation, permitted: uniq([canonical.observation, ...unknownExits, entryFailureObservation(34, list.index)]),
      undefinedBehaviour: false, failedRules: canonicalUnknown ? ['MSRLOAD.WRMSR', list.rule] : [list.rule], state: canonical.state,
    };
  }
  for (const c of MSR_SEQUENCE) record(trace, c, canonicalUnknown && c.id === 'MSRLOAD.WRMSR' ? 'fail' : 'pass');
  let loaded = guest;
  if (list.msrs.size > 0 || list.efer !== guest.efer) {
    const msrs = { ...guest.msrs };
    for (const [k, v] of list.msrs) msrs[hex(k)] = v;
    loaded = { ...guest, efer: list.efer, msrs };
  }
  const s = e.state;
  const at = s.currentVmcs!;
  const region = s.vmcs.get(at)!;
  const vmcs = new Map(s.vmcs);
  if (e.instruction === 'VMLAUNCH') vmcs.set(at, { ...region, launchState: 'launched' });
  const cpu = guestRegisters(e, loaded, s.cpu, list.msrs);
  // ENTRY.LOAD.NONROOT: the guest runs; injection (§26.5) happens in non-root operation.
  const entered = afterInjection(e, { ...s, vmx: 'non-root', vmcs, cpu }, loaded);
  if (canonicalUnknown === null) {
    return { canonical: entered.observations[0]!, permitted: entered.observations, undefinedBehaviour: false, failedRules: [], state: entered.state };
  }
  return {
    canonical: canonicalUnknown.observation, permitted: uniq([canonicalUnknown.observation, ...unknownExits, ...entered.observations]),
    undefinedBehaviour: false, failedRules: ['MSRLOAD.WRMSR'], state: canonicalUnknown.state,
  };
};

interface Sequences {
  readonly basic: readonly SequencedCheck<BasicEnv>[];
  readonly controlHost: readonly SequencedCheck<EntryEnv>[];
  readonly guest: readonly SequencedCheck<EntryEnv>[];
}

const ALL: Sequences = { basic: BASIC_SEQUENCE, controlHost: CONTROL_HOST_SEQUENCE, guest: GUEST_SEQUENCE };

const run = (caps: Capabilities, state: VtxState, instruction: EntryInstruction, trace: Trace, seqs: Sequences = ALL): Outcome => {
  const { basic: BASIC_SEQUENCE, controlHost: CONTROL_HOST_SEQUENCE, guest: GUEST_SEQUENCE } = seqs;
  // Phase 1: §26.1, first failure ends the instruction.
  const basicEnv = { state, instruction };
  for (let i = 0; i < BASIC_SEQUENCE.length; i++) {
    const c = BASIC_SEQUENCE[i]!;
    if (c.applies !== null && !c.applies(basicEnv)) { record(trace, c, 'not-applicable'); continue; }
    if (c.holds(basicEnv)) { record(trace, c, 'pass'); continue; }
    record(trace, c, 'fail');
    markNotReached(trace, [...BASIC_SEQUENCE.slice(i + 1), ...CONTROL_HOST_SEQUENCE, ...GUEST_SEQUENCE, ...MSR_SEQUENCE]);
    return single(basicFailure(caps, state, instruction, c.spec.failure), [c.id]);
  }
  const e = makeEntryEnv(caps, state, instruction, state.vmcs.get(state.currentVmcs!)!.fields);

  // Phase 2: §26.2, any order — every failing rule's error number is permitted.
  const ctlHost = evaluate(e, CONTROL_HOST_SEQUENCE, trace);
  if (ctlHost.length > 0) {
    markNotReached(trace, [...GUEST_SEQUENCE, ...MSR_SEQUENCE]);
    const errors = new Set<number>();
    for (const c of ctlHost) {
      if (c.spec.failure.kind !== 'VMfailValid') continue;
      errors.add(c.spec.failure.error);
      for (const n of c.spec.failure.alsoPermitted ?? []) errors.add(n);
    }
    const first = ctlHost[0]!.spec.failure;
    const canonicalError = first.kind === 'VMfailValid' ? first.error : 7;
    const step = vmFailValid(state, canonicalError);
    const permitted = [...errors].map((error): Observation => ({ kind: 'VMfailValid', error }));
    return { canonical: step.observation, permitted: uniq([step.observation, ...permitted]), undefinedBehaviour: false, failedRules: ctlHost.map((c) => c.id), state: step.state };
  }

  // Phase 3: §26.3.1, any order — every failing rule's qualification is permitted.
  const guestFailed = evaluate(e, GUEST_SEQUENCE, trace);
  const isOptional = (c: SequencedCheck<EntryEnv>) => c.spec.failure.kind === 'entry-failure' && c.spec.failure.optional === true;
  const mandatory = guestFailed.filter((c) => !isOptional(c));
  const qualification = (c: SequencedCheck<EntryEnv>) =>
    c.spec.failure.kind === 'entry-failure' && typeof c.spec.failure.qualification === 'number' ? c.spec.failure.qualification : 0;
  if (guestFailed.length > 0) {
    const canonicalRule = mandatory[0] ?? guestFailed[0]!;
    const step = entryFailureExit(e, 33, qualification(canonicalRule));
    const exits = guestFailed.map((c) => entryFailureObservation(33, qualification(c)));
    const failedRules = [canonicalRule.id, ...guestFailed.filter((c) => c !== canonicalRule).map((c) => c.id)];
    if (mandatory.length > 0) {
      markNotReached(trace, MSR_SEQUENCE);
      return { canonical: step.observation, permitted: uniq([step.observation, ...exits]), undefinedBehaviour: false, failedRules, state: step.state };
    }
    // Only rules a processor MAY check failed: not checking them is also permitted.
    const continued = loadAndEnter(e, trace);
    return {
      canonical: step.observation,
      permitted: uniq([step.observation, ...exits, ...continued.permitted]),
      undefinedBehaviour: continued.undefinedBehaviour,
      failedRules,
      state: step.state,
    };
  }
  return loadAndEnter(e, trace);
};

/** VMLAUNCH/VMRESUME from `state` on the processor `caps` describes. Pure; never throws on decoded input. */
export const vmEntry = (caps: Capabilities, state: VtxState, instruction: EntryInstruction): Outcome =>
  run(caps, state, instruction, undefined);

/**
 * What the SDM would permit from a processor that does not check `rules` (VM-entry checks of §26.1–26.3).
 * A question researchers and emulator authors ask ("is Bochs' outcome explained by it skipping rule
 * R?"); `vtspec conform` uses it to recognise a documented departure of an implementation.
 */
export const vmEntryWithout = (caps: Capabilities, state: VtxState, instruction: EntryInstruction, rules: ReadonlySet<string>): Outcome =>
  run(caps, state, instruction, undefined, {
    basic: BASIC_SEQUENCE.filter((c) => !rules.has(c.id)),
    controlHost: CONTROL_HOST_SEQUENCE.filter((c) => !rules.has(c.id)),
    guest: GUEST_SEQUENCE.filter((c) => !rules.has(c.id)),
  });

/** The same, with every rule of the catalog listed in evaluation order and its result. */
export const explainEntry = (caps: Capabilities, state: VtxState, instruction: EntryInstruction) => {
  const trace: CheckEvaluation[] = [];
  const outcome = run(caps, state, instruction, trace);
  return { outcome, trace };
};

