/**
 * Entering the VMM from the guest (LK/XEN VMX_SAVE_MIN): bring the VPD up to date with what
 * accelerated guest instructions did (PAL_VPS_SYNC_READ), capture the interruption registers, and
 * work out the guest's PSR and its last successfully executed instruction.
 */
import { isVmmOnlyAddress } from './layout.js';
import { bit, guestPsrOf } from './bits.js';
import type { Entry, Vm } from './vm.js';

const CR = { ipsr: 16, isr: 17, iip: 19, ifa: 20, itir: 21, iipa: 22, iim: 24, iha: 25 } as const;

/**
 * With any acceleration on, guest instructions may have changed VPD state (vcr, vpsr.bn, vgr/vbgr)
 * without the VMM; the processor may still hold it (SDM §11.7.4 sync tables), so the VMM syncs
 * before reading the VPD. ITJ names the case that matters most: before emulating the guest
 * handler's rfi. XEN does it on every entry (VMX_SAVE_MIN); so does this VMM.
 */
export const syncRead = (vm: Vm): void => {
  if (vm.config.vac !== 0n) vm.host.palOk({ name: 'PAL_VPS_SYNC_READ', vpd: vm.layout.vpd });
};

const changed = (now: bigint, left: bigint): bigint | null => (now === left ? null : now);

export const enter = (vm: Vm, vector: number): Entry => {
  if (vector !== 0x6100) vm.stats.hostInterruption(vector);
  syncRead(vm);
  const h = vm.host;
  const ipsr = h.cr(CR.ipsr);
  const guestPsr = guestPsrOf(h.vpd().vpsr, ipsr);
  // The machine's IIPA names the guest's last instruction unless the guest completed none since the
  // VMM resumed it: then it names the VMM's own last instruction (leave.ts), in the VMM's half of
  // the address space, and the VMM's record of the guest's last instruction stands. It stands too
  // while the guest runs with its PSR.ic = 0: its instructions do not count then (SDM 2:§3.3.5.6),
  // though the machine, running it with PSR.ic = 1, counted them.
  const iipa = h.cr(CR.iipa);
  if (bit(guestPsr, 13) && !isVmmOnlyAddress(vm.profile, iipa)) vm.shadow.lastIp = iipa;
  return {
    vector,
    iip: h.cr(CR.iip),
    ipsr,
    isr: h.cr(CR.isr),
    ifa: changed(h.cr(CR.ifa), vm.shadow.left.ifa),
    itir: changed(h.cr(CR.itir), vm.shadow.left.itir),
    iha: changed(h.cr(CR.iha), vm.shadow.left.iha),
    iim: changed(h.cr(CR.iim), vm.shadow.left.iim),
    guestPsr,
  };
};
