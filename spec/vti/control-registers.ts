/**
 * Itanium control registers CR0-CR127: the named ones, with the fields the sources give, and the
 * reserved numbers. Numbers and names agree between Linux arch/ia64/kvm/vti.h (the `vcr[]` union of
 * struct vpd) and Xen xenia64regs.h. VT-i keeps a guest copy of every CR in the VPD at
 * 2048 + 8 × number (see ./vpd.ts).
 *
 * Groups: `interruption` is CR16-CR25 (the set the vac interruption-CR accelerations cover);
 * `external-interrupt` is CR64-CR81 (the LSAPIC registers; vdc.d_extint concerns CR65-CR71).
 */
import type { BitRange, Confidence, Sourced } from './source.js';

export type CrGroup = 'system' | 'interruption' | 'external-interrupt';

export interface CrFieldSpec {
  readonly name: string;
  readonly bits: BitRange;
  readonly meaning: string;
  readonly source: string;
}

export interface ControlRegisterSpec extends Sourced {
  readonly number: number;
  /** The manuals' lower-case name (cr.iipa is `iipa`). */
  readonly name: string;
  readonly group: CrGroup;
  readonly role: string;
  /** Fields where the sources give them; [] when they were not retrieved. */
  readonly fields: readonly CrFieldSpec[];
  /** Optional registers: an implementation need not provide them. */
  readonly optional: boolean;
}

const NUMBERS = 'LK kvm/vti.h struct vpd; XEN xenia64regs.h';

const cr = (number: number, name: string, group: CrGroup, role: string, fields: readonly CrFieldSpec[] = [],
  source = NUMBERS, confidence: Confidence = '2+', note?: string) =>
  ({ number, name, group, role, fields, optional: false, source, confidence, ...(note === undefined ? {} : { note }) }) as const;
const fld = (name: string, hi: number, lo: number, meaning: string, source: string): CrFieldSpec =>
  ({ name, bits: [hi, lo], meaning, source });

const KREGS = 'LK asm/kregs.h';
const XPROC = 'XEN xenprocessor.h';

const DCR_FIELDS = [
  fld('pp', 0, 0, 'default PSR.pp on interruption', KREGS),
  fld('be', 1, 1, 'default PSR.be on interruption', KREGS),
  fld('lc', 2, 2, 'IA-32 lock-check enable', KREGS),
  fld('dm', 8, 8, 'defer TLB-miss faults of speculative loads', KREGS),
  fld('dp', 9, 9, 'defer page-not-present faults', KREGS),
  fld('dk', 10, 10, 'defer key-miss faults', KREGS),
  fld('dx', 11, 11, 'defer key-permission faults', KREGS),
  fld('dr', 12, 12, 'defer access-rights faults', KREGS),
  fld('da', 13, 13, 'defer access-bit faults', KREGS),
  fld('dd', 14, 14, 'defer debug faults', KREGS),
];

const PTA_FIELDS = [
  fld('ve', 0, 0, 'VHPT walker enabled', XPROC),
  fld('size', 7, 2, 'log2 of the VHPT size in bytes (LK resets it to 15: 32 KiB minimum)', `${XPROC}; LK init_vcpu`),
  fld('vf', 8, 8, 'VHPT format: 0 = short, 1 = long (thash/ttag use the implementation-specific hash)', XPROC),
  fld('base', 63, 15, 'VHPT base address', XPROC),
];

const ISR_FIELDS = [
  fld('code', 15, 0, 'interruption code (e.g. 0x30 Unimplemented Data Address, 0x10 Unimplemented Instruction Address)', `${XPROC}; XEN IA64_UNIMPL_*`),
  fld('vector', 23, 16, 'IA-32 vector', XPROC),
  fld('x', 32, 32, 'execute access', `${KREGS}; ${XPROC}`),
  fld('w', 33, 33, 'write access', `${KREGS}; ${XPROC}`),
  fld('r', 34, 34, 'read access', `${KREGS}; ${XPROC}`),
  fld('na', 35, 35, 'non-access instruction', `${KREGS}; ${XPROC}`),
  fld('sp', 36, 36, 'speculative load', `${KREGS}; ${XPROC}`),
  fld('rs', 37, 37, 'register-stack (mandatory RSE) reference', `${KREGS}; ${XPROC}`),
  fld('ir', 38, 38, 'incomplete register frame: the VMMs derive the RESUME_HANDLER CFLE bit from it', `${KREGS}; ${XPROC}; XEN vmx_vps_resume_handler`),
  fld('ni', 39, 39, 'nested interruption (PSR.ic was 0)', XPROC),
  fld('so', 40, 40, 'IA-32 supervisor override', XPROC),
  fld('ei', 42, 41, 'excepting instruction slot', XPROC),
  fld('ed', 43, 43, 'exception deferral', XPROC),
];

/** Fields of the LSAPIC vector registers ITV, PMV, CMCV, LRR0 and LRR1 that the VMMs use. */
const MASKED_VECTOR_FIELDS = [
  fld('m', 16, 16, 'mask: no interrupt is pended from this source while 1 (reset value 0x10000)', 'LK init_vcpu; LK vcpu_set_itv'),
];

