/**
 * PRIORITY.EVENTS and the blocking rules as a property: over random pending events (INIT, SIPI, NMI,
 * external interrupt, pending debug exceptions, an expired VMX-preemption timer), random event
 * controls, interruptibility and activity states, the model's boundary takes exactly the event an
 * independent oracle picks — the first, in the SDM's order, of those that nothing blocks — and is
 * total, deterministic and pure.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeCapabilities } from '../../../../model/vtx/capabilities.js';
import { atBoundary } from '../../../../model/vtx/non-root/boundary.js';
import { withControls } from '../../../../model/vtx/non-root/events/testing.js';
import type { NonRootResult } from '../../../../model/vtx/non-root/result.js';
import type { ControlName } from '../../../../spec/vtx/controls.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import type { ActivityState, VtxState } from '../../../../spec/vtx/state.js';
import { FC_PARAMS } from '../../properties/params.js';
import { nonRootBaseline, withCpu, withVmcs } from '../baseline.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const base = nonRootBaseline(profile);

interface Case {
  readonly nmiExiting: boolean; readonly virtualNmis: boolean; readonly nmiWindow: boolean; readonly intWindow: boolean;
  readonly extintExiting: boolean; readonly ack: boolean; readonly timer: boolean; readonly timerZero: boolean;
  readonly init: boolean; readonly nmi: boolean; readonly extint: number | null; readonly sipi: number | null;
  readonly ifFlag: boolean; readonly sti: boolean; readonly movSs: boolean; readonly nmiBlocked: boolean;
  readonly activity: ActivityState; readonly singleStep: boolean; readonly dbBit: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  nmiExiting: fc.boolean(), virtualNmis: fc.boolean(), nmiWindow: fc.boolean(), intWindow: fc.boolean(),
  extintExiting: fc.boolean(), ack: fc.boolean(), timer: fc.boolean(), timerZero: fc.boolean(),
  init: fc.boolean(), nmi: fc.boolean(), extint: fc.option(fc.integer({ min: 32, max: 255 })), sipi: fc.option(fc.nat({ max: 255 })),
  ifFlag: fc.boolean(), sti: fc.boolean(), movSs: fc.boolean(), nmiBlocked: fc.boolean(),
  activity: fc.constantFrom<ActivityState>('active', 'active', 'hlt', 'shutdown', 'wait-for-sipi'),
  singleStep: fc.boolean(), dbBit: fc.boolean(),
}).map((c) => {
  // What a successful VM entry allows: virtual NMIs need NMI exiting, NMI-window exiting needs virtual
  // NMIs, STI blocking needs IF = 1, STI and MOV-SS blocking exclude each other and need the active state.
  const virtualNmis = c.virtualNmis && c.nmiExiting;
  const sti = c.sti && c.ifFlag && c.activity === 'active';
  return { ...c, virtualNmis, nmiWindow: c.nmiWindow && virtualNmis, sti, movSs: c.movSs && !sti && c.activity === 'active' };
});

const stateOf = (c: Case): VtxState => {
  const controls: ControlName[] = [];
  if (c.nmiExiting) controls.push('pin.NMI_EXITING');
  if (c.virtualNmis) controls.push('pin.VIRTUAL_NMIS');
  if (c.nmiWindow) controls.push('proc.NMI_WINDOW_EXITING');
  if (c.intWindow) controls.push('proc.INTERRUPT_WINDOW_EXITING');
  if (c.extintExiting) controls.push('pin.EXTERNAL_INTERRUPT_EXITING');
  if (c.ack) controls.push('exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT');
  if (c.timer) controls.push('pin.ACTIVATE_VMX_PREEMPTION_TIMER');
  const s = withVmcs(withControls(base, controls), { VMX_PREEMPTION_TIMER_VALUE: c.timerZero ? 0n : 100n, EXCEPTION_BITMAP: c.dbBit ? 2n : 0n });
  return withCpu(s, {
    rflags: c.ifFlag ? 0x202n : 0x2n, blockingBySti: c.sti, blockingByMovSs: c.movSs, blockingByNmi: c.nmiBlocked,
    activity: c.activity, pendingDebug: c.singleStep ? 1n << 14n : 0n,
    pending: { init: c.init, nmi: c.nmi, extint: c.extint, sipi: c.activity === 'wait-for-sipi' ? c.sipi : null },
  });
};

type Kind = 'init' | 'sipi' | 'debug' | 'timer' | 'nmi-window' | 'nmi' | 'int-window' | 'extint' | 'none';

/** The oracle: Vol. 3A Table 6-2 with §25.2's VMX events, each with the conditions that let it through (canonical choices). */
const expected = (c: Case): Kind => {
  const act = c.activity;
  if (c.init && act !== 'wait-for-sipi') return 'init';
  if (act === 'wait-for-sipi') return c.sipi !== null ? 'sipi' : 'none';
  const candidates: [Kind, boolean][] = [
    ['debug', c.singleStep && !c.movSs && act !== 'shutdown'],
    ['timer', c.timer && c.timerZero],
    ['nmi-window', c.nmiWindow && !c.nmiBlocked && !c.movSs],
    ['nmi', c.nmi && !c.movSs && !(c.nmiBlocked && !c.virtualNmis)],
    ['int-window', c.intWindow && c.ifFlag && !c.sti && !c.movSs && act !== 'shutdown'],
    ['extint', c.extint !== null && act !== 'shutdown' && !c.sti && !c.movSs && (c.extintExiting || c.ifFlag)],
  ];
  return candidates.find(([, ok]) => ok)?.[0] ?? 'none';
};

const kindOf = (r: NonRootResult | null): Kind => {
  if (r === null) return 'none';
  const o = r.observation;
  if (o.kind === 'delivered') {
    if (o.type === 'nmi') return 'nmi';
    if (o.type === 'external-interrupt') return 'extint';
    return o.vector === 1 ? 'debug' : 'none';
  }
  if (o.kind !== 'vm-exit') return 'none';
  const reason = o.exit.reason & 0xffff;
  const byReason: Partial<Record<number, Kind>> = { 1: 'extint', 3: 'init', 4: 'sipi', 7: 'int-window', 8: 'nmi-window', 52: 'timer' };
  if (reason === 0) return ((o.exit.interruptionInfo >>> 8) & 7) === 2 ? 'nmi' : 'debug';
  return byReason[reason] ?? 'none';
};

const snapshot = (s: VtxState) => JSON.stringify(s, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v));

describe('events at an instruction boundary', () => {
  test.prop([caseArb], FC_PARAMS(3000))('PRIORITY.EVENTS: the boundary takes the highest-priority event nothing blocks', (c) => {
    const s = stateOf(c);
    const before = snapshot(s);
    const r = atBoundary(caps, s);
    expect(snapshot(s)).toBe(before);
    expect(kindOf(r)).toBe(expected(c));
    expect(kindOf(atBoundary(caps, s))).toBe(kindOf(r));
  });

  test.prop([caseArb], FC_PARAMS(1000))('EXIT.EXTINT.ACK: an external-interrupt exit is acknowledged (vector reported, no longer pending) exactly with the control', (c) => {
    const r = atBoundary(caps, stateOf(c));
    if (r === null || r.observation.kind !== 'vm-exit' || r.observation.exit.reason !== 1) return;
    const info = r.observation.exit.interruptionInfo;
    if (c.ack) {
      expect(info).toBe((0x8000_0000 | (c.extint ?? -1)) >>> 0);
      expect(r.state.cpu.pending.extint).toBeNull();
    } else {
      expect(info).toBe(0);
      expect(r.state.cpu.pending.extint).toBe(c.extint);
    }
  });
});
