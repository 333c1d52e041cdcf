/**
 * The guest's two GR16-31 banks. The guest always runs on machine bank 1; its other bank is in the
 * VPD: vgr holds bank 1 while the guest is on bank 0, vbgr holds bank 0 while it is on bank 1
 * (spec/vti/vpd.ts; LK vcpu_bsw0/1). Switching the guest's bank exchanges machine bank 1 with the
 * VPD copy, exactly what the bsw acceleration (vac.a_bsw) does in hardware.
 */
import { PSR } from '../../../spec/vti/machine/initial.js';
import type { Gr } from '../../../spec/vti/machine/state.js';
import type { Vm } from './vm.js';

/** Switch the guest's GR16-31 from bank `from` to bank `to` (PSR.bn values; nothing when equal). */
export const switchGuestBank = (vm: Vm, from: 0 | 1, to: 0 | 1): void => {
  if (from === to) return;
  const current: readonly Gr[] = vm.host.guestBank();
  const vpd = vm.host.vpd();
  if (to === 0) {
    vm.host.setGuestBank(vpd.vbgr);
    vm.host.updateVpd((v) => ({ ...v, vgr: [...current] }));
  } else {
    vm.host.setGuestBank(vpd.vgr);
    vm.host.updateVpd((v) => ({ ...v, vbgr: [...current] }));
  }
};

export const bankOf = (psr: bigint): 0 | 1 => ((psr & PSR.bn) === 0n ? 0 : 1);

/** Move the guest from PSR `before` to PSR `after`, switching its bank when PSR.bn changes. */
export const changeGuestPsrBank = (vm: Vm, before: bigint, after: bigint): void => {
  switchGuestBank(vm, bankOf(before), bankOf(after));
};
