/**
 * Checks on guest non-register state (SDM §26.3.1.5): activity state, interruptibility state, pending
 * debug exceptions, VMCS link pointer. Failure: exit reason 33 with qualification 0, except
 * GUEST.INTR.NMI.STI (3) and the GUEST.LINK.* rules (4). Order: catalog table order (section 12).
 */
import { bitOf, type Check } from './context.js';

const ALL_ONES = 0xffff_ffff_ffff_ffffn;
const ACTIVE = 0n;
const HLT = 1n;
const SHUTDOWN = 2n;
const WAIT_FOR_SIPI = 3n;

export const checkGuestNonRegisterState: Check = (c) => {
  const { caps } = c;
  const activity = c.f('GUEST_ACTIVITY_STATE');
  const intr = c.f('GUEST_INTERRUPTIBILITY_INFO');
  const sti = bitOf(intr, 0);
  const movSs = bitOf(intr, 1);
  const type = c.injectionType;
  const vector = c.injectionVector;
  const toSmm = c.on('entry.ENTRY_TO_SMM');

  // Activity state.
  if (!caps.activityStateSupported(activity)) return 'GUEST.ACT.RANGE';
  if (activity === HLT && ((c.f('GUEST_SS_AR_BYTES') >> 5n) & 3n) !== 0n) return 'GUEST.ACT.HLT.SSDPL';
  if ((sti || movSs) && activity !== ACTIVE) return 'GUEST.ACT.BLOCKING';
  if (c.injecting) {
    if (activity === HLT &&
        !(type === 0 || type === 2 || (type === 3 && (vector === 1 || vector === 18)) || (type === 7 && vector === 0))) {
      return 'GUEST.ACT.INJ.HLT';
    }
    if (activity === SHUTDOWN && !(type === 2 || (type === 3 && vector === 18))) return 'GUEST.ACT.INJ.SHUTDOWN';
    if (activity === WAIT_FOR_SIPI) return 'GUEST.ACT.INJ.SIPI';
  }
  if (toSmm && activity === WAIT_FOR_SIPI) return 'GUEST.ACT.SIPI.SMM';

  // Interruptibility state.
  if ((intr >> 5n) !== 0n) return 'GUEST.INTR.RSVD';
  if (sti && movSs) return 'GUEST.INTR.STI_MOVSS';
  if (sti && !bitOf(c.f('GUEST_RFLAGS'), 9)) return 'GUEST.INTR.STI.IF';
  if (c.injecting && type === 0 && (sti || movSs)) return 'GUEST.INTR.EXTINT';
  if (c.injecting && type === 2 && movSs) return 'GUEST.INTR.NMI.MOVSS';
  if (!c.m.cpu.inSmm && bitOf(intr, 2)) return 'GUEST.INTR.SMI.OUTSIDE';
  if (toSmm && !bitOf(intr, 2)) return 'GUEST.INTR.SMI.ENTRYSMM';
  // Concrete choice: this processor refuses NMI injection under blocking by STI (qualification 3).
  if (c.injecting && type === 2 && sti) return 'GUEST.INTR.NMI.STI';
  if (c.on('pin.VIRTUAL_NMIS') && c.injecting && type === 2 && bitOf(intr, 3)) return 'GUEST.INTR.VNMI';
  if (bitOf(intr, 4) && (movSs || !caps.profile.cpuid.sgx)) return 'GUEST.INTR.ENCLAVE';

  // Pending debug exceptions.
  const pending = c.f('GUEST_PENDING_DBG_EXCEPTIONS');
  const PDBG_RESERVED = 0xffff_ffff_fffe_0000n | 0xa000n | 0xff0n; // 63:17, 15, 13, 11:4
  if ((pending & PDBG_RESERVED) !== 0n) return 'GUEST.PDBG.RSVD';
  if (sti || movSs || activity === HLT) {
    const tf = bitOf(c.f('GUEST_RFLAGS'), 8);
    const btf = bitOf(c.f('GUEST_IA32_DEBUGCTL'), 1);
    const bs = bitOf(pending, 14);
    if (tf && !btf && !bs) return 'GUEST.PDBG.BS.SET';
    if ((!tf || btf) && bs) return 'GUEST.PDBG.BS.CLEAR';
  }
  if (bitOf(pending, 16)) {
    const RTM_MUST_BE_ZERO = 0xffff_ffff_fffe_0000n | 0xe000n | 0xfffn; // 63:17, 15:13, 11:0
    if ((pending & RTM_MUST_BE_ZERO) !== 0n || !bitOf(pending, 12)) return 'GUEST.PDBG.RTM.BITS';
    if (!caps.profile.cpuid.rtm) return 'GUEST.PDBG.RTM.CPU';
    if (movSs) return 'GUEST.PDBG.RTM.MOVSS';
  }

  // VMCS link pointer.
  const link = c.f('VMCS_LINK_POINTER');
  if (link !== ALL_ONES) {
    if ((link & 0xfffn) !== 0n) return 'GUEST.LINK.ALIGN';
    if (!caps.withinPaw(link)) return 'GUEST.LINK.PAW';
    const revision = c.m.read32(link);
    if ((revision & 0x7fff_ffffn) !== caps.revisionId) return 'GUEST.LINK.REVID';
    if (bitOf(revision, 31) !== c.on('proc2.VMCS_SHADOWING')) return 'GUEST.LINK.SHADOWBIT';
    if (!c.m.cpu.inSmm || toSmm) {
      if (link === c.m.currentVmcs) return 'GUEST.LINK.NOTCURRENT';
    } else if (link === c.f('EXECUTIVE_VMCS_POINTER')) {
      return 'GUEST.LINK.NOTEXEC';
    }
  }
  return null;
};
