/**
 * The guest's rfi (cause 37), usually the last instruction of a guest interruption handler. The
 * handler may have written its interruption CRs without intercepts (vac.a_to_int_cr): entry.ts has
 * already called PAL_VPS_SYNC_READ, so vIPSR, vIIP and vIFS in the VPD are the guest's latest (ITJ,
 * "Virtualization Configuration"). Then, as rfi does (LK vcpu_rfi, XEN vmx_vcpu_rfi): the guest's
 * PSR becomes vIPSR, its bank follows vIPSR.bn, it continues at vIIP, slot vIPSR.ri, and when vIFS.v
 * the machine IFS takes vIFS so the resume restores that frame. rfi forces CFLE to 1.
 */
import { PSR } from '../../../../spec/vti/machine/initial.js';
import { bit, psrRi } from '../bits.js';
import { changeGuestPsrBank } from '../bank.js';
import { guestImplemented, type Emu, type Emulation } from './common.js';

const CR = { ipsr: 16, iip: 19, ifs: 23 } as const;

export const rfi = (e: Emu): Emulation => {
  const vcr = e.vm.host.vpd().vcr;
  // A guest cannot enter VM mode itself: no nested virtualization (LK/XEN refuse PSR.vm too).
  const psr = (vcr.get(CR.ipsr) ?? 0n) & ~PSR.vm;
  const iip = (vcr.get(CR.iip) ?? 0n) & ~0xfn;
  const ifs = vcr.get(CR.ifs) ?? 0n;
  changeGuestPsrBank(e.vm, e.entry.guestPsr, psr);
  const restoreFrame = bit(ifs, 63) ? { ifs } : {};
  if (!guestImplemented(e, iip)) {
    return { kind: 'transferred', to: { ip: iip, ri: psrRi(psr), psr, ...restoreFrame, cfle: true }, trap: { fault: 'unimplementedInstructionAddress', ifa: iip } };
  }
  return { kind: 'transferred', to: { ip: iip, ri: psrRi(psr), psr, ...restoreFrame, cfle: true } };
};
