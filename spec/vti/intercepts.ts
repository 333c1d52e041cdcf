/**
 * Virtualization intercepts: how the VMM learns why it was entered (cause in bank-0 GR24, opcode in
 * bank-0 GR25), the cause codes (SDM rev 2.3 Table 11-22; Linux kvm/vti.h and Xen virt_event.h
 * EVENT_* names), and every instruction PSR.vm = 1 virtualizes, with the vac/vdc bits and global
 * options that change its behaviour.
 *
 * Cause numbering is the current one ("VMAL 2.0", vmsw = 40). Xen keeps an older numbering under
 * `#if 0` ("VMAL 1.0": 23 = MOV_FROM_PMD, every later code one higher); `vmal1Code` records it.
 */
import type { Confidence, Sourced } from './source.js';
import type { VacName, VdcName } from './vpd.js';

export interface InterceptCauseSpec extends Sourced {
  /** Value in GR24 at the intercept. */
  readonly code: number;
  /** The LK/XEN EVENT_* name, or the SDM's name where LK/XEN have none. */
  readonly name: string;
  /** The SDM Table 11-22 name, where seen (codes 27-41). */
  readonly sdmName: string | null;
  readonly instruction: string;
  /** The code of the same cause in the older VMAL 1.0 numbering; null when it had none. */
  readonly vmal1Code: number | null;
}

const CODES = 'LK kvm/vti.h; XEN virt_event.h';

const cause = (code: number, name: string, instruction: string, sdmName: string | null = null) =>
  ({
    code, name, sdmName, instruction, vmal1Code: code <= 22 ? code : code + 1,
    source: sdmName === null ? CODES : `${CODES}; SDM Table 11-22`, confidence: '2+' as Confidence,
  }) as const;

export const INTERCEPT_CAUSES: readonly InterceptCauseSpec[] = [
  {
    code: 0, name: 'none', sdmName: null, instruction: '(none)', vmal1Code: null, source: 'LK/XEN start numbering at 1', confidence: '?',
    note: 'not used by LK/XEN; whether 0 is reserved or means "no cause" (config_options.cause = 0) was not retrieved',
  },
  cause(1, 'EVENT_MOV_TO_AR', 'mov ar = r2'),
  cause(2, 'EVENT_MOV_TO_AR_IMM', 'mov ar = imm8'),
  cause(3, 'EVENT_MOV_FROM_AR', 'mov r1 = ar'),
  cause(4, 'EVENT_MOV_TO_CR', 'mov cr = r2'),
  cause(5, 'EVENT_MOV_FROM_CR', 'mov r1 = cr'),
  cause(6, 'EVENT_MOV_TO_PSR', 'mov psr.l = r2'),
  cause(7, 'EVENT_MOV_FROM_PSR', 'mov r1 = psr'),
  cause(8, 'EVENT_ITC_D', 'itc.d'),
  cause(9, 'EVENT_ITC_I', 'itc.i'),
  cause(10, 'EVENT_MOV_TO_RR', 'mov rr[r3] = r2'),
  cause(11, 'EVENT_MOV_TO_DBR', 'mov dbr[r3] = r2'),
  cause(12, 'EVENT_MOV_TO_IBR', 'mov ibr[r3] = r2'),
  cause(13, 'EVENT_MOV_TO_PKR', 'mov pkr[r3] = r2'),
  cause(14, 'EVENT_MOV_TO_PMC', 'mov pmc[r3] = r2'),
  cause(15, 'EVENT_MOV_TO_PMD', 'mov pmd[r3] = r2'),
  cause(16, 'EVENT_ITR_D', 'itr.d'),
  cause(17, 'EVENT_ITR_I', 'itr.i'),
  cause(18, 'EVENT_MOV_FROM_RR', 'mov r1 = rr[r3]'),
  cause(19, 'EVENT_MOV_FROM_DBR', 'mov r1 = dbr[r3]'),
  cause(20, 'EVENT_MOV_FROM_IBR', 'mov r1 = ibr[r3]'),
  cause(21, 'EVENT_MOV_FROM_PKR', 'mov r1 = pkr[r3]'),
  cause(22, 'EVENT_MOV_FROM_PMC', 'mov r1 = pmc[r3]'),
  cause(23, 'EVENT_MOV_FROM_CPUID', 'mov r1 = cpuid[r3]'),
  cause(24, 'EVENT_SSM', 'ssm imm24'),
  cause(25, 'EVENT_RSM', 'rsm imm24'),
  cause(26, 'EVENT_PTC_L', 'ptc.l'),
  cause(27, 'EVENT_PTC_G', 'ptc.g', 'ptc_g'),
  cause(28, 'EVENT_PTC_GA', 'ptc.ga', 'ptc_ga'),
  cause(29, 'EVENT_PTR_D', 'ptr.d', 'ptr_d'),
  cause(30, 'EVENT_PTR_I', 'ptr.i', 'ptr_i'),
  cause(31, 'EVENT_THASH', 'thash', 'thash'),
  cause(32, 'EVENT_TTAG', 'ttag', 'ttag'),
  cause(33, 'EVENT_TPA', 'tpa', 'tpa'),
  cause(34, 'EVENT_TAK', 'tak', 'tak'),
  cause(35, 'EVENT_PTC_E', 'ptc.e', 'ptc_e'),
  cause(36, 'EVENT_COVER', 'cover', 'cover'),
  cause(37, 'EVENT_RFI', 'rfi', 'rfi'),
  cause(38, 'EVENT_BSW_0', 'bsw.0', 'bsw_0'),
  cause(39, 'EVENT_BSW_1', 'bsw.1', 'bsw_1'),
  cause(40, 'EVENT_VMSW', 'vmsw', 'vmsw'),
  {
    code: 41, name: 'probe', sdmName: 'probe', instruction: 'probe (some forms)', vmal1Code: null,
    source: 'SDM Table 11-22', confidence: '1', note: 'only in SDM rev 2.3; LK/XEN stop at 40; which probe forms intercept was not retrieved',
  },
];

