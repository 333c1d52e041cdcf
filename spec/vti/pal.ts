/**
 * PAL support for VT-i (SDM rev 2.3 Vol. 2 §11.7, §11.10, §11.11): the PAL_VP_* procedures (called
 * by index through the stacked-register PAL calling convention), the PAL_VPS_* services (branched
 * to at vsa_base + offset, arguments in GR24-31), the PAL_VP_INIT_ENV global configuration options,
 * and the PAL_PROC_GET_FEATURES bits that report VT-i. Procedure numbers and service offsets agree
 * between Linux arch/ia64/kvm/vti.h, Xen vmx_pal.h / vmx_pal_vsa.h and the SDM procedure pages.
 */
import type { Confidence, Sourced } from './source.js';

/** PAL status values the virtualization procedures return. */
export const PAL_STATUS = {
  0: 'call completed without error',
  [-1]: 'unimplemented procedure (also whenever virtual machine features are disabled)',
  [-2]: 'invalid argument',
  [-3]: 'call completed with error',
  [-8]: 'unsupported feature_set (PAL_VP_INFO only)',
  [-9]: 'call requires PAL memory buffer',
} as const satisfies Record<number, string>;
export type PalStatus = keyof typeof PAL_STATUS;

export interface PalParam {
  readonly name: string;
  readonly meaning: string;
}

export interface PalProcedureSpec extends Sourced {
  readonly name: string;
  /** The PAL procedure index. */
  readonly index: number;
  /** Name used by earlier documents and by LK/XEN for the same index. */
  readonly oldName?: string;
  /** Arguments after the index, in order. */
  readonly args: readonly PalParam[];
  /** Return values after `status`, in order. */
  readonly returns: readonly PalParam[];
  readonly statuses: readonly PalStatus[];
  readonly callingConvention: 'stacked' | 'static';
  readonly mode: 'virtual' | 'physical';
  readonly bufferDependent: boolean;
  readonly effect: string;
}

const VP_STATUSES = [0, -1, -2, -3, -9] as const satisfies readonly PalStatus[];
const NUMBERS = 'LK kvm/vti.h; XEN vmx_pal.h';

const a = (name: string, meaning: string): PalParam => ({ name, meaning });
const VPD_ARG = a('vpd', '64-bit host virtual pointer to the 64 KiB VPD');

const proc = (name: string, index: number, args: readonly PalParam[], returns: readonly PalParam[], effect: string,
  source: string, confidence: Confidence = '2+', note?: string) =>
  ({
    name, index, args, returns, statuses: VP_STATUSES, callingConvention: 'stacked', mode: 'virtual', bufferDependent: true,
    effect, source, confidence, ...(note === undefined ? {} : { note }),
  }) as const;

