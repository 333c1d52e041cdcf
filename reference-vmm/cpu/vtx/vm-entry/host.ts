/**
 * Checks on the host-state area (SDM §26.2.2 host control registers and MSRs, §26.2.3 host segment and
 * descriptor-table registers). Every failure is VMfailValid(8). Order: catalog table order (sections 5–6).
 */
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { bitOf, type Check } from './context.js';
import { EFER_LMA, EFER_LME, EFER_VALID, FRED_CONFIG_RESERVED, patValid, sCetReservedOk } from './msr-values.js';

const CR0_NW_CD = 0x6000_0000n;
const HIGH32 = 0xffff_ffff_0000_0000n;

/** §26.2.2 — host control registers, debug registers and MSRs. */
export const checkHostControlRegistersAndMsrs: Check = (c) => {
  const { caps } = c;
  const cr0 = c.f('HOST_CR0');
  const cr4 = c.f('HOST_CR4');
  // CR0.NW and CR0.CD are never checked.
  if ((cr0 & caps.cr0Fixed0 & ~CR0_NW_CD) !== (caps.cr0Fixed0 & ~CR0_NW_CD)) return 'HOST.CR0.FIXED0';
  if ((cr0 & ~caps.cr0Fixed1 & ~CR0_NW_CD) !== 0n) return 'HOST.CR0.FIXED1';
  if ((cr4 & caps.cr4Fixed0) !== caps.cr4Fixed0) return 'HOST.CR4.FIXED0';
  if ((cr4 & ~caps.cr4Fixed1) !== 0n) return 'HOST.CR4.FIXED1';
  if (caps.intel64) {
    if ((c.f('HOST_CR3') >> caps.maxPhysAddr) !== 0n) return 'HOST.CR3.PAW';
    if (!caps.canonical(c.f('HOST_IA32_SYSENTER_ESP'))) return 'HOST.SYSENTER_ESP.CANON';
    if (!caps.canonical(c.f('HOST_IA32_SYSENTER_EIP'))) return 'HOST.SYSENTER_EIP.CANON';
  }
  if (c.on('exit.LOAD_IA32_PERF_GLOBAL_CTRL') &&
      (c.f('HOST_IA32_PERF_GLOBAL_CTRL') & ~caps.profile.choices.perfGlobalCtrlValidMask) !== 0n) {
    return 'HOST.PERFGLOBAL.RSVD';
  }
  if (c.on('exit.LOAD_IA32_PAT') && !patValid(c.f('HOST_IA32_PAT'))) return 'HOST.PAT.VALID';
  if (c.on('exit.LOAD_IA32_EFER')) {
    const efer = c.f('HOST_IA32_EFER');
    if ((efer & ~EFER_VALID) !== 0n) return 'HOST.EFER.RSVD';
    if (((efer & EFER_LMA) !== 0n) !== c.hostAddressSpaceSize) return 'HOST.EFER.LMA';
    if (((efer & EFER_LME) !== 0n) !== c.hostAddressSpaceSize) return 'HOST.EFER.LME';
  }
  if (bitOf(cr4, 23) && !bitOf(cr0, 16)) return 'HOST.CR4CET.WP';
  if (c.on('exit.LOAD_CET_STATE')) {
    const wide = (v: bigint): boolean => (c.hostAddressSpaceSize ? caps.canonical(v) : (v & HIGH32) === 0n);
    const sCet = c.f('HOST_S_CET');
    if (!sCetReservedOk(sCet) || !wide(sCet)) return 'HOST.CET.SCET';
    const ssp = c.f('HOST_SSP');
    if ((ssp & 3n) !== 0n || !wide(ssp)) return 'HOST.CET.SSP';
    if (!caps.canonical(c.f('HOST_INTR_SSP_TABLE'))) return 'HOST.CET.SSPTBL';
  }
  if (c.on('exit.LOAD_PKRS') && (c.f('HOST_IA32_PKRS') & HIGH32) !== 0n) return 'HOST.PKRS.RSVD';
  if (c.on('exit2.LOAD_IA32_FRED') && c.hostAddressSpaceSize) {
    const failed = fredFields(c.caps.canonical.bind(c.caps), (n) => c.f(n), 'HOST');
    if (failed !== null) return failed;
  }
  if (!c.hostAddressSpaceSize && bitOf(cr4, 32)) return 'HOST.FRED.CR4';
  return null;
};

/** The FRED MSR rules shared by host and guest (post-2016; KVM's FRED series). */
export const fredFields = (
  canonical: (v: bigint) => boolean, f: (n: FieldName) => bigint, side: 'HOST' | 'GUEST',
): string | null => {
  const config = f(`${side}_IA32_FRED_CONFIG`);
  if ((config & FRED_CONFIG_RESERVED) !== 0n) return `${side}.FRED.CONFIG.RSVD`;
  if (!canonical(config & ~0xfffn)) return `${side}.FRED.CONFIG.CANON`;
  const rsp = [f(`${side}_IA32_FRED_RSP1`), f(`${side}_IA32_FRED_RSP2`), f(`${side}_IA32_FRED_RSP3`)];
  if (rsp.some((v) => (v & 0x3fn) !== 0n)) return `${side}.FRED.RSP.ALIGN`;
  if (!rsp.every(canonical)) return `${side}.FRED.RSP.CANON`;
  const ssp = [f(`${side}_IA32_FRED_SSP1`), f(`${side}_IA32_FRED_SSP2`), f(`${side}_IA32_FRED_SSP3`)];
  if (ssp.some((v) => (v & 7n) !== 0n)) return `${side}.FRED.SSP.ALIGN`;
  if (!ssp.every(canonical)) return `${side}.FRED.SSP.CANON`;
  return null;
};

const HOST_SELECTORS = ['CS', 'SS', 'DS', 'ES', 'FS', 'GS', 'TR'] as const;

/** §26.2.3 — host segment and descriptor-table registers. */
export const checkHostSegments: Check = (c) => {
  for (const s of HOST_SELECTORS) {
    if ((c.f(`HOST_${s}_SELECTOR`) & 7n) !== 0n) return `HOST.SEL.${s}.RPLTI`;
  }
  if (c.f('HOST_CS_SELECTOR') === 0n) return 'HOST.SEL.CS.NONNULL';
  if (c.f('HOST_TR_SELECTOR') === 0n) return 'HOST.SEL.TR.NONNULL';
  if (!c.hostAddressSpaceSize && c.f('HOST_SS_SELECTOR') === 0n) return 'HOST.SEL.SS.NONNULL';
  if (c.caps.intel64) {
    const bases = [['FS', 'HOST_FS_BASE'], ['GS', 'HOST_GS_BASE'], ['GDTR', 'HOST_GDTR_BASE'], ['IDTR', 'HOST_IDTR_BASE'], ['TR', 'HOST_TR_BASE']] as const;
    for (const [reg, field] of bases) {
      if (!c.caps.canonical(c.f(field))) return `HOST.BASE.${reg}.CANON`;
    }
  }
  return null;
};
