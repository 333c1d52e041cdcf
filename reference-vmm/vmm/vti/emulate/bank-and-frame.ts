/**
 * bsw.0 / bsw.1 (causes 38, 39) and cover (cause 36): the two instructions guest handler prologues
 * and epilogues run, which vac.a_bsw and vac.a_cover accelerate.
 *
 * bsw exchanges the guest's GR16-31 with the VPD copy of its other bank (LK vcpu_bsw0/1). cover
 * needs the register stack engine, which only the processor can drive: the VMM executes a cover of
 * its own, with PSR.ic = 0, which moves the guest's frame out of the current one exactly as the
 * guest's cover would, and leaves the covered frame marker in the machine IFS; with the guest's
 * PSR.ic = 0 that marker is the guest's IFS (LK vcpu_cover, XEN vmx_vcpu_cover). The resume then
 * restores no frame (IFS.v = 0), so the guest continues with the empty frame cover leaves.
 */
import { PSR } from '../../../../spec/vti/machine/initial.js';
import { changeGuestPsrBank } from '../bank.js';
import { guestIc, type Emu, type Emulation } from './common.js';

const CR_IFS = 23;

export const bsw = (e: Emu, bank: 0 | 1): Emulation => {
  const psr = bank === 1 ? e.entry.guestPsr | PSR.bn : e.entry.guestPsr & ~PSR.bn;
  changeGuestPsrBank(e.vm, e.entry.guestPsr, psr);
  return { kind: 'completed', psr };
};

export const cover = (e: Emu): Emulation => {
  e.vm.host.exec({ op: 'cover' });
  if (!guestIc(e)) {
    const ifs = e.vm.host.cr(CR_IFS);
    e.vm.host.updateVpd((v) => ({ ...v, vcr: new Map(v.vcr).set(CR_IFS, ifs) }));
  }
  return { kind: 'completed', ifs: 0n };
};
