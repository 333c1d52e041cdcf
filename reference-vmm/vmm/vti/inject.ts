/**
 * Delivering an interruption to the guest, as the processor would have delivered it to a guest OS
 * running natively (SDM 2:§5.5; LK/XEN collect_interruption and inject_guest_interruption): the
 * guest's interruption CRs in the VPD, its PSR and bank, and its IVT entry. An interruption clears
 * the RSE's CFLE (SDM 2:§5.5, 2:§6.7-6.8), so the guest handler, which runs with vpsr.ic = 0, is
 * resumed through PAL_VPS_RESUME_HANDLER with CFLE = 0 — what native delivery gives it (XEN clears
 * the saved ISR.ir it derives CFLE from; ITJ, "Access to Hidden State").
 */
import { FAULTS, INTERRUPTION_PSR_KEEP, type FaultName } from '../../../spec/vti/machine/faults.js';
import { PSR } from '../../../spec/vti/machine/initial.js';
import { bit, IFS_V, withRi } from './bits.js';
import { switchGuestBank, bankOf } from './bank.js';
import type { FaultDetails } from './emulate/common.js';
import type { GuestContinuation, Vm } from './vm.js';

const CR = { dcr: 0, iva: 2, ipsr: 16, isr: 17, iip: 19, ifa: 20, itir: 21, iipa: 22, ifs: 23, iim: 24, iha: 25 } as const;
const ISR_NI = 1n << 39n;

export interface GuestInterruption {
  /** Guest IVT offset. */
  readonly vector: number;
  /** ISR{15:0} and the bits above it the processor would report (x, w, r, na, …), without ei and ni. */
  readonly isr: bigint;
  /** Where the guest was: IIP and slot (a fault: the faulting instruction; a trap or interrupt: the next). */
  readonly iip: bigint;
  readonly ri: number;
  /** ISR.ei when it is not `ri`: a trap reports the slot of the instruction that trapped. */
  readonly ei?: number;
  /** The guest PSR at that point. */
  readonly psr: bigint;
  readonly ifa?: bigint;
  readonly itir?: bigint;
  readonly iha?: bigint;
  readonly iim?: bigint;
}

export const inject = (vm: Vm, i: GuestInterruption): GuestContinuation => {
  vm.stats.guestInterruption(i.vector);
  const ic = (i.psr & PSR.ic) !== 0n;
  const vpd = vm.host.vpd();
  const vcr = new Map(vpd.vcr);
  vcr.set(CR.isr, i.isr | (BigInt(i.ei ?? i.ri) << 41n) | (ic ? 0n : ISR_NI));
  if (ic) {
    vcr.set(CR.ipsr, withRi(i.psr, i.ri));
    vcr.set(CR.iip, i.iip);
    vcr.set(CR.iipa, vm.shadow.lastIp);
    vcr.set(CR.ifs, (vcr.get(CR.ifs) ?? 0n) & ~IFS_V);
    if (i.ifa !== undefined) vcr.set(CR.ifa, i.ifa);
    if (i.itir !== undefined) vcr.set(CR.itir, i.itir);
    if (i.iha !== undefined) vcr.set(CR.iha, i.iha);
    if (i.iim !== undefined) vcr.set(CR.iim, i.iim);
  }
  vm.host.updateVpd((v) => ({ ...v, vcr }));
  const dcr = vcr.get(CR.dcr) ?? 0n;
  const psr = (i.psr & INTERRUPTION_PSR_KEEP) | (bit(dcr, 1) ? PSR.be : 0n) | (bit(dcr, 0) ? PSR.pp : 0n);
  switchGuestBank(vm, bankOf(i.psr), 0);
  return { ip: (vcr.get(CR.iva) ?? 0n) + BigInt(i.vector), ri: 0, psr, cfle: false };
};

/** A fault of spec/vti/machine/faults.ts, taken by the guest instruction the VMM was entered for. */
export const injectFault = (vm: Vm, at: { readonly iip: bigint; readonly ri: number; readonly psr: bigint }, name: FaultName,
  extra: FaultDetails = {}): GuestContinuation => {
  const f = FAULTS[name];
  return inject(vm, {
    vector: f.vector, isr: BigInt(extra.isrCode ?? f.isrCode) | (extra.isrBits ?? 0n), iip: at.iip, ri: at.ri, psr: at.psr,
    ...(extra.ifa === undefined ? {} : { ifa: extra.ifa }),
    ...(extra.itir === undefined ? {} : { itir: extra.itir }),
    ...(extra.iha === undefined ? {} : { iha: extra.iha }),
  });
};
