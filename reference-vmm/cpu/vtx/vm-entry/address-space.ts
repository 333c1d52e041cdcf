/**
 * Checks related to address-space size (SDM §26.2.4), which the SDM files under "checks on VMX
 * controls and host-state area" without saying whether a failure is error 7 or 8. Concrete choice:
 * VMfailValid(8), as Bochs and KVM do; run after the host checks (the catalog's table order).
 */
import { bitOf, type Check } from './context.js';

const EFER_LMA = 1n << 10n;

export const checkAddressSpaceSize: Check = (c) => {
  const { caps } = c;
  if (caps.intel64) {
    const lma = (c.m.cpu.efer & EFER_LMA) !== 0n;
    if (!lma) {
      if (c.ia32e) return 'HOST.ASZ.LMA0.GUEST';
      if (c.hostAddressSpaceSize) return 'HOST.ASZ.LMA0.HOST';
    } else if (!c.hostAddressSpaceSize) {
      return 'HOST.ASZ.LMA1.HOST';
    }
    const hostCr4 = c.f('HOST_CR4');
    const hostRip = c.f('HOST_RIP');
    if (!c.hostAddressSpaceSize) {
      if (c.ia32e) return 'HOST.ASZ.H0.GUEST';
      if (bitOf(hostCr4, 17)) return 'HOST.ASZ.H0.PCIDE';
      if ((hostRip >> 32n) !== 0n) return 'HOST.ASZ.H0.RIP';
    } else {
      if (!bitOf(hostCr4, 5)) return 'HOST.ASZ.H1.PAE';
      if (!caps.canonical(hostRip)) return 'HOST.ASZ.H1.RIP';
    }
    return null;
  }
  if (c.ia32e || c.hostAddressSpaceSize) return 'HOST.ASZ.NO64';
  return null;
};
