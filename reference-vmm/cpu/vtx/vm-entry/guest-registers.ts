/**
 * Checks on guest control registers, debug registers and MSRs (SDM §26.3.1.1, plus the post-2016
 * CET / PKRS / UINV / FRED rows of the catalog). Failure: VM-entry failure, exit reason 33,
 * qualification 0. Order: catalog table order (section 8).
 */
import { bitOf, type Check } from './context.js';
import { fredFields } from './host.js';
import { BNDCFGS_RESERVED, EFER_LMA, EFER_LME, EFER_VALID, patValid, sCetReservedOk } from './msr-values.js';

const CR0_PE = 1n;
const CR0_PG = 1n << 31n;
const CR0_NW_CD = 0x6000_0000n;

export const checkGuestControlRegistersAndMsrs: Check = (c) => {
  const { caps } = c;
  const cr0 = c.f('GUEST_CR0');
  const cr4 = c.f('GUEST_CR4');
  let fixed0 = caps.cr0Fixed0 & ~CR0_NW_CD;
  if (c.unrestricted) fixed0 &= ~(CR0_PE | CR0_PG);
  if ((cr0 & fixed0) !== fixed0) return 'GUEST.CR0.FIXED0';
  if ((cr0 & ~caps.cr0Fixed1 & ~CR0_NW_CD) !== 0n) return 'GUEST.CR0.FIXED1';
  const pg = (cr0 & CR0_PG) !== 0n;
  if (pg && (cr0 & CR0_PE) === 0n) return 'GUEST.CR0.PG_PE';
  if ((cr4 & caps.cr4Fixed0) !== caps.cr4Fixed0) return 'GUEST.CR4.FIXED0';
  if ((cr4 & ~caps.cr4Fixed1) !== 0n) return 'GUEST.CR4.FIXED1';
  const loadDebug = c.on('entry.LOAD_DEBUG_CONTROLS');
  if (loadDebug && (c.f('GUEST_IA32_DEBUGCTL') & ~caps.profile.choices.debugctlValidMask) !== 0n) return 'GUEST.DEBUGCTL.RSVD';
  if (caps.intel64) {
    if (c.ia32e && !pg) return 'GUEST.IA32E.PG';
    if (c.ia32e && !bitOf(cr4, 5)) return 'GUEST.IA32E.PAE';
    if (!c.ia32e && bitOf(cr4, 17)) return 'GUEST.NOIA32E.PCIDE';
    if ((c.f('GUEST_CR3') >> caps.maxPhysAddr) !== 0n) return 'GUEST.CR3.PAW';
    if (loadDebug && (c.f('GUEST_DR7') >> 32n) !== 0n) return 'GUEST.DR7.HI';
    if (!caps.canonical(c.f('GUEST_SYSENTER_ESP'))) return 'GUEST.SYSENTER_ESP.CANON';
    if (!caps.canonical(c.f('GUEST_SYSENTER_EIP'))) return 'GUEST.SYSENTER_EIP.CANON';
  }
  if (c.on('entry.LOAD_IA32_PERF_GLOBAL_CTRL') &&
      (c.f('GUEST_IA32_PERF_GLOBAL_CTRL') & ~caps.profile.choices.perfGlobalCtrlValidMask) !== 0n) {
    return 'GUEST.PERFGLOBAL.RSVD';
  }
  if (c.on('entry.LOAD_IA32_PAT') && !patValid(c.f('GUEST_IA32_PAT'))) return 'GUEST.PAT.VALID';
  if (c.on('entry.LOAD_IA32_EFER')) {
    const efer = c.f('GUEST_IA32_EFER');
    if ((efer & ~EFER_VALID) !== 0n) return 'GUEST.EFER.RSVD';
    const lma = (efer & EFER_LMA) !== 0n;
    if (lma !== c.ia32e) return 'GUEST.EFER.LMA';
    if (pg && ((efer & EFER_LME) !== 0n) !== lma) return 'GUEST.EFER.LME';
  }
  if (c.on('entry.LOAD_IA32_BNDCFGS')) {
    const bndcfgs = c.f('GUEST_BNDCFGS');
    if ((bndcfgs & BNDCFGS_RESERVED) !== 0n) return 'GUEST.BNDCFGS.RSVD';
    if (!caps.canonical(bndcfgs & ~0xfffn)) return 'GUEST.BNDCFGS.BASE';
  }
  if (bitOf(cr4, 23) && !bitOf(cr0, 16)) return 'GUEST.CR4CET.WP';
  if (c.on('entry.LOAD_CET_STATE')) {
    if (!sCetReservedOk(c.f('GUEST_S_CET'))) return 'GUEST.CET.SCET';
    const ssp = c.f('GUEST_SSP');
    if ((ssp & 3n) !== 0n || !caps.upperBitsIdentical(ssp)) return 'GUEST.CET.SSP';
    if (!caps.canonical(c.f('GUEST_INTR_SSP_TABLE'))) return 'GUEST.CET.SSPTBL';
  }
  if (c.on('entry.LOAD_PKRS') && (c.f('GUEST_IA32_PKRS') >> 32n) !== 0n) return 'GUEST.PKRS.RSVD';
  if (c.on('entry.LOAD_UINV') && c.f('GUEST_UINV') > 0xffn) return 'GUEST.UINV.RANGE';
  if (c.on('entry.LOAD_IA32_FRED') && c.ia32e) {
    const failed = fredFields(caps.canonical.bind(caps), (n) => c.f(n), 'GUEST');
    if (failed !== null) return failed;
  }
  if (bitOf(cr4, 32) && !c.ia32e) return 'GUEST.FRED.CR4.IA32E';
  return null;
};
