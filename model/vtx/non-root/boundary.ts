/**
 * What happens at an instruction boundary before the next instruction (§25.2, §25.5.1, §25.5.2,
 * §26.6; Vol. 3A §6.9 Table 6-2), in priority order (PRIORITY.EVENTS):
 *   INIT (EXIT.INIT) › SIPI in wait-for-SIPI (EXIT.SIPI) › a pending MTF exit (PRIORITY.MTF) ›
 *   pending debug exceptions (EVENT.DEBUG.TRAP) › VMX-preemption timer (EXIT.PREEMPTION) ›
 *   NMI window (EXIT.NMIWINDOW) › NMI (EXIT.NMI, or delivery) › interrupt window (EXIT.INTWINDOW) ›
 *   external interrupt (EXIT.EXTINT, EXIT.EXTINT.ACK, CHANGED.IF.EXTINT, or delivery).
 * What blocks each: EVENT.BLOCK.*; what the activity states let through: EVENT.ACTIVITY.*.
 * Event-like exits save the boundary's RIP and the activity state as it is (§27.3.3, §27.3.4); a
 * delivery makes the processor active. Returns null when nothing is taken.
 *
 * Looseness (EVENT.BLOCK.STI): under blocking by STI a processor may also hold off NMIs and NMI-window
 * exits. The canonical result takes them; `boundaryChoices` lists the held-off result too, which may
 * be "nothing taken" (null) — step.ts must use it to offer that alternative, since a NonRootResult's
 * alternatives cannot say "the instruction runs instead".
 */
