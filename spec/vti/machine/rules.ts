/**
 * One rule ID for every behaviour the VT-i model implements. The intercept, vac, vdc and PAL rows are
 * derived from the spec/vti data (VIRTUALIZED_INSTRUCTIONS, VAC_BITS, VDC_BITS, PAL_VP_PROCEDURES,
 * PAL_VPS_SERVICES), so a new row there is a new rule here; the error returns of each procedure are a
 * table keyed by procedure name, so a procedure without its table does not compile.
 *
 * A rule's `source` and `confidence` are those of the spec row it comes from; the hand-written rules
 * cite their own. Model functions name the IDs they implement in their doc comments; tests name them
 * in their titles (`vtspec coverage` checks both).
 */
import { INTERCEPT_CAUSES, INTERCEPT_HANDOFF, UNIMPLEMENTED_VA_RULE, VIRTUALIZED_INSTRUCTIONS } from '../intercepts.js';
import { INTERRUPTION_CR_IC_RULE } from '../control-registers.js';
import { PAL_VP_PROCEDURES, PAL_VPS_SERVICES, VPS_CALLING_CONVENTION } from '../pal.js';
import type { Confidence } from '../source.js';
import { VAC_BITS, VDC_BITS, VAC_VDC_EXCLUSIONS } from '../vpd.js';
import type { PalProcedureCall, PalServiceCall } from './events.js';

export type VtiRuleKind =
  | 'intercept' | 'acceleration' | 'disable' | 'order' | 'address-space' | 'vmsw' | 'virtual-interrupt'
  | 'interruption' | 'native' | 'pal-procedure' | 'pal-service';

export interface VtiRuleSpec {
  readonly section: string;
  readonly source: string;
  readonly confidence: Confidence;
  readonly statement: string;
  readonly kind: VtiRuleKind;
}

// ---------------------------------------------------------------------------------------------
// Derived: intercepts, accelerations, disables

const causeName = (code: number): string => {
  const c = INTERCEPT_CAUSES.find((x) => x.code === code);
  return c === undefined ? `CAUSE_${code}` : c.name.replace(/^EVENT_/, '').toUpperCase();
};

/** `VTI.INTERCEPT.<cause name>` for a cause code (MOV_TO_CR, THASH, VMSW, PROBE …). */
export const interceptRuleId = (cause: number): string => `VTI.INTERCEPT.${causeName(cause)}`;
export const vacRuleId = (name: string): string => `VTI.VAC.${name}`;
export const vdcRuleId = (name: string): string => `VTI.VDC.${name}`;

const interceptRules = Object.fromEntries(VIRTUALIZED_INSTRUCTIONS.map((v) => [interceptRuleId(v.cause), {
  section: 'Itanium SDM rev 2.3 §11.7.3, Table 11-22',
  source: v.source,
  confidence: v.confidence,
  statement: `${v.mnemonic} with PSR.vm = 1 raises a virtualization intercept with cause ${v.cause}: ${v.interceptsWhen}`,
  kind: 'intercept',
} satisfies VtiRuleSpec]));

/** vac and vdc rows whose bit position is known: the only ones a model can act on. */
export const MODELLED_VAC_BITS = VAC_BITS.flatMap((b) => (b.bit === null || b.name === null ? [] : [{ ...b, bit: b.bit, name: b.name }]));
export const MODELLED_VDC_BITS = VDC_BITS.flatMap((b) => (b.bit === null || b.name === null ? [] : [{ ...b, bit: b.bit, name: b.name }]));

const vacRules = Object.fromEntries(MODELLED_VAC_BITS.map((b) => [vacRuleId(b.name), {
  section: `Itanium SDM rev 2.3 §11.7.4.2 (vac bit ${b.bit})`,
  source: b.source, confidence: b.confidence, statement: b.effect, kind: 'acceleration',
} satisfies VtiRuleSpec]));

const vdcRules = Object.fromEntries(MODELLED_VDC_BITS.map((b) => [vdcRuleId(b.name), {
  section: `Itanium SDM rev 2.3 §11.7.4.3 (vdc bit ${b.bit})`,
  source: b.source, confidence: b.confidence, statement: b.effect, kind: 'disable',
} satisfies VtiRuleSpec]));

