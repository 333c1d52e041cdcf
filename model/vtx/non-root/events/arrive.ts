/**
 * An event arrives at the logical processor (EVENT.PENDING.LATCH): it is latched in state.cpu.pending
 * until ../boundary.ts takes it — an external interrupt (the highest-priority vector is kept: a higher
 * vector number is a higher priority class, Vol. 3A §10.8.3), an NMI, an INIT, or a SIPI (discarded
 * outside the wait-for-SIPI state, EXIT.SIPI). The VMX-preemption timer's expiry (§25.5.1,
 * EXIT.PREEMPTION) is its VMCS value reaching 0, and only when "activate VMX-preemption timer" = 1;
 * the boundary then takes the exit. No delivery happens here.
 */
import { match } from 'ts-pattern';
import type { GuestEvent } from '../../../../spec/vtx/guest/events.js';
import { writeField, type VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { control } from './controls.js';

const withPending = (s: VtxState, pending: Partial<VtxState['cpu']['pending']>): VtxState =>
  ({ ...s, cpu: { ...s.cpu, pending: { ...s.cpu.pending, ...pending } } });

const timerExpired = (s: VtxState): VtxState => {
  if (!control(s, 'pin.ACTIVATE_VMX_PREEMPTION_TIMER') || s.currentVmcs === null) return s;
  const region = s.vmcs.get(s.currentVmcs);
  if (region === undefined) return s;
  const fields = writeField(region.fields, 'VMX_PREEMPTION_TIMER_VALUE', 0n);
  return { ...s, vmcs: new Map(s.vmcs).set(s.currentVmcs, { ...region, fields }) };
};

export const arrive = (_caps: Capabilities, state: VtxState, event: GuestEvent): VtxState =>
  match(event)
    .with({ kind: 'external-interrupt' }, ({ vector }) =>
      withPending(state, { extint: Math.max(vector & 0xff, state.cpu.pending.extint ?? -1) }))
    .with({ kind: 'nmi' }, () => withPending(state, { nmi: true }))
    .with({ kind: 'init' }, () => withPending(state, { init: true }))
    .with({ kind: 'sipi' }, ({ vector }) => (state.cpu.activity === 'wait-for-sipi' ? withPending(state, { sipi: vector & 0xff }) : state))
    .with({ kind: 'preemption-timer-expiry' }, () => timerExpired(state))
    .exhaustive();