import type { Decision } from '../../../spec/vtx/non-root/observation.js';
import type { PendingEvents, VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { vmExit } from '../vm-exit/index.js';
import { mtfAfter, mtfExit } from './after.js';
import { raiseEvent } from './exceptions.js';
import { control } from './events/controls.js';
import { encodeEvent, exitInformation, hex } from './events/info.js';
import { deliverEvent } from './events/nested.js';
import { decision, vmcsField, type NonRootResult } from './result.js';

export interface BoundaryOptions {
  /** An MTF VM exit is pending on this boundary (after VM entry injected an event, §25.5.2). */
  readonly mtfPending?: boolean;
  /** Decisions made before reaching the boundary (kept in front of the boundary's own). */
  readonly decisions?: readonly Decision[];
}

const RFLAGS_IF = 1n << 9n;
/** Pending debug exceptions (Table 24-4): BS (14) or an enabled breakpoint (12) make a #DB trap; B3–B0 report which. */
const PENDING_BS = 1n << 14n, PENDING_BP = 1n << 12n;

const withPending = (s: VtxState, p: Partial<PendingEvents>): VtxState => ({ ...s, cpu: { ...s.cpu, pending: { ...s.cpu.pending, ...p } } });

type Taken = { readonly result: NonRootResult; readonly rule: string } | null;

const order = (rule: string): Decision =>
  decision('PRIORITY.EVENTS', '25.2; 25.5.1; 6.9', `${rule} is the highest-priority event not blocked at this boundary`);

const evaluate = (caps: Capabilities, s: VtxState, opts: BoundaryOptions, stiHoldsNmi: boolean): Taken => {
  const ds: Decision[] = [...(opts.decisions ?? [])];
  const { activity, pending, blockingBySti: sti, blockingByMovSs: movSs } = s.cpu;
  const exit = (rule: string, state: VtxState, reason: number, fields: Parameters<typeof exitInformation>[1], why: string): Taken =>
    ({ rule, result: vmExit(caps, state, exitInformation(reason, fields), [...ds, decision(rule, rule === 'EXIT.PREEMPTION' ? '25.5.1' : '25.2', why), order(rule)]) });

  // INIT: always exits, except in wait-for-SIPI where it is blocked (§25.2).
  if (pending.init) {
    if (activity !== 'wait-for-sipi') return exit('EXIT.INIT', withPending(s, { init: false }), 3, {}, `INIT signal in the ${activity} state: always exits, no INIT processing`);
    ds.push(decision('EVENT.ACTIVITY.WAITSIPI', '25.2', 'INIT is blocked in the wait-for-SIPI state'));
  }
  if (activity === 'wait-for-sipi') {
    if (pending.sipi === null) return null;
    return exit('EXIT.SIPI', withPending(s, { sipi: null }), 4, { qualification: BigInt(pending.sipi) }, `SIPI with vector ${hex(pending.sipi)} in the wait-for-SIPI state`);
  }
  if (opts.mtfPending === true && activity !== 'shutdown') {
    return { rule: 'EXIT.MTF', result: mtfExit(caps, s, ds, 'an MTF VM exit is pending on this boundary') };
  }
  const pd = s.cpu.pendingDebug;
  if ((pd & (PENDING_BS | PENDING_BP)) !== 0n && activity !== 'shutdown') {
    if (movSs) {
      ds.push(decision('EVENT.BLOCK.MOVSS', '6.8.3', `pending debug exceptions ${hex(pd)} held off by blocking by MOV SS`));
    } else {
      const cleared = { ...s, cpu: { ...s.cpu, pendingDebug: 0n } };
      const r = raiseEvent(caps, cleared, { vector: 1, type: 'hardware-exception', errorCode: null, dr6Bits: pd & 0x400fn },
        [...ds, decision('EVENT.DEBUG.TRAP', '26.6.3', `pending debug exceptions ${hex(pd)}: #DB trap`), order('EVENT.DEBUG.TRAP')]);
      return { rule: 'EVENT.DEBUG.TRAP', result: mtfAfter(caps, r) };
    }
  }
  if (control(s, 'pin.ACTIVATE_VMX_PREEMPTION_TIMER') && vmcsField(s, 'VMX_PREEMPTION_TIMER_VALUE') === 0n) {
    return exit('EXIT.PREEMPTION', s, 52, {}, '"activate VMX-preemption timer" = 1 and the timer value is 0');
  }
  if (control(s, 'proc.NMI_WINDOW_EXITING')) {
    const held = s.cpu.blockingByNmi ? 'virtual-NMI blocking' : movSs ? 'blocking by MOV SS' : sti && stiHoldsNmi ? 'blocking by STI (this processor holds NMI-window exits off under it)' : null;
    if (held === null) return exit('EXIT.NMIWINDOW', s, 8, {}, `"NMI-window exiting" = 1, no virtual-NMI blocking, no MOV-SS blocking${sti ? ' (blocking by STI does not hold it off here)' : ''}`);
    ds.push(decision('EXIT.NMIWINDOW', '25.2', `NMI window closed: ${held}`));
  }
  if (pending.nmi) {
    const virtualNmis = control(s, 'pin.VIRTUAL_NMIS');
    const held = !virtualNmis && s.cpu.blockingByNmi ? 'EVENT.BLOCK.NMI' : movSs ? 'EVENT.BLOCK.MOVSS' : sti && stiHoldsNmi ? 'EVENT.BLOCK.STI' : null;
    if (held !== null) {
      ds.push(decision(held, '6.8.3; 24.4.2', 'the pending NMI is held off'));
    } else if (control(s, 'pin.NMI_EXITING')) {
      return exit('EXIT.NMI', withPending(s, { nmi: false }), 0, { interruptionInfo: encodeEvent({ vector: 2, type: 'nmi', errorCode: null }) },
        '"NMI exiting" = 1: the NMI exits (NMI blocking begins only after the exit)');
    } else {
      const r = deliverEvent(caps, withPending(s, { nmi: false }), { vector: 2, type: 'nmi', errorCode: null },
        [...ds, decision('EXIT.NMI', '25.2', '"NMI exiting" = 0: the NMI is delivered through the guest IDT (vector 2)'), order('NMI')]);
      return { rule: 'EXIT.NMI', result: mtfAfter(caps, r) };
    }
  }
  const ifSet = (s.cpu.rflags & RFLAGS_IF) !== 0n;
  if (control(s, 'proc.INTERRUPT_WINDOW_EXITING')) {
    if (ifSet && !sti && !movSs && activity !== 'shutdown') {
      return exit('EXIT.INTWINDOW', s, 7, {}, `"interrupt-window exiting" = 1, RFLAGS.IF = 1, no blocking by STI or MOV SS${activity === 'hlt' ? ' (wakes HLT)' : ''}`);
    }
    ds.push(decision('EXIT.INTWINDOW', '25.2', `interrupt window closed: RFLAGS.IF = ${ifSet ? 1 : 0}, blocking by STI ${sti ? 1 : 0}, by MOV SS ${movSs ? 1 : 0}${activity === 'shutdown' ? ', shutdown state' : ''}`));
  }
  if (pending.extint !== null) {
    const vector = pending.extint;
    if (activity === 'shutdown') {
      ds.push(decision('EVENT.ACTIVITY.SHUTDOWN', '25.2', 'external interrupts are blocked in the shutdown state'));
    } else if (control(s, 'pin.EXTERNAL_INTERRUPT_EXITING')) {
      if (sti || movSs) {
        ds.push(decision(sti ? 'EVENT.BLOCK.STI' : 'EVENT.BLOCK.MOVSS', '24.4.2', `external interrupt ${vector} held off by blocking by ${sti ? 'STI' : 'MOV SS'}`));
      } else {
        const ack = control(s, 'exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT');
        ds.push(decision('CHANGED.IF.EXTINT', '25.3', `"external-interrupt exiting" = 1: RFLAGS.IF (${ifSet ? 1 : 0}) does not hold the interrupt off`));
        if (ack) {
          return {
            rule: 'EXIT.EXTINT.ACK',
            result: vmExit(caps, withPending(s, { extint: null }), exitInformation(1, { interruptionInfo: encodeEvent({ vector, type: 'external-interrupt', errorCode: null }) }), [...ds,
              decision('EXIT.EXTINT', '25.2', `external interrupt ${vector}: "external-interrupt exiting" = 1`),
              decision('EXIT.EXTINT.ACK', '25.2; 27.2.2', `"acknowledge interrupt on exit" = 1: the interrupt is acknowledged, vector ${vector} in the interruption information`), order('EXIT.EXTINT')]),
          };
        }
        return {
          rule: 'EXIT.EXTINT',
          result: vmExit(caps, s, exitInformation(1), [...ds,
            decision('EXIT.EXTINT', '25.2', `external interrupt ${vector}: "external-interrupt exiting" = 1`),
            decision('EXIT.EXTINT.ACK', '25.2; 27.2.2', '"acknowledge interrupt on exit" = 0: not acknowledged, it stays pending; interruption information not valid'), order('EXIT.EXTINT')]),
        };
      }
    } else if (ifSet && !sti && !movSs) {
      const r = deliverEvent(caps, withPending(s, { extint: null }), { vector, type: 'external-interrupt', errorCode: null },
        [...ds, decision('EXIT.EXTINT', '25.2', `"external-interrupt exiting" = 0: interrupt ${vector} is delivered through the guest IDT (RFLAGS.IF = 1, no STI/MOV-SS blocking)`), order('external interrupt')]);
      return { rule: 'EXIT.EXTINT', result: mtfAfter(caps, r) };
    } else {
      ds.push(decision(!ifSet ? 'EVENT.BLOCK.IF' : sti ? 'EVENT.BLOCK.STI' : 'EVENT.BLOCK.MOVSS', '6.8.1', `external interrupt ${vector} held off`));
    }
  }
  return null;
};

/** Every result the SDM permits at this boundary, canonical first; null means nothing is taken. */
export const boundaryChoices = (caps: Capabilities, state: VtxState, opts: BoundaryOptions = {}): readonly (NonRootResult | null)[] => {
  const canonical = evaluate(caps, state, opts, false);
  if (!state.cpu.blockingBySti || canonical === null || (canonical.rule !== 'EXIT.NMIWINDOW' && canonical.rule !== 'EXIT.NMI')) {
    return [canonical?.result ?? null];
  }
  const held = evaluate(caps, state, opts, true);
  return [canonical.result, held?.result ?? null];
};

export const atBoundary = (caps: Capabilities, state: VtxState, opts: BoundaryOptions = {}): NonRootResult | null => {
  const [canonical, ...others] = boundaryChoices(caps, state, opts);
  if (canonical === null || canonical === undefined) return null;
  const alternatives = others.filter((r): r is NonRootResult => r !== null).flatMap((r) => [r, ...(r.alternatives ?? [])]);
  return alternatives.length === 0 ? canonical : { ...canonical, alternatives: [...(canonical.alternatives ?? []), ...alternatives] };
};
