/**
 * The virtual processor descriptor (VPD): 64 KiB per virtual processor, base 32 KiB aligned, which
 * holds the per-VP controls (vac, vdc) and the guest state the accelerations read and write. The
 * layout is Linux arch/ia64/kvm/vti.h `struct vpd` and Xen public/arch-ia64.h `struct vpd` (both sum
 * to 65536 bytes), with the named offsets of the Intel-shared VPD_*_START_OFFSET constants and the
 * VPD table of VTI-SPEC / SDM Table 11-16.
 *
 * Rows tile the 64 KiB without gaps or overlaps, reserved areas included. vtpr is not a row of its
 * own: it is vcr[66] (see `vcrOffset`).
 */
import type { Confidence, Sourced } from './source.js';

export const VPD_SIZE = 0x10000;
export const VPD_ALIGNMENT = 0x8000;
export const VPD_ALIGNMENT_SOURCE = 'VTI-SPEC §5.2.1 (conf 1); size: LK/XEN struct vpd, XEN VPD_SHIFT = 16, SDM PAL_VP_* pages';

/** control: always valid, read by PAL; state: guest architectural state; reserved; vmm: free for the VMM. */
export type VpdFieldClass = 'control' | 'state' | 'reserved' | 'vmm';

export interface VpdFieldSpec extends Sourced {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly class: VpdFieldClass;
  readonly meaning: string;
}

const STRUCTS = 'LK kvm/vti.h struct vpd; XEN public/arch-ia64.h struct vpd';

const fld = (offset: number, size: number, name: string, cls: VpdFieldClass, meaning: string,
  source = STRUCTS, confidence: Confidence = '2+', note?: string) =>
  ({ name, offset, size, class: cls, meaning, source, confidence, ...(note === undefined ? {} : { note }) }) as const;
const reserved = (offset: number, size: number, name: string) => fld(offset, size, name, 'reserved', 'reserved');

export const VPD_FIELDS = [
  fld(0x0000, 8, 'vac', 'control', 'virtualization acceleration control (VAC_BITS)', `${STRUCTS}; VTI-SPEC Table 5-1`),
  fld(0x0008, 8, 'vdc', 'control', 'virtualization disable control (VDC_BITS)', `${STRUCTS}; VTI-SPEC Table 5-1`),
  fld(0x0010, 8, 'virt_env_vaddr', 'control',
    'host virtual address of the PAL virtual environment buffer; must equal vbase_addr given to PAL_VP_INIT_ENV', `${STRUCTS}; VTI-SPEC Table 5-1`),
  reserved(0x0018, 232, 'reserved1'),
  fld(0x0100, 8, 'vhpi', 'state', 'virtual highest pending interrupt, written by the VMM (0 none, 16 ExtINT, 32 NMI, else vector >> 4)',
    `${STRUCTS}; VPD_VHPI_START_OFFSET; LK/XEN update_vhpi`),
  reserved(0x0108, 760, 'reserved2'),
  fld(0x0400, 128, 'vgr', 'state', 'guest bank-1 GR16-31 while the guest runs on bank 0 (vpsr.bn = 0)', `${STRUCTS}; LK vcpu_bsw0/1`),
  fld(0x0480, 128, 'vbgr', 'state', 'guest bank-0 GR16-31 while the guest runs on bank 1', `${STRUCTS}; LK vcpu_bsw0/1`),
  fld(0x0500, 8, 'vnat', 'state', 'NaT bits of vgr'),
  fld(0x0508, 8, 'vbnat', 'state', 'NaT bits of vbgr'),
  fld(0x0510, 40, 'vcpuid', 'state', 'guest CPUID[0..4], read by guest mov-from-cpuid when vac.a_from_cpuid = 1'),
  reserved(0x0538, 88, 'reserved3'),
  fld(0x0590, 8, 'vpsr', 'state', 'guest (virtual) PSR'),
  fld(0x0598, 8, 'vpr', 'state', 'guest predicate registers'),
  fld(0x05a0, 8, 'vrse_cfle', 'state', 'virtual RSE current-frame-load-enable',
    'LK/XEN VPD_VRSE_CFLE_START_OFFSET = 1440', '1',
    'only an offset constant from the Intel-shared header; both structs keep these bytes inside reserved4[76]'),
  reserved(0x05a8, 600, 'reserved4'),
  fld(0x0800, 1024, 'vcr', 'state', 'guest control registers: vcr[n] at 2048 + 8n (vtpr = vcr[66] at 2576)',
    `${STRUCTS}; VPD_VCR_START_OFFSET; VPD_VTPR_START_OFFSET`),
  fld(0x0c00, 1024, 'reserved5', 'reserved', 'reserved (named vrr by an offset constant)',
    `${STRUCTS}; VPD_VRR_START_OFFSET = 3072`, '!',
    'VPD_VRR_START_OFFSET = 3072 suggests guest region registers here, but both structs call it reserved5, neither VMM keeps guest RRs here, and XEN reuses it for PV-only fields'),
  reserved(0x1000, 27648, 'reserved6'),
  fld(0x7c00, 1024, 'vmm_avail', 'vmm', 'free for VMM use', `${STRUCTS}; VPD_VMM_VAIL_START_OFFSET`),
  reserved(0x8000, 32768, 'reserved7'),
] as const satisfies readonly VpdFieldSpec[];