/** The older VMAL 1.0 cause that has no current code. */
export const VMAL1_ONLY_CAUSES = [
  { code: 23, name: 'EVENT_MOV_FROM_PMD', instruction: 'mov r1 = pmd[r3]', source: 'XEN virt_event.h (#if 0 block)', confidence: '!',
    note: 'VMAL 1.0 numbering: 1-22 as now, then 23 = MOV_FROM_PMD and every later code +1 (vmsw = 41); the current numbering is modelled' },
] as const satisfies readonly (Sourced & { code: number; name: string; instruction: string })[];

// ---------------------------------------------------------------------------------------------

/** What the VMM finds at the Virtualization vector (or optional handler). */
export const INTERCEPT_HANDOFF = {
  causeRegister: 'GR24',
  causeEnabledBy: { option: 'cause', bit: 9 },
  opcodeRegister: 'GR25',
  opcodeEnabledBy: { option: 'opcode', bit: 8 },
  /** Operand fields the VMMs decode from GR25 (bit ranges of the 41-bit instruction slot in its low bits). */
  opcodeFields: { r1: [12, 6], r2: [19, 13], r3: [26, 20] },
  opcodeCaveat: 'the SDM warns that the reported opcode may not be guaranteed to be the one that triggered the intercept',
  bank: 0,
  preserved: 'non-banked GRs, all bank-1 GRs, bank-0 GR16-23',
  scratch: 'bank-0 GR24-31',
  source: 'SDM Table 11-22, Figure 11-15, 2:480; VTI-SPEC §5.2.3.1; LK optvfault.S; XEN vmx_ivt.S',
  confidence: '2+',
  note: 'the preserved/scratch split comes from VTI-SPEC alone (conf 1); the GR25 layout above bit 40 (Figure 11-15) was not retrieved',
} as const satisfies Sourced & Record<string, unknown>;

// ---------------------------------------------------------------------------------------------

/**
 * When the instruction intercepts with PSR.vm = 1:
 * - `cpl0`: privileged; at cpl > 0 a Privileged Operation (or Privileged Register) fault comes first,
 *   so only a guest kernel at cpl 0 intercepts;
 * - `any-cpl`: not privileged; intercepts at every privilege level;
 * - `conditional`: see `interceptsWhen`.
 */