export const CONTROL_REGISTERS = [
  cr(0, 'dcr', 'system', 'default control register: PSR defaults and fault deferral on interruption', DCR_FIELDS),
  cr(1, 'itm', 'system', 'interval timer match (vdc.d_itm stops its virtualization)'),
  cr(2, 'iva', 'system', 'interruption vector address: base of the IVT', [], `${NUMBERS}; SDM 2:332`),
  cr(8, 'pta', 'system', 'page table address: VHPT base, size, format and enable', PTA_FIELDS),
  cr(16, 'ipsr', 'interruption', 'interruption PSR: the PSR at the interruption'),
  cr(17, 'isr', 'interruption', 'interruption status', ISR_FIELDS),
  cr(19, 'iip', 'interruption', 'interruption instruction bundle pointer', [], `${NUMBERS}; SDM §3.3.5.3`),
  cr(20, 'ifa', 'interruption', 'interruption faulting address'),
  cr(21, 'itir', 'interruption', 'interruption TLB insertion register'),
  cr(22, 'iipa', 'interruption', 'interruption instruction previous address: the last successfully executed bundle', [], `${NUMBERS}; SDM §3.3.5.6`),
  cr(23, 'ifs', 'interruption', 'interruption function state (the frame cover and rfi save and restore)',
    [fld('v', 63, 63, 'valid: the rest of IFS holds a frame', `${NUMBERS}; LK vcpu_rfi`)]),
  cr(24, 'iim', 'interruption', 'interruption immediate (break and speculation)'),
  cr(25, 'iha', 'interruption', 'interruption hash address'),
  {
    ...cr(26, 'iib0', 'interruption', 'interruption instruction bundle, low half', [], 'SDM rev 2.3 §3.3.5.10', '!',
      'only in SDM rev 2.3, optional; LK/XEN treat CR26 as reserved (rsv4 covers 26-63), and the interruption-CR range of the VT-i era is CR16-CR25'),
    optional: true,
  },
  {
    ...cr(27, 'iib1', 'interruption', 'interruption instruction bundle, high half', [], 'SDM rev 2.3 §3.3.5.10', '!',
      'only in SDM rev 2.3, optional; LK/XEN treat CR27 as reserved (rsv4 covers 26-63)'),
    optional: true,
  },
  cr(64, 'lid', 'external-interrupt', 'local interrupt identifier',
    [fld('eid', 23, 16, 'extended processor id', XPROC), fld('id', 31, 24, 'processor id', XPROC)]),
  cr(65, 'ivr', 'external-interrupt', 'interrupt vector register: read-only; a read acknowledges the highest pending interrupt (15 = spurious)'),
  cr(66, 'tpr', 'external-interrupt', 'task priority register',
    [fld('mic', 7, 4, 'mask interrupt class: classes up to mic are masked', `${XPROC} tpr_t; LK optvfault.S`),
      fld('mmi', 16, 16, 'mask maskable interrupts: only NMI passes', `${XPROC} tpr_t; LK optvfault.S`)],
    `${NUMBERS}; ${XPROC} tpr_t`),
  cr(67, 'eoi', 'external-interrupt', 'end of interrupt: a write retires the highest in-service vector'),
  cr(68, 'irr0', 'external-interrupt', 'interrupt request register, vectors 0-63 (read-only)'),
  cr(69, 'irr1', 'external-interrupt', 'interrupt request register, vectors 64-127 (read-only)'),
  cr(70, 'irr2', 'external-interrupt', 'interrupt request register, vectors 128-191 (read-only)'),
  cr(71, 'irr3', 'external-interrupt', 'interrupt request register, vectors 192-255 (read-only)'),
  cr(72, 'itv', 'external-interrupt', 'interval timer vector', MASKED_VECTOR_FIELDS),
  cr(73, 'pmv', 'external-interrupt', 'performance monitoring vector', MASKED_VECTOR_FIELDS),
  cr(74, 'cmcv', 'external-interrupt', 'corrected machine check vector', MASKED_VECTOR_FIELDS),
  cr(80, 'lrr0', 'external-interrupt', 'local redirection register 0', MASKED_VECTOR_FIELDS),
  cr(81, 'lrr1', 'external-interrupt', 'local redirection register 1', MASKED_VECTOR_FIELDS),
] as const satisfies readonly ControlRegisterSpec[];

export type ControlRegisterName = (typeof CONTROL_REGISTERS)[number]['name'];

/** CR numbers that name no register (LK/XEN `rsv*` arrays; 26-27 are iib0/iib1 in SDM rev 2.3 only). */
export const RESERVED_CR_RANGES = [[3, 7], [9, 15], [18, 18], [28, 63], [75, 79], [82, 127]] as const;

/** The interruption control registers of the VT-i era, CR16-CR25 (CR18 is reserved). */
export const INTERRUPTION_CRS = { first: 16, last: 25, source: 'SDM-old; ITJ; LK/XEN vcr union' } as const;
/** The external-interrupt control registers, CR64-CR81. */
export const EXTERNAL_INTERRUPT_CRS = { first: 64, last: 81, source: 'LK/XEN vcr union' } as const;
/** The CRs vdc.d_extint stops virtualizing: CR65 (ivr) to CR71 (irr3). */
export const D_EXTINT_CRS = { first: 65, last: 71, source: 'SDM §11.7.4.3.2' } as const;

/**
 * Reading or writing an interruption CR while PSR.ic = 1 is an Illegal Operation fault, checked
 * before the cpl and PSR.vm checks of `mov cr` (SDM 3:175).
 */
export const INTERRUPTION_CR_IC_RULE = {
  fault: 'Illegal Operation',
  source: 'SDM 3:175; SDM-old mov cr',
  confidence: '?',
  note: 'the order against cpl/vm is 2+; whether PSR.ic here means the physical or the virtual ic when an interruption-CR acceleration is on was not retrieved',
} as const satisfies Sourced & { fault: string };
