/**
 * The TSC as the guest reads it (SDM §25.3): with "use TSC offsetting" the TSC offset is added, and
 * with "use TSC scaling" the TSC is first multiplied by the 16.48 fixed-point multiplier.
 * Rules: CHANGED.RDTSC.OFFSET, CHANGED.TSC.SCALING. The TSC does not advance between steps.
 */
import { MASK64, type Guest } from '../guest.js';

export const guestTsc = (g: Guest): bigint => {
  let tsc = g.cpu.tsc;
  if (!g.on('proc.USE_TSC_OFFSETTING')) return tsc;
  if (g.on('proc2.USE_TSC_SCALING')) tsc = ((tsc * g.f('TSC_MULTIPLIER')) >> 48n) & MASK64;
  return (tsc + g.f('TSC_OFFSET')) & MASK64;
};