export const PAL_VP_PROCEDURES = [
  proc('PAL_VP_CREATE', 265,
    [VPD_ARG, a('host_iva', 'host IVT for IVA-based interruptions while this VP runs'),
      a('opt_handler', 'optional virtualization intercept handler; 0 = the Virtualization vector (host IVT + 0x6100)')],
    [],
    'initialises a new VPD / virtual processor; vac, vdc and virt_env_vaddr must already be set, and the VPD mapped by a DTR or DTC; unsupported vac/vdc combinations return -2; relocating host_iva or opt_handler later needs PAL_VP_REGISTER',
    `SDM 2:471; ${NUMBERS}`),
  proc('PAL_VP_ENV_INFO', 266, [],
    [a('buffer_size', 'bytes of the PAL virtual environment buffer PAL_VP_INIT_ENV needs (4 KiB aligned)'),
      a('vp_env_info', '64-bit vector of virtual environment information (includes `opcode` and `gitc` fields)')],
    'reports what entering the virtual environment requires; called once, on any logical processor',
    `SDM 2:473; ${NUMBERS}`),
  proc('PAL_VP_EXIT_ENV', 267, [a('iva', 'IVT the logical processor uses after leaving')], [],
    'the logical processor leaves the virtual environment',
    NUMBERS, '1', 'number 2+; the SDM page was not retrieved, the argument comes from the LK/XEN wrappers'),
  proc('PAL_VP_INIT_ENV', 268,
    [a('config_options', 'global configuration options (PAL_VP_CONFIG_OPTIONS)'),
      a('pbase_addr', 'host physical base of the PAL virtual environment buffer'),
      a('vbase_addr', 'host virtual base of the PAL virtual environment buffer')],
    [a('vsa_base', 'base address of the PAL_VPS_* services')],
    'the logical processor enters the virtual environment; the first caller initialises the buffer (config_options.initialize = 1), later ones join with initialize = 0; the buffer stays TR-mapped',
    `SDM 2:478; ${NUMBERS}`),
  proc('PAL_VP_REGISTER', 269,
    [VPD_ARG, a('host_iva', 'new host IVT'), a('opt_handler', 'new optional virtualization intercept handler')], [],
    'registers a different host IVT and/or intercept handler for a VP; rejects unsupported vac/vdc combinations with -2',
    `${NUMBERS}; SDM 2:471 (references)`, '?', 'purpose 2+; the argument list is assumed to be that of PAL_VP_CREATE (SDM page not retrieved)'),
  {
    ...proc('PAL_VP_RESTORE', 270,
      [VPD_ARG, a('pal_proc_vector', 'LK/XEN wrappers pass it; see note')], [],
      'restores a VP (with its PAL-procedure state) onto the logical processor; afterwards IVA = the VP\'s host IVT, which the VMM must not change until the next PAL_VP_SAVE / PAL_VPS_SAVE',
      `SDM 2:332; ${NUMBERS}`, '!', 'second argument: LK/XEN pass pal_proc_vector; the SDM page was not checked, and the SDM lists PAL_VP_SAVE\'s second argument as reserved'),
    oldName: 'PAL_VP_RESUME',
  },
  {
    ...proc('PAL_VP_SAVE', 271, [VPD_ARG], [],
      'saves the VP (with its PAL-procedure state), with an implicit PAL_VPS_SYNC_READ; IVA-based interruptions still go to the VP\'s host IVT until the VMM changes IVA; the VPD must be ITR+DTR mapped',
      `SDM 2:484; ${NUMBERS}`, '!', 'SDM rev 2.3: arguments 2 and 3 reserved (0); LK/XEN wrappers pass pal_proc_vector as the second'),
    oldName: 'PAL_VP_SUSPEND',
  },
  proc('PAL_VP_TERMINATE', 272, [VPD_ARG, a('iva', 'optional: when non-zero, IVA is set to it on success')], [],
    'frees every resource of the VP; the VPD must be ITR+DTR mapped', `SDM 2:485; ${NUMBERS}`, '2+',
    'number 2+; the argument list from the SDM alone'),
  {
    ...proc('PAL_VP_INFO', 50,
      [a('feature_set', 'which feature set (vmm_id and index); vmm_id 0 = architected'), a('vp_buffer', 'optional buffer for more information')],
      [a('vp_info', 'feature bits of the set (all reserved in architected set 0)'), a('vmm_id', 'identifies the VMM')],
      'for guests: describes virtual-processor features; always -1 on a physical processor',
      'SDM 2:476', '1'),
    statuses: [0, -1, -2, -3, -8],
    callingConvention: 'static',
    mode: 'physical',
    bufferDependent: false,
  },
] as const satisfies readonly PalProcedureSpec[];

export type PalProcedureName = (typeof PAL_VP_PROCEDURES)[number]['name'];

// ---------------------------------------------------------------------------------------------

/** Bits of PAL_VP_INIT_ENV's config_options (global virtualization optimizations). */
export interface ConfigOptionSpec extends Sourced {
  readonly bit: number | null;
  readonly name: string;
  readonly meaning: string;
}

const opt = (bit: number | null, name: string, meaning: string, source: string, confidence: Confidence = '2+', note?: string) =>
  ({ bit, name, meaning, source, confidence, ...(note === undefined ? {} : { note }) }) as const;

export const PAL_VP_CONFIG_OPTIONS = [
  opt(0, 'initialize', '1 = this call initialises the PAL virtual environment buffer (first logical processor)', `SDM 2:478; ${NUMBERS} VP_INITIALIZE`),
  opt(1, 'fr_pmc', 'freeze performance counters while enabled vac/vdc optimizations run; the RESUME services re-enable them', `SDM 2:480, 2:492; ${NUMBERS} VP_FR_PMC`),
  opt(8, 'opcode', 'must be 1: GR25 carries the opcode at virtualization intercepts (PAL returns an error otherwise)', `SDM 2:480; ${NUMBERS} VP_OPCODE`),
  opt(9, 'cause', '1 = GR24 carries the intercept cause; 0 = no cause information', `SDM 2:480; VTI-SPEC; ${NUMBERS} VP_CAUSE`),
  opt(10, 'gitc', 'enables the guest MOV-from-AR.ITC optimization (returns ITC + ITO); reserved where unsupported', 'SDM 2:480, §11.7.4.1.3', '1'),
  opt(63, 'impl', 'implementation-specific (SDM description truncated); LK/XEN always set it', `SDM 2:480; ${NUMBERS} VP_FW_ACC`, '!',
    'name: `impl` in SDM rev 2.3, VP_FW_ACC in LK/XEN'),
  opt(null, 'be', 'VPD values stored big-endian', 'VTI-SPEC §5.2.1', '?', 'bit position not retrieved; LK/XEN define nothing in bits 2-7'),
] as const satisfies readonly ConfigOptionSpec[];