export type VpdFieldName = (typeof VPD_FIELDS)[number]['name'];

/** VPD offset of the guest copy of control register `cr` (0-127). */
export const vcrOffset = (cr: number): number => 0x800 + 8 * cr;

// ---------------------------------------------------------------------------------------------
// vac and vdc

export interface VpdControlBitSpec extends Sourced {
  /** null: the manual names the control, but its bit position was not retrieved. */
  readonly bit: number | null;
  /** The manuals' and VMMs' short name; null when only the SDM's title is known. */
  readonly name: string | null;
  /** The SDM's title of the optimization where it was seen in the sources, else null. */
  readonly title: string | null;
  readonly effect: string;
  /** Whether KVM/ia64 and Xen/ia64 set the bit in their VPDs (vti_init_vpd / alloc_vpd). */
  readonly setByVmms: boolean;
}

const LKXEN = 'LK kvm/vti.h union vac/vdc; XEN vmx_vpd.h';

const ctl = (bit: number | null, name: string | null, title: string | null, effect: string, setByVmms: boolean,
  source: string, confidence: Confidence = '2+', note?: string) =>
  ({ bit, name, title, effect, setByVmms, source, confidence, ...(note === undefined ? {} : { note }) }) as const;

/** Virtualization acceleration control (VPD offset 0): with the bit 1, PSR.vm = 1 code does the access on the VPD copy without an intercept. */
export const VAC_BITS = [
  ctl(0, 'a_int', null,
    'the processor raises the Virtual External Interrupt vector (0x3400) when VPD vhpi becomes deliverable against vtpr and vpsr.i; the VMM calls PAL_VPS_SET_PENDING_INTERRUPT after changing vhpi',
    true, `${LKXEN}; LK/XEN update_vhpi; SDM 2:187`),
  ctl(1, 'a_from_int_cr', null,
    'reads of the interruption control registers CR16-CR25 return VPD vcr[] without an intercept', true, `${LKXEN}; ITJ`, '2+',
    'bit position 2+; the exact register set (CR16-CR25) has a single source'),
  ctl(2, 'a_to_int_cr', null,
    'writes of the interruption control registers CR16-CR25 go to VPD vcr[] without an intercept', true, LKXEN, '2+',
    'bit position 2+; the exact register set (CR16-CR25) has a single source'),
  ctl(3, 'a_from_psr', null,
    'mov r1 = psr returns the VPD vpsr (masked to {31:0} and {36:35}) without an intercept, with the user mask PSR{5:0} from the PSR, which the guest changes without an intercept',
    true, `${LKXEN}; XEN vmx_vcpu_get_psr; SDM 2:§3.3.2`, '?',
    'bit position 2+; the SDM text of the scope was not retrieved: the user mask from the PSR is inferred (no VMM could keep vpsr{5:0} current, spec/vti/README.md "Resolved")'),
  ctl(4, 'a_from_cpuid', null, 'mov r1 = cpuid[r3] returns VPD vcpuid[] without an intercept', true, LKXEN),
  ctl(5, 'a_cover', null, 'cover at guest cpl 0 completes without an intercept (the virtual IFS is written when vpsr.ic = 0)',
    true, LKXEN, '?', 'bit position 2+; the scope was not retrieved'),
  ctl(6, 'a_bsw', null, 'bsw.0 / bsw.1 complete without an intercept, exchanging GR16-31 with vgr/vbgr (and NaTs) and flipping vpsr.bn',
    true, LKXEN, '?', 'bit position 2+; the scope was not retrieved'),
  ctl(null, 'a_tf', 'Test Feature Optimization', 'tf instructions with PSR.vm = 1 test VPD vcpuid[4] instead of CPUID[4]', false,
    'SDM §11.7.4.2.9', '?', 'SDM rev 2.3 only; bit position not retrieved (LK/XEN mark bits 7-63 reserved); not on all implementations'),
  ctl(null, 'a_ic_um', 'Interruption Collection and User Mask Optimization', 'optimizes accesses to PSR.ic and the user mask (details not retrieved)', false,
    'SDM §11.7.4.2.10', '?', 'SDM rev 2.3 only; bit position and exact instruction set not retrieved'),
] as const satisfies readonly VpdControlBitSpec[];