// ---------------------------------------------------------------------------------------------
// Derived: PAL procedures and services, with their error returns

export interface PalErrorSpec {
  /** Suffix of the rule ID. */
  readonly key: string;
  /** PAL status returned; null: the behaviour is undefined (services return no status). */
  readonly status: number | null;
  readonly statement: string;
  readonly confidence: Confidence;
}

const VM_DISABLED: PalErrorSpec = { key: 'VM_DISABLED', status: -1, confidence: '2+',
  statement: 'returns -1 (unimplemented) when the virtual machine features are disabled (PAL_PROC_GET_FEATURES bit 40 clear)' };
const NO_ENV: PalErrorSpec = { key: 'NO_ENV', status: -9, confidence: '?',
  statement: 'returns -9 (call requires PAL memory buffer) when PAL_VP_INIT_ENV has not set up the virtual environment buffer' };
const UNKNOWN_VP: PalErrorSpec = { key: 'UNKNOWN_VP', status: -2, confidence: '?',
  statement: 'returns -2 (invalid argument) when vpd is not a VP created by PAL_VP_CREATE in this environment' };
const BAD_CONTROLS: PalErrorSpec = { key: 'BAD_CONTROLS', status: -2, confidence: '1',
  statement: `returns -2 when the VPD's vac/vdc combination is unsupported: a reserved bit set, or ${VAC_VDC_EXCLUSIONS.map((e) => `${e.vac} with ${e.vdc}`).join(', ')}` };

/** Error returns of each procedure, beyond success (`.OK`). */
export const PAL_PROCEDURE_ERRORS = {
  PAL_VP_CREATE: [VM_DISABLED, NO_ENV,
    { key: 'BAD_VPD', status: -2, confidence: '?', statement: 'returns -2 when vpd is not 32 KiB aligned or already names a created VP' },
    BAD_CONTROLS,
    { key: 'BAD_ENV_ADDR', status: -2, confidence: '?', statement: 'returns -2 when the VPD virt_env_vaddr differs from the vbase_addr given to PAL_VP_INIT_ENV' }],
  PAL_VP_ENV_INFO: [VM_DISABLED],
  PAL_VP_EXIT_ENV: [VM_DISABLED, NO_ENV],
  PAL_VP_INIT_ENV: [VM_DISABLED,
    { key: 'BAD_OPTIONS', status: -2, confidence: '?', statement: 'returns an error (-2) when config_options.opcode is 0, a reserved option bit is set, or gitc is requested where unsupported' },
    { key: 'BAD_BUFFER', status: -2, confidence: '?', statement: 'returns -2 when pbase_addr or vbase_addr is not 4 KiB aligned' },
    { key: 'ALREADY', status: -3, confidence: '?', statement: 'returns an error (-3; -2 also permitted) when this logical processor is already in the virtual environment' }],
  PAL_VP_REGISTER: [VM_DISABLED, NO_ENV, UNKNOWN_VP, BAD_CONTROLS],
  PAL_VP_RESTORE: [VM_DISABLED, NO_ENV, UNKNOWN_VP],
  PAL_VP_SAVE: [VM_DISABLED, NO_ENV,
    { key: 'NOT_CURRENT', status: -2, confidence: '?', statement: 'returns -2 when vpd is not the VP restored on this processor' }],
  PAL_VP_TERMINATE: [VM_DISABLED, NO_ENV, UNKNOWN_VP],
  PAL_VP_INFO: [{ key: 'PHYSICAL', status: -1, confidence: '1', statement: 'always returns -1 on a physical processor (it is for guests, answered by a VMM)' }],
} as const satisfies Record<PalProcedureCall['name'], readonly PalErrorSpec[]>;

const NOT_CURRENT_VPS: PalErrorSpec = { key: 'NOT_CURRENT', status: null, confidence: '?',
  statement: 'undefined when the environment is not initialised or vpd is not the VP restored on this processor' };
