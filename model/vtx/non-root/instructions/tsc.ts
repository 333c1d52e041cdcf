/**
 * The time-stamp counter a guest reads without a VM exit (§25.3, rules CHANGED.RDTSC.OFFSET,
 * CHANGED.RDMSR.TSC, CHANGED.TSC.SCALING): with "use TSC offsetting" = 1 the TSC offset is added,
 * and with "use TSC scaling" = 1 as well the TSC is first multiplied by the TSC multiplier and shifted
 * right by 48 bits. Without offsetting, scaling has no effect (§25.3 RDMSR item: scaling is consulted
 * only under the 1-setting of "use TSC offsetting").
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { cite, controlOn, field, hex } from './controls.js';
import { U64 } from './operands.js';

export interface TscRead {
  readonly value: bigint;
  readonly decisions: readonly Decision[];
}

export const guestTsc = (s: VtxState, rule: 'CHANGED.RDTSC.OFFSET' | 'CHANGED.RDMSR.TSC'): TscRead => {
  const tsc = s.cpu.tsc & U64;
  if (!controlOn(s, 'proc.USE_TSC_OFFSETTING')) {
    return { value: tsc, decisions: [cite(rule, `"use TSC offsetting" = 0: the guest reads the TSC itself (${hex(tsc)})`)] };
  }
  const offset = field(s, 'TSC_OFFSET');
  if (!controlOn(s, 'proc2.USE_TSC_SCALING')) {
    const value = (tsc + offset) & U64;
    return { value, decisions: [cite(rule, `"use TSC offsetting" = 1: TSC ${hex(tsc)} + TSC offset ${hex(offset)} = ${hex(value)}`)] };
  }
  const multiplier = field(s, 'TSC_MULTIPLIER');
  const scaled = ((tsc * multiplier) >> 48n) & U64;
  const value = (scaled + offset) & U64;
  return {
    value,
    decisions: [
      cite('CHANGED.TSC.SCALING', `"use TSC scaling" = 1: (TSC ${hex(tsc)} × multiplier ${hex(multiplier)}) >> 48 = ${hex(scaled)}`),
      cite(rule, `"use TSC offsetting" = 1: scaled TSC + TSC offset ${hex(offset)} = ${hex(value)}`),
    ],
  };
};