export type InterceptCondition = 'cpl0' | 'any-cpl' | 'conditional';

export interface VirtualizedInstructionSpec extends Sourced {
  readonly mnemonic: string;
  /** Intercept cause reported in GR24. */
  readonly cause: number;
  readonly privileged: boolean;
  readonly condition: InterceptCondition;
  readonly interceptsWhen: string;
  /** vac bits that, when 1, let it complete on the VPD copy without an intercept. */
  readonly acceleratedBy: readonly VacName[];
  /** vdc bits that, when 1, let it act on the real resource without an intercept. */
  readonly disabledBy: readonly VdcName[];
  /** vdc bits that, when 1, make it intercept whatever PSR.vm (only d_vmsw). */
  readonly forcedBy: readonly VdcName[];
  /** Global PAL_VP_INIT_ENV options that remove the intercept. */
  readonly globalOptions: readonly string[];
}

const ORDER = 'SDM 3:175, 3:185, 3:34, 3:273 (check order)';

const ins = (mnemonic: string, cause: number, condition: InterceptCondition, interceptsWhen: string,
  more: { acc?: readonly VacName[]; dis?: readonly VdcName[]; forced?: readonly VdcName[]; opts?: readonly string[]; source?: string; confidence?: Confidence; note?: string } = {}) =>
  ({
    mnemonic, cause, privileged: condition === 'cpl0', condition, interceptsWhen,
    acceleratedBy: more.acc ?? [], disabledBy: more.dis ?? [], forcedBy: more.forced ?? [], globalOptions: more.opts ?? [],
    source: more.source ?? `${CODES}; ${ORDER}`, confidence: more.confidence ?? '2+',
    ...(more.note === undefined ? {} : { note: more.note }),
  }) as const;

const PRIV = 'cpl 0 and PSR.vm = 1 (after the operand checks; cpl > 0 faults first)';
const BY_ANALOGY = 'the cpl-then-vm check order is read on four SDM pages (mov cr, mov psr, bsw, vmsw) and applied here by analogy';