const PSR_CONVENTION: PalErrorSpec = { key: 'PSR', status: null, confidence: VPS_CALLING_CONVENTION.confidence,
  statement: `undefined unless PSR.{${VPS_CALLING_CONVENTION.psrMustBe0.join(', ')}} = 0 and PSR.{${VPS_CALLING_CONVENTION.psrMustBe1.join(', ')}} = 1 (SDM §11.11.1; the RESUME services also need PSR.bn = 0)` };

/** Error (undefined) cases of each service, beyond success (`.OK`). */
export const PAL_SERVICE_ERRORS = {
  PAL_VPS_RESUME_NORMAL: [PSR_CONVENTION, NOT_CURRENT_VPS,
    { key: 'VPSR_IC', status: null, confidence: '1', statement: 'undefined when vpsr.ic = 0 while some vac or vdc bit is 1 (PAL_VPS_RESUME_HANDLER is for that case)' }],
  PAL_VPS_RESUME_HANDLER: [PSR_CONVENTION, NOT_CURRENT_VPS,
    { key: 'VAC_MISMATCH', status: null, confidence: '1', statement: "undefined when GR26{62:0} differs from the VPD's vac" }],
  PAL_VPS_SYNC_READ: [PSR_CONVENTION, NOT_CURRENT_VPS],
  PAL_VPS_SYNC_WRITE: [PSR_CONVENTION, NOT_CURRENT_VPS],
  PAL_VPS_SET_PENDING_INTERRUPT: [PSR_CONVENTION, NOT_CURRENT_VPS],
  PAL_VPS_THASH: [PSR_CONVENTION],
  PAL_VPS_TTAG: [PSR_CONVENTION],
  PAL_VPS_RESTORE: [PSR_CONVENTION,
    { key: 'UNKNOWN_VP', status: null, confidence: '?', statement: 'undefined when vpd is not a created VP' }],
  PAL_VPS_SAVE: [PSR_CONVENTION, NOT_CURRENT_VPS],
} as const satisfies Record<PalServiceCall['name'], readonly PalErrorSpec[]>;

/** `VTI.PAL.VP_CREATE.OK`, `VTI.PAL.VPS_THASH.PSR` … */
export const palRuleId = (name: string, key: string): string => `VTI.PAL.${name.replace(/^PAL_/, '')}.${key}`;

/** The error table of a procedure named in spec/vti/pal.ts ([] for a name without a call shape: a test fails). */
export const procedureErrors = (name: string): readonly PalErrorSpec[] =>
  (PAL_PROCEDURE_ERRORS as Readonly<Record<string, readonly PalErrorSpec[]>>)[name] ?? [];
export const serviceErrors = (name: string): readonly PalErrorSpec[] =>
  (PAL_SERVICE_ERRORS as Readonly<Record<string, readonly PalErrorSpec[]>>)[name] ?? [];

/** PAL_VP_INFO never succeeds on a physical processor: no `.OK` rule for it. */
const succeeds = (name: string): boolean => !procedureErrors(name).some((e) => e.key === 'PHYSICAL');

const procedureRules = Object.fromEntries(PAL_VP_PROCEDURES.flatMap((p) => [
  ...(!succeeds(p.name) ? [] : [[palRuleId(p.name, 'OK'), {
    section: `Itanium SDM rev 2.3 §11.10, ${p.name} (${p.index})`, source: p.source, confidence: p.confidence,
    statement: `${p.name} succeeds (status 0): ${p.effect}`, kind: 'pal-procedure',
  } satisfies VtiRuleSpec] as [string, VtiRuleSpec]]),
  ...procedureErrors(p.name).map((e): [string, VtiRuleSpec] => [palRuleId(p.name, e.key), {
    section: `Itanium SDM rev 2.3 §11.10, ${p.name} (${p.index}), status ${e.status}`, source: p.source, confidence: e.confidence,
    statement: `${p.name} ${e.statement}`, kind: 'pal-procedure',
  }]),
]));

const serviceRules = Object.fromEntries(PAL_VPS_SERVICES.flatMap((s) => [
  [palRuleId(s.name, 'OK'), {
    section: `Itanium SDM rev 2.3 §11.11, ${s.name} (vsa_base + 0x${s.offset.toString(16)})`, source: s.source, confidence: s.confidence,
    statement: `${s.name}: ${s.effect}`, kind: 'pal-service',
  } satisfies VtiRuleSpec],
  ...serviceErrors(s.name).map((e): [string, VtiRuleSpec] => [palRuleId(s.name, e.key), {
    section: `Itanium SDM rev 2.3 §11.11, ${s.name}`, source: s.source, confidence: e.confidence,
    statement: `${s.name} is ${e.statement}`, kind: 'pal-service',
  }]),
]));