/** config_options LK and XEN pass: first logical processor, then the others. */
export const VMM_CONFIG_OPTIONS = {
  first: (1n << 0n) | (1n << 1n) | (1n << 8n) | (1n << 9n) | (1n << 63n),
  others: (1n << 1n) | (1n << 8n) | (1n << 9n) | (1n << 63n),
  source: 'LK kvm/vti.h VP_INIT_ENV_INITALIZE, VP_INIT_ENV; XEN vmx_pal.h',
} as const;

// ---------------------------------------------------------------------------------------------

/** GR24-GR31 as the PAL_VPS_* services use them. */
export type VpsRegister = 'GR24' | 'GR25' | 'GR26' | 'GR27' | 'GR28' | 'GR29' | 'GR30' | 'GR31';

export interface PalServiceSpec extends Sourced {
  readonly name: string;
  /** Offset from vsa_base (returned by PAL_VP_INIT_ENV). */
  readonly offset: number;
  /** Input registers; unlisted GR24-31 are reserved. */
  readonly inputs: Readonly<Partial<Record<VpsRegister, string>>>;
  /** false for the RESUME services, which enter the guest and never return to the VMM. */
  readonly returnsToCaller: boolean;
  /** Output registers (GR24-31 are otherwise scratch on return). */
  readonly outputs: Readonly<Partial<Record<VpsRegister, string>>>;
  readonly effect: string;
}

const VPS = 'LK kvm/vti.h; XEN vmx_pal_vsa.h';
const RET = 'return address (64-bit host virtual)';
const VPD = '64-bit host virtual pointer to the VPD';

const svc = (name: string, offset: number, inputs: PalServiceSpec['inputs'], returnsToCaller: boolean,
  outputs: PalServiceSpec['outputs'], effect: string, source: string, confidence: Confidence = '2+', note?: string) =>
  ({ name, offset, inputs, returnsToCaller, outputs, effect, source, confidence, ...(note === undefined ? {} : { note }) }) as const;