export const VIRTUALIZED_INSTRUCTIONS: readonly VirtualizedInstructionSpec[] = [
  ins('mov ar.itc = r2', 1, 'cpl0', `${PRIV}; only AR.ITC (ar44) is intercepted`, {
    source: 'SDM-old mov ar; LK kvm_mov_to_ar_reg; XEN vmx_emul_mov_to_ar_reg', confidence: '?',
    note: 'privilege and ITC 2+; the exact condition is doubtful: XEN panics on any other AR here, and both VMMs let the guest write ar.k0-k7 directly',
  }),
  ins('mov ar.itc = imm8', 2, 'cpl0', `${PRIV}; ITC only`, { source: 'LK kvm_mov_to_ar_imm; XEN', confidence: '?', note: 'as cause 1' }),
  ins('mov r1 = ar.itc', 3, 'conditional', 'PSR.vm = 1, unless the global gitc option is on (then ITC + ITO is returned); privileged only when PSR.si = 1', {
    opts: ['gitc'], source: 'XEN optvfault.S ("only itc is virtualized"); LK kvm_mov_from_ar_reg; SDM §11.7.4.1.3, Table 11-25', confidence: '?',
    note: 'use 2+; the exact trigger (Table 11-25: gitc × psr.si × vpsr.si) was not retrieved in full',
  }),
  ins('mov cr = r2', 4, 'cpl0', PRIV, {
    acc: ['a_to_int_cr'], dis: ['d_extint', 'd_itm'], source: `SDM 3:175; ${CODES}`,
    note: 'a_to_int_cr covers CR16-CR25, d_extint CR65-CR71, d_itm CR1; an interruption CR with PSR.ic = 1 is an Illegal Operation fault first',
  }),
  ins('mov r1 = cr', 5, 'cpl0', PRIV, {
    acc: ['a_from_int_cr'], dis: ['d_extint', 'd_itm'], source: `SDM 3:175; ${CODES}`,
    note: 'a_from_int_cr covers CR16-CR25, d_extint CR65-CR71, d_itm CR1; ITJ example: mov r1 = cr.pta always intercepts',
  }),
  ins('mov psr.l = r2', 6, 'cpl0', PRIV, { source: `SDM 3:185; ${CODES}` }),
  ins('mov r1 = psr', 7, 'cpl0', PRIV, { acc: ['a_from_psr'], source: `SDM 3:185; ${CODES}` }),
  ins('itc.d', 8, 'cpl0', PRIV, { confidence: '?', note: BY_ANALOGY }),
  ins('itc.i', 9, 'cpl0', PRIV, { confidence: '?', note: BY_ANALOGY }),
  ins('mov rr[r3] = r2', 10, 'cpl0', PRIV, { source: `SDM 3:180; ${CODES}` }),
  ins('mov dbr[r3] = r2', 11, 'cpl0', PRIV, { dis: ['d_ibr_dbr'], source: `${CODES}; SDM §11.7.4.3.3` }),
  ins('mov ibr[r3] = r2', 12, 'cpl0', PRIV, { dis: ['d_ibr_dbr'], source: `${CODES}; SDM §11.7.4.3.3` }),
  ins('mov pkr[r3] = r2', 13, 'cpl0', PRIV, { confidence: '?', note: BY_ANALOGY }),
  ins('mov pmc[r3] = r2', 14, 'cpl0', PRIV, { dis: ['d_pmc'] }),
  ins('mov pmd[r3] = r2', 15, 'cpl0', PRIV, { dis: ['d_to_pmd'], source: `SDM 3:180; ${CODES}` }),
  ins('itr.d', 16, 'cpl0', PRIV, { confidence: '?', note: BY_ANALOGY }),
  ins('itr.i', 17, 'cpl0', PRIV, { confidence: '?', note: BY_ANALOGY }),
  ins('mov r1 = rr[r3]', 18, 'cpl0', PRIV),
  ins('mov r1 = dbr[r3]', 19, 'cpl0', PRIV, { dis: ['d_ibr_dbr'] }),
  ins('mov r1 = ibr[r3]', 20, 'cpl0', PRIV, { dis: ['d_ibr_dbr'] }),
  ins('mov r1 = pkr[r3]', 21, 'cpl0', PRIV, { confidence: '?', note: BY_ANALOGY }),
  ins('mov r1 = pmc[r3]', 22, 'cpl0', PRIV, { dis: ['d_pmc'] }),
  ins('mov r1 = cpuid[r3]', 23, 'any-cpl', 'PSR.vm = 1, at any cpl', {
    acc: ['a_from_cpuid'], source: `${CODES}; ITJ`,
    note: 'VMMs differ on the data they return when emulating it: LK the host CPUID, XEN VPD vcpuid[]; with a_from_cpuid the hardware uses VPD vcpuid[]',
  }),
  ins('ssm imm24', 24, 'cpl0', PRIV, { confidence: '?', note: `${BY_ANALOGY}; SDM rev 2.3 a_ic_um may remove some of these intercepts (bit not retrieved)` }),
  ins('rsm imm24', 25, 'cpl0', PRIV, { confidence: '?', note: `${BY_ANALOGY}; SDM rev 2.3 a_ic_um may remove some of these intercepts (bit not retrieved)` }),
  ins('ptc.l', 26, 'cpl0', PRIV, { confidence: '?', note: BY_ANALOGY }),
  ins('ptc.g', 27, 'cpl0', PRIV, { source: `${CODES}; SDM Table 11-22`, confidence: '?', note: BY_ANALOGY }),
  ins('ptc.ga', 28, 'cpl0', PRIV, { source: `${CODES}; SDM Table 11-22`, confidence: '?', note: BY_ANALOGY }),
  ins('ptr.d', 29, 'cpl0', PRIV, { source: `${CODES}; SDM Table 11-22`, confidence: '?', note: BY_ANALOGY }),
  ins('ptr.i', 30, 'cpl0', PRIV, { source: `${CODES}; SDM Table 11-22`, confidence: '?', note: BY_ANALOGY }),
  ins('thash r1 = r3', 31, 'any-cpl', 'always when PSR.vm = 1 (the SDM: only executable with PSR.vm = 0)', { source: `SDM 3:265; ${CODES}` }),
  ins('ttag r1 = r3', 32, 'any-cpl', 'PSR.vm = 1, at any cpl', {
    source: `SDM Table 11-22; ${CODES}`, confidence: '?', note: 'cause 2+; the ttag pseudo-code was not retrieved (taken to mirror thash)',
  }),
  ins('tpa r1 = r3', 33, 'cpl0', PRIV, { source: `SDM Table 11-22; ${CODES}`, confidence: '?', note: BY_ANALOGY }),
  ins('tak r1 = r3', 34, 'cpl0', PRIV, { source: `SDM Table 11-22; ${CODES}`, confidence: '?', note: BY_ANALOGY }),
  ins('ptc.e', 35, 'cpl0', PRIV, { source: `SDM Table 11-22; ${CODES}`, confidence: '?', note: BY_ANALOGY }),
  ins('cover', 36, 'conditional', 'only when PSR.cpl = 0 and PSR.vm = 1 (cover is not privileged; at cpl > 0 it runs normally)', {
    acc: ['a_cover'], source: `SDM 3:48; ${CODES}`,
  }),
  ins('rfi', 37, 'cpl0', PRIV, { source: `SDM Table 11-22; ${CODES}`, confidence: '?', note: BY_ANALOGY }),
  ins('bsw.0', 38, 'cpl0', PRIV, { acc: ['a_bsw'], source: `SDM 3:34; ${CODES}` }),
  ins('bsw.1', 39, 'cpl0', PRIV, { acc: ['a_bsw'], source: `SDM 3:34; ${CODES}` }),
  ins('vmsw.0 / vmsw.1', 40, 'conditional',
    'at cpl 0: unless PSR.it = 1 and the page of the vmsw has access rights 7 and VM features and vmsw are enabled (vdc.d_vmsw = 0); whatever PSR.vm',
    { forced: ['d_vmsw'], source: `SDM 3:273, §11.7.4.3.1; ${CODES}`,
      note: 'vdc.d_vmsw = 1 makes every vmsw intercept; Illegal Operation fault first when PSR.vm is not implemented; neither VMM emulates it (IA64_FAULT)' }),
  ins('probe', 41, 'any-cpl', 'some forms, with PSR.vm = 1', {
    source: 'SDM Table 11-22', confidence: '1', note: 'only in SDM rev 2.3; the forms and the privilege condition were not retrieved',
  }),
];