// ---------------------------------------------------------------------------------------------
// Hand-written: order, address space, vmsw, interrupts, interruption delivery, native execution

const ORDER_SRC = 'SDM 3:175, 3:185, 3:34, 3:273';
const r = (kind: VtiRuleKind, section: string, source: string, confidence: Confidence, statement: string): VtiRuleSpec =>
  ({ section, source, confidence, statement, kind });

const fixedRules = {
  'VTI.ORDER.OPERAND_CHECKS_FIRST': r('order', 'Itanium SDM Vol. 3 instruction pages (check order)', ORDER_SRC, '2+',
    'operand checks (register outside the frame, reserved or read-only register, reserved field) fault before the privilege and PSR.vm checks'),
  'VTI.ORDER.PRIVILEGED_FIRST': r('order', 'Itanium SDM Vol. 3 instruction pages (check order)', ORDER_SRC, '2+',
    'a privileged instruction at PSR.cpl > 0 takes the Privileged Operation fault (General Exception, ISR.code 0x10) before any virtualization intercept, whatever PSR.vm'),
  'VTI.ORDER.PRIVILEGED_REGISTER': r('order', 'Itanium SDM 3: mov ar', 'SDM-old mov ar; XEN/LK', '2+',
    'writing AR.ITC or AR.K0-K7 at cpl > 0, or reading AR.ITC at cpl > 0 with PSR.si = 1, is a Privileged Register fault (ISR.code 0x20), before the intercept'),
  'VTI.MOV_CR.INTERRUPTION_CR_IC': r('order', 'Itanium SDM 3:175 (mov cr)', INTERRUPTION_CR_IC_RULE.source, INTERRUPTION_CR_IC_RULE.confidence,
    'accessing an interruption CR (CR16-CR25) with PSR.ic = 1 is an Illegal Operation fault; with PSR.vm = 1 the model checks the virtual vpsr.ic on accelerated accesses and leaves intercepted ones to the VMM (the completed access is also permitted)'),
  'VTI.INTERCEPT.HANDOFF': r('intercept', 'Itanium SDM rev 2.3 §11.7.3, Figure 11-15', INTERCEPT_HANDOFF.source, INTERCEPT_HANDOFF.confidence,
    'an intercept is delivered like a fault to the VP\'s opt_handler, or host IVA + 0x6100: PSR.vm = 0, bank 0, GR24 = cause (config_options.cause), GR25 = opcode (config_options.opcode)'),
  'VTI.GUEST.NO_VP': r('intercept', 'Itanium SDM rev 2.3 §11.7.1, 2:332', 'SDM 2:332 (IVA bookkeeping)', '?',
    'PSR.vm = 1 with no VP restored on the processor is undefined (the VPD that would govern the guest is unknown)'),
  'VTI.UNIMPL_VA.VMM': r('address-space', 'Itanium SDM 2:§4.1.1.6 (unimplemented address bits)', 'SDM 2:70; LK ia64 unimpl_va_mask', '?',
    'with PSR.vm = 0 every implemented VA bit is usable: an address is implemented when bits 60:IMPL_VA_MSB+1 equal bit IMPL_VA_MSB'),
  'VTI.UNIMPL_VA.DATA': r('address-space', 'ITJ "VT-i Architecture Overview"; Itanium SDM 2:70', UNIMPLEMENTED_VA_RULE.source, UNIMPLEMENTED_VA_RULE.confidence,
    'with PSR.vm = 1 bit IMPL_VA_MSB is unimplemented: a load or store to an address that uses it takes the Unimplemented Data Address fault (0x5400, ISR.code 0x30)'),
  'VTI.UNIMPL_VA.INSTRUCTION': r('address-space', 'ITJ; Itanium SDM 2:205-206', UNIMPLEMENTED_VA_RULE.source, UNIMPLEMENTED_VA_RULE.confidence,
    'a taken branch or rfi to an unimplemented instruction address takes the Unimplemented Instruction Address trap (0x5e00, ISR.code 0x10) at the target; the optional fault form (at the branch) is also permitted'),
  'VTI.UNIMPL_VA.THASH_TTAG': r('address-space', 'Itanium SDM 3:265 (thash)', UNIMPLEMENTED_VA_RULE.source, '1',
    'thash and ttag of an unimplemented address return an undefined value with the target NaT set, without a fault'),
  'VTI.UNIMPL_VA.PROBE': r('address-space', 'Itanium SDM 3:217 (probe)', 'SDM 3:217 (probe description)', '1',
    'a regular-form probe (probe.r / probe.w r1 = r3, r2) of an unimplemented address sets r1 = 0 without a fault; with PSR.vm = 1 that includes every address using bit IMPL_VA_MSB'),
  'VTI.VMSW.ILLEGAL': r('vmsw', 'Itanium SDM 3:273 (vmsw)', 'SDM 3:273; PAL_PROC_GET_FEATURES bits 40, 54', '2+',
    'vmsw is an Illegal Operation fault where the VM features or vmsw are not implemented or enabled (checked first)'),
  'VTI.VMSW.SWITCH': r('vmsw', 'Itanium SDM 3:273, §11.7.4.3.1', 'SDM 3:273', '2+',
    'at cpl 0, with PSR.it = 1, vdc.d_vmsw = 0 and the vmsw on a page with access rights 7, vmsw.0 / vmsw.1 set PSR.vm to 0 / 1 without an intercept'),
  'VTI.VEI.DELIVER': r('virtual-interrupt', 'Itanium SDM 2:187; ITJ "Interrupt Virtualization"', 'SDM 2:187; LK/XEN vhpi_detection', '2+',
    'with PSR.vm = 1 and vac.a_int = 1, before the next guest instruction: when the pending virtual interrupt (vhpi) exceeds ((vpsr.i = 0) << 5) | (vtpr.mmi << 4) | vtpr.mic, control goes to host IVA + 0x3400 instead'),
  'VTI.VEI.MASKED': r('virtual-interrupt', 'Itanium SDM 2:187', 'SDM 2:187; LK/XEN vhpi_detection', '2+',
    'a pending virtual interrupt at or below that threshold (masked by vpsr.i or vtpr), or vac.a_int = 0, raises nothing'),
  'VTI.INTERRUPTION.DELIVERY': r('interruption', 'Itanium SDM 2:§5.5 (interruption state), 2:§6.7-6.8 (RSE on interruptions)',
    'SDM 2:§5.5, 2:§6.7-6.8, 2:492 (PAL_VPS_RESUME_HANDLER CFLE); ITJ (Access to Hidden State); LK/XEN collect_interruption, inject_guest_interruption', '2+',
    'an IVA-based interruption: with PSR.ic = 1, IPSR/IIP/IIPA/IFS.v = 0 are written; ISR always (ni = 1 when PSR.ic was 0); PSR keeps up, mfl, mfh, pk, dt, rt, mc, it, takes be/pp from DCR, everything else 0 (vm, bn, cpl, ic, i); the frame (CFM) is kept and the RSE\'s CFLE = 0; IP = IVA + vector'),
  'VTI.EXTINT.PEND': r('interruption', 'Itanium SDM 2:§5.8 (external interrupts)', 'SDM 2:§5.8; LK/XEN irq_masked', '2+',
    'an external interrupt sets its IRR bit; it is taken (0x3000) when PSR.i = 1 and it is not masked by TPR (mmi, mic) or a higher vector in service'),
  'VTI.EXTINT.IVR': r('native', 'Itanium SDM 2:§5.8.3 (IVR)', 'LK vcpu_get_ivr; XEN guest_read_vivr', '2+',
    'reading CR.IVR returns the highest unmasked pending vector, moves it from IRR to in-service; 15 (spurious) when none'),
  'VTI.EXTINT.EOI': r('native', 'Itanium SDM 2:§5.8.3 (EOI)', 'LK vcpu_set_eoi; XEN vmx_vcpu_set_eoi', '2+',
    'writing CR.EOI retires the highest in-service vector'),
  'VTI.TIMER': r('interruption', 'Itanium SDM 2:§3.3.4.2 (ITM, ITV)', 'LK vcpu_set_itm/itv', '1',
    'when AR.ITC reaches CR.ITM the interval timer pends CR.ITV.vector unless ITV.m (bit 16) is 1'),
  'VTI.NATIVE.REGISTER_FRAME': r('native', 'Itanium SDM 1:§4.1 (register stack)', 'SDM Vol. 1', '2+',
    'naming a stacked register at or above GR32 + CFM.sof is an Illegal Operation fault'),
  'VTI.NATIVE.NAT_CONSUMPTION': r('native', 'Itanium SDM 2:§5.5.5 (NaT consumption)', 'SDM Vol. 2', '1',
    'a NaT source of a move to a system register, a memory address or a branch is a Register NaT Consumption fault (0x5600, ISR.code 0x10); intercepted instructions leave it to the VMM'),
  'VTI.NATIVE.MOV_CR': r('native', 'Itanium SDM 3:175 (mov cr)', 'SDM 3:175', '2+',
    'mov to / from a CR reads or writes the control register; reserved CR numbers and writes of read-only ones (IVR, IRR) are Illegal Operation faults'),
  'VTI.NATIVE.MOV_PSR': r('native', 'Itanium SDM 3:185 (mov psr)', 'SDM 3:185', '2+',
    'mov psr.l writes PSR{31:0}; mov from psr returns PSR{31:0} and {36:35}; psr.um moves touch PSR{5:0} at any cpl'),
  'VTI.NATIVE.SSM_RSM': r('native', 'Itanium SDM 3 (ssm, rsm)', 'SDM Vol. 3', '2+', 'ssm / rsm set / clear the PSR bits of imm24 (PSR{23:0})'),
  'VTI.NATIVE.RFI': r('native', 'Itanium SDM 3 (rfi)', 'SDM Vol. 3; ITJ', '2+',
    'rfi: PSR = IPSR (without bit 46 where the VM features, and so PSR.vm, are not implemented), IP = IIP (slot IPSR.ri), the frame in IFS is restored when IFS.v = 1, CFLE = 1'),
  'VTI.NATIVE.BSW': r('native', 'Itanium SDM 3:34 (bsw)', 'SDM 3:34', '2+', 'bsw.0 / bsw.1 select the GR16-31 bank and set PSR.bn'),
  'VTI.NATIVE.COVER': r('native', 'Itanium SDM 3:48 (cover)', 'SDM 3:48', '2+',
    'cover makes the current frame empty (the old one leaves it); with PSR.ic = 0 it writes IFS = v | CFM'),
  'VTI.NATIVE.THASH': r('native', 'Itanium SDM 3:265 (thash)', 'SDM 3:265; LK vcpu_thash', '2+',
    'thash returns the short-format VHPT hash address when PTA.vf = 0; the long-format hash is implementation-specific (any value)'),
  'VTI.NATIVE.TTAG': r('native', 'Itanium SDM 3 (ttag)', 'SDM Vol. 3', '?', 'ttag returns an implementation-specific tag (any value, NaT clear)'),
  'VTI.NATIVE.TPA': r('native', 'Itanium SDM 3 (tpa)', 'SDM Vol. 3', '?',
    'tpa returns the physical address of a DTLB translation; without one a Data TLB fault (VHPT walker on: PTA.ve = RR.ve = 1; the walk finds nothing in this model) or an Alternate Data TLB fault'),
  'VTI.NATIVE.TAK': r('native', 'Itanium SDM 3:260 (tak)', 'SDM 3:260', '1', 'tak returns the key of a DTLB translation, 1 when there is none (with PSR.dt = 0 the DTLB is still searched, SDM 3:260)'),
  'VTI.NATIVE.CPUID': r('native', 'Itanium SDM 3 (mov cpuid)', 'SDM Vol. 3', '2+',
    'mov from cpuid returns CPUID[r3]; an index above CPUID[3]{7:0} is a Reserved Register/Field fault'),
  'VTI.NATIVE.ITC': r('native', 'Itanium SDM 3 (itc)', 'SDM Vol. 3', '2+',
    'itc inserts (IFA, ITIR, r2) into the TC, replacing overlapping entries; with PSR.ic = 1 an Illegal Operation fault'),
  'VTI.NATIVE.ITR': r('native', 'Itanium SDM 3 (itr)', 'SDM Vol. 3', '2+',
    'itr inserts into translation register slot r3 (a slot beyond the implemented ones is a Reserved Register/Field fault); PSR.ic = 1 is an Illegal Operation fault'),
  'VTI.NATIVE.PTC': r('native', 'Itanium SDM 3 (ptc)', 'SDM Vol. 3', '2+', 'ptc.l/g/ga purge overlapping TC entries; ptc.e purges the TC'),
  'VTI.NATIVE.PTR': r('native', 'Itanium SDM 3 (ptr)', 'SDM Vol. 3', '2+', 'ptr.i/d purge overlapping translation registers and TC entries'),
  'VTI.NATIVE.MOV_IND': r('native', 'Itanium SDM 3:180 (mov indirect)', 'SDM 3:180', '2+',
    'mov to / from rr, pkr, ibr, dbr, pmc, pmd reach the register file entry (rr by r3{63:61}, others by r3{7:0}); a pkr index beyond the implemented ones is a Reserved Register/Field fault; pmd reads are not privileged'),
  'VTI.NATIVE.MOV_AR': r('native', 'Itanium SDM 3 (mov ar)', 'SDM Vol. 3', '2+', 'mov to / from an application register, imm8 sign-extended'),
  'VTI.NATIVE.PROBE': r('native', 'Itanium SDM 3 (probe)', 'SDM Vol. 3', '?',
    'probe.r/w return 1 when a DTLB translation allows the access at privilege r2{1:0}, else 0'),
  'VTI.NATIVE.PROBE_DTLB_ONLY': r('native', 'Itanium SDM 3:217 (probe)', 'SDM 3:217 (probe description)', '1',
    'with PSR.dt = 0 a regular-form probe queries the DTLB only (the VHPT walker is off): a miss is an Alternate Data TLB fault whatever PTA.ve and RR.ve (the Data Nested TLB fault the SDM names for PSR.ic = 0 is not modelled, for no TLB miss)'),
  'VTI.NATIVE.BRANCH': r('native', 'Itanium SDM 3 (br)', 'SDM Vol. 3', '2+',
    'br.call saves b1 = next IP, AR.PFS = CFM | AR.EC << 52 | cpl << 62 and makes the outputs the new frame; br.ret restores CFM and AR.EC from AR.PFS (cpl may only rise); br.cond branches when the predicate is 1'),
  'VTI.NATIVE.ALLOC': r('native', 'Itanium SDM 3 (alloc)', 'SDM Vol. 3', '2+', 'alloc r1 = AR.PFS and sets CFM.sof/sol (sof ≤ 96, sol ≤ sof, else Illegal Operation)'),
  'VTI.NATIVE.COMPUTE': r('native', 'Itanium SDM 3 (movl, add, cmp, mov br, nop)', 'SDM Vol. 3', '2+',
    'ordinary computation: NaT propagates through add; cmp with a NaT source clears both predicates'),
  'VTI.NATIVE.MEMORY': r('native', 'Itanium SDM 3 (ld8, st8)', 'SDM Vol. 3', '?',
    'ld8 / st8 access the 8-byte word (unaligned: Unaligned Reference fault); inside a created VP\'s VPD they reach its fields'),
  'VTI.NATIVE.BREAK': r('native', 'Itanium SDM 3 (break)', 'SDM Vol. 3', '2+', 'break raises the Break Instruction fault (0x2c00) with IIM = imm21'),
} as const satisfies Record<string, VtiRuleSpec>;

export const VTI_RULES: Readonly<Record<string, VtiRuleSpec>> = {
  ...interceptRules,
  ...vacRules,
  ...vdcRules,
  ...procedureRules,
  ...serviceRules,
  ...fixedRules,
};

export type FixedVtiRuleId = keyof typeof fixedRules;

export const VTI_RULE_IDS: readonly string[] = Object.keys(VTI_RULES);
