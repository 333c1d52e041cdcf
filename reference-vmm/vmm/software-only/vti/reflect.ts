/**
 * Delivering an interruption to the guest's own IVT, on the guest's view of its processor, as its
 * processor would have delivered it (SDM 2:§5.5): with its PSR.ic = 1 the interruption registers
 * IPSR, IIP, IIPA and IFS.v = 0 and the resources the vector writes, ISR in any case (ni = !ic), then
 * the interruption PSR (DCR.be/pp) on bank 0 at IVA + vector. The VMM needs this only for what it
 * cannot re-execute: a trap, which the machine took after the instruction completed.
 */
import { INTERRUPTION_PSR_KEEP } from '../../../../spec/vti/machine/faults.js';
import { PSR } from '../../../../spec/vti/machine/initial.js';
import type { VtiState } from '../../../../spec/vti/machine/state.js';
import { withPsr } from './split.js';

const CR = { dcr: 0, iva: 2, ipsr: 16, isr: 17, iip: 19, ifa: 20, iipa: 22, ifs: 23 } as const;
const ISR_NI = 1n << 39n;
const IFS_V = 1n << 63n;

export interface Reflected {
  /** Guest IVT offset. */
  readonly vector: number;
  /** ISR as the machine reported it (code, ei, access bits); ni is the guest's own. */
  readonly isr: bigint;
  readonly ifa?: bigint;
}

export const reflect = (g: VtiState, r: Reflected): VtiState => {
  const ic = (g.psr & PSR.ic) !== 0n;
  const cr = new Map(g.cr);
  cr.set(CR.isr, (r.isr & ~ISR_NI) | (ic ? 0n : ISR_NI));
  if (ic) {
    cr.set(CR.ipsr, g.psr);
    cr.set(CR.iip, g.ip);
    cr.set(CR.iipa, g.lastIp);
    cr.set(CR.ifs, (cr.get(CR.ifs) ?? 0n) & ~IFS_V);
    if (r.ifa !== undefined) cr.set(CR.ifa, r.ifa);
  }
  const dcr = cr.get(CR.dcr) ?? 0n;
  const psr = (g.psr & INTERRUPTION_PSR_KEEP) | ((dcr & 2n) !== 0n ? PSR.be : 0n) | ((dcr & 1n) !== 0n ? PSR.pp : 0n);
  return { ...withPsr(g, psr), cr, ip: ((cr.get(CR.iva) ?? 0n) & ~0x7fffn) + BigInt(r.vector) };
};
