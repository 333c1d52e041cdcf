/**
 * The VMM's virtualization policies, set in advance (ITJ, "Virtualization Configuration"): the vac
 * and vdc it writes into the VPD before PAL_VP_CREATE, the PAL_VP_INIT_ENV global options, and its
 * own choice of where the VHPT really is.
 */
import { VMM_CONFIG_OPTIONS } from '../../../spec/vti/pal.js';
import { VAC_BITS, VDC_BITS, type VacName, type VdcName } from '../../../spec/vti/vpd.js';

const controlBit = (rows: readonly { readonly bit: number | null; readonly name: string | null }[], name: string): bigint => {
  const row = rows.find((r) => r.name === name);
  if (row === undefined || row.bit === null) throw new Error(`vac/vdc control ${name} has no known bit position (spec/vti/vpd.ts)`);
  return 1n << BigInt(row.bit);
};

/** vac bit of `name` (spec/vti/vpd.ts VAC_BITS). */
export const vacBit = (name: VacName): bigint => controlBit(VAC_BITS, name);
/** vdc bit of `name` (spec/vti/vpd.ts VDC_BITS). */
export const vdcBit = (name: VdcName): bigint => controlBit(VDC_BITS, name);

export const INT_CR_ACCELERATIONS = vacBit('a_from_int_cr') | vacBit('a_to_int_cr');

/** The accelerations KVM/ia64 and Xen/ia64 enable (LK vti_init_vpd, XEN alloc_vpd). */
export const LK_XEN_VAC = vacBit('a_int') | INT_CR_ACCELERATIONS | vacBit('a_from_psr') | vacBit('a_from_cpuid') |
  vacBit('a_cover') | vacBit('a_bsw');
/** The disables they set: only d_vmsw (neither uses vmsw). */
export const LK_XEN_VDC = vdcBit('d_vmsw');

export interface VtiVmmConfig {
  /** VPD vac: what guest code may do on the VPD copy without an intercept. */
  readonly vac: bigint;
  /** VPD vdc: which resources are not virtualized. */
  readonly vdc: bigint;
  /** PAL_VP_INIT_ENV config_options (cause and opcode reporting). */
  readonly configOptions: bigint;
  /**
   * Put the machine's VHPT in the VMM's half of the address space instead of where the guest's PTA
   * says. thash intercepts (ITJ, "Nonfaulting Access to Privileged State"), so the guest cannot tell.
   */
  readonly relocateVhpt: boolean;
}

/** The LK/XEN policy: every acceleration they use, d_vmsw, cause and opcode reported, VHPT relocated. */
export const DEFAULT_VTI_VMM_CONFIG: VtiVmmConfig = {
  vac: LK_XEN_VAC,
  vdc: LK_XEN_VDC,
  configOptions: VMM_CONFIG_OPTIONS.first,
  relocateVhpt: true,
};

/** The default policy with or without the interruption-control-register accelerations (ITJ's example). */
export const intCrPolicy = (accelerate: boolean): VtiVmmConfig =>
  ({ ...DEFAULT_VTI_VMM_CONFIG, vac: accelerate ? LK_XEN_VAC : LK_XEN_VAC & ~INT_CR_ACCELERATIONS });

/** Nothing accelerated or disabled: every virtualized instruction intercepts. */
export const NO_ACCELERATION_CONFIG: VtiVmmConfig = { ...DEFAULT_VTI_VMM_CONFIG, vac: 0n, vdc: 0n };

export const vacHas = (config: VtiVmmConfig, name: VacName): boolean => (config.vac & vacBit(name)) !== 0n;