/** Virtualization disable control (VPD offset 8): with the bit 1, the resource is not virtualized (no intercept). */
export const VDC_BITS = [
  ctl(0, 'd_vmsw', 'Disable VMSW Instruction',
    'every vmsw intercepts, whatever PSR.vm; when 0, vmsw runs without an intercept if PSR.it = 1 and the page access rights are 7',
    true, `${LKXEN}; SDM §11.7.4.3.1`),
  ctl(1, 'd_extint', 'Disable External Interrupt Control Register Virtualization',
    'PSR.vm = 1 code reads and writes CR65-CR71 directly; when 0 those accesses intercept. Cannot be 1 together with vac.a_int',
    false, `${LKXEN}; SDM §11.7.4.3.2`),
  ctl(2, 'd_ibr_dbr', 'Disable Breakpoint Register Virtualization', 'IBR and DBR accesses are not virtualized (no intercept)', false,
    `${LKXEN}; SDM §11.7.4.3.3`),
  ctl(3, 'd_pmc', null, 'PMC accesses are not virtualized (no intercept)', false, `${LKXEN}; SDM Table 11-46`, '2+',
    'bit position 2+; scope from a single source'),
  ctl(4, 'd_to_pmd', null, 'PMD writes are not virtualized (no intercept)', false, LKXEN, '2+',
    'bit position 2+; scope from a single source'),
  ctl(5, 'd_itm', 'Disable ITM Virtualization', 'ITM (CR1) is not virtualized (no intercept)', false, `${LKXEN}; SDM Table 11-46`),
  ctl(null, null, 'Disable PSR Interrupt-bit Virtualization', 'PSR.i is not virtualized', false, 'SDM Table 11-46', '?',
    'SDM rev 2.3 only; neither its short name nor its bit position was retrieved (LK/XEN mark bits 6-63 reserved)'),
] as const satisfies readonly VpdControlBitSpec[];

export type VacName = NonNullable<(typeof VAC_BITS)[number]['name']>;
export type VdcName = NonNullable<(typeof VDC_BITS)[number]['name']>;

/** Combinations PAL_VP_CREATE / PAL_VP_REGISTER reject with status -2 (invalid argument). */
export const VAC_VDC_EXCLUSIONS = [
  { vac: 'a_int', vdc: 'd_extint', source: 'SDM §11.7.4.3.2, 2:471', confidence: '1' },
] as const satisfies readonly (Sourced & { vac: VacName; vdc: VdcName })[];

/**
 * Which VPD state must be synchronised around VMM accesses: PAL_VPS_SYNC_READ before the VMM reads
 * VPD state an acceleration may cache in the processor, PAL_VPS_SYNC_WRITE after it writes such
 * state and before resuming. PAL_VP_SAVE syncs implicitly; PAL_VPS_SAVE does unless GR26 = 1.
 */
export const VPD_SYNC_RULE = {
  beforeVmmRead: 'PAL_VPS_SYNC_READ',
  afterVmmWrite: 'PAL_VPS_SYNC_WRITE',
  source: 'SDM §11.7.4 sync tables, 2:484, 2:500; LK/XEN ia64_leave_hypervisor, VMX_SAVE_MIN',
  confidence: '2+',
} as const satisfies Sourced & { beforeVmmRead: string; afterVmmWrite: string };