export const PAL_VPS_SERVICES = [
  svc('PAL_VPS_RESUME_NORMAL', 0x0000, { GR24: 'VBR0: the guest\'s BR0', GR25: VPD }, false, {},
    'resumes the current VP when vpsr.ic = 1 (or whenever all accelerations and disables are off); re-enables PMCs if fr_pmc; call with PSR.bn = 0',
    `SDM 2:489; ${VPS}; LK/XEN ia64_vmm_entry`),
  svc('PAL_VPS_RESUME_HANDLER', 0x0400,
    { GR24: 'VBR0: the guest\'s BR0', GR25: VPD, GR26: 'the VPD\'s vac value, with bit 63 = the CFLE setting at the target instruction' },
    false, {},
    'resumes the current VP into a guest interruption handler (vpsr.ic = 0); undefined if GR26\'s vac differs from the VPD\'s; re-enables PMCs if fr_pmc; call with PSR.bn = 0',
    `SDM 2:492; XEN vmx_vps_resume_handler; ${VPS}`, '!',
    'register of the vac|CFLE value: GR26 in SDM rev 2.3 and XEN, r27 in LK (Tukwila-era optvfault.S); modelled as GR26. Both VMMs take CFLE from the saved ISR.ir'),
  svc('PAL_VPS_SYNC_READ', 0x0800, { GR24: RET, GR25: VPD }, true, {},
    'copies guest state that accelerations keep in implementation resources into the VPD', `SDM §11.11; ${VPS}`, '2+',
    'offset and arguments 2+; what exactly is copied is implementation-specific (SDM sync tables)'),
  svc('PAL_VPS_SYNC_WRITE', 0x0c00, { GR24: RET, GR25: VPD }, true, {},
    'pushes VMM-modified VPD state into the implementation resources before resuming', `SDM §11.11; ${VPS}`, '2+',
    'offset and arguments 2+; what exactly is pushed is implementation-specific'),
  svc('PAL_VPS_SET_PENDING_INTERRUPT', 0x1000, { GR24: RET, GR25: VPD }, true, {},
    'tells the processor that VPD vhpi changed, so the a_int logic re-evaluates raising the Virtual External Interrupt vector',
    `${VPS}; LK/XEN update_vhpi (only when vac.a_int = 1)`, '?', 'offset and use 2+; the SDM page was not retrieved'),
  svc('PAL_VPS_THASH', 0x1400, { GR24: RET, GR25: 'vadr', GR26: 'vrr: the guest region register of vadr', GR27: 'vpta: the guest PTA' }, true,
    { GR31: 'the long-format VHPT hash address' },
    'computes the guest\'s long-format (vpta.vf = 1) VHPT hash; the hash function is implementation-specific',
    `${VPS}; LK vcpu_thash`, '1', 'offset 2+; use from LK only (XEN computes its own hash in software); argument registers from LK'),
  svc('PAL_VPS_TTAG', 0x1800, { GR24: RET, GR25: 'vadr', GR26: 'vrr: the guest region register of vadr' }, true,
    { GR31: 'the long-format VHPT tag' },
    'computes the guest\'s long-format VHPT tag; implementation-specific', `${VPS}; LK vcpu_ttag`, '1',
    'offset 2+; use and argument registers from LK only'),
  svc('PAL_VPS_RESTORE', 0x1c00, { GR24: RET, GR25: VPD, GR26: '1 as LK/XEN pass it' }, true, {},
    'light-weight restore of a VP onto the logical processor; afterwards IVA = the VP\'s host IVT',
    `SDM 2:332; ${VPS}; LK vmm_transition; XEN vmx_load_state`, '2+', 'the meaning of GR26 was not retrieved'),
  svc('PAL_VPS_SAVE', 0x2000, { GR24: RET, GR25: VPD, GR26: 'skip implicit sync: 0 = do an implicit PAL_VPS_SYNC_READ, 1 = skip it' }, true, {},
    'light-weight save of the VP; IVA keeps pointing at its host IVT; PAL-procedure state is not saved (PAL_VP_SAVE does that)',
    `SDM 2:500; ${VPS}; XEN vmx_save_state`),
] as const satisfies readonly PalServiceSpec[];

export type PalServiceName = (typeof PAL_VPS_SERVICES)[number]['name'];

/**
 * How the PAL_VPS_* services are called: branch to vsa_base + offset with BR0 = that address;
 * predicates are preserved; the PSR fields listed must have the given values; only the (ITR/DTR
 * mapped) PAL virtual environment buffer is touched. Results come back in GR31.
 */
export const VPS_CALLING_CONVENTION = {
  psrMustBe0: ['be', 'i', 'cpl', 'is', 'ss', 'db', 'tb', 'vm'],
  psrMustBe1: ['dt', 'rt', 'it'],
  parameterRegisters: ['GR24', 'GR25', 'GR26', 'GR27', 'GR28', 'GR29', 'GR30', 'GR31'],
  resultRegister: 'GR31',
  source: 'SDM §11.11.1, 2:486; LK/XEN ia64_call_vsa',
  confidence: '1',
  note: 'the PSR constraints are from the SDM alone; LK/XEN clear psr.i/ic before calling, consistent with it',
} as const satisfies Sourced & {
  psrMustBe0: readonly string[]; psrMustBe1: readonly string[]; parameterRegisters: readonly VpsRegister[]; resultRegister: VpsRegister;
};

// ---------------------------------------------------------------------------------------------

export interface PalFeatureBitSpec extends Sourced {
  /** PAL_PROC_GET_FEATURES (procedure 17) feature-vector bit. */
  readonly bit: number;
  readonly name: string;
  readonly meaning: string;
}

export const PAL_PROC_GET_FEATURES_INDEX = 17;

export const PAL_PROC_FEATURE_BITS = [
  { bit: 40, name: 'vm', meaning: 'virtual machine features (PSR.vm) implemented; the VMMs require it in the `avail` vector',
    source: 'LK kvm/vti.h PAL_PROC_VM_BIT; XEN vmx_pal.h, vmx_init.c identify_vmx_feature', confidence: '2+' },
  { bit: 54, name: 'vmsw', meaning: 'the vmsw instruction implemented',
    source: 'LK kvm/vti.h PAL_PROC_VMSW_BIT; XEN vmx_pal.h', confidence: '2+' },
] as const satisfies readonly PalFeatureBitSpec[];