/** Instructions the sources list as not virtualized although related ones are. */
export const NOT_VIRTUALIZED = [
  { mnemonic: 'mov r1 = pmd[r3]', why: 'not privileged (PMD reads are governed by PSR.sp / PMC.pm); no cause in the current numbering',
    source: 'XEN virt_event.h', confidence: '1', note: 'VMAL 1.0 had cause 23 for it' },
] as const satisfies readonly (Sourced & { mnemonic: string; why: string })[];

/**
 * With PSR.vm = 1 the highest implemented virtual-address bit is treated as unimplemented: the guest
 * sees one implemented VA bit fewer per region. Data references to such an address take an
 * Unimplemented Data Address fault (General Exception 0x5400, ISR.code 0x30); instruction fetches and
 * branch targets an Unimplemented Instruction Address trap or fault (0x5e00, ISR.code 0x10); thash
 * and ttag return an undefined value with NaT set.
 */
export const UNIMPLEMENTED_VA_RULE = {
  dataFault: { vector: 0x5400, isrCode: 0x30 },
  instructionTrap: { vector: 0x5e00, isrCode: 0x10 },
  thashTtag: 'undefined result, target NaT = 1, no fault',
  source: 'ITJ; SDM 3:265, 3:175 (unimplemented_virtual_address(addr, PSR.vm)), 2:70, 2:205-206; XEN vmx_vcpu.h, xenprocessor.h',
  confidence: '?',
  note: 'that vm = 1 removes exactly the top implemented bit is from ITJ (and a patent) alone; the SDM only shows PSR.vm passed to the check; the faults 2+, ISR codes from XEN alone',
} as const satisfies Sourced & Record<string, unknown>;
