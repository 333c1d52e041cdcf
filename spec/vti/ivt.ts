/**
 * The interruption vector table (IVT) at cr.iva: 68 entries in 32 KiB. Entries 0-19 are 64 bundles
 * (0x400 bytes) apart, entries 20-67 16 bundles (0x100 bytes). VT-i gives meaning to two slots that
 * were reserved before it: 0x3400, the Virtual External Interrupt vector, and 0x6100, the
 * Virtualization vector. Offsets and names agree between Xen vmx_ivt.S and Linux kvm/vmm_ivt.S.
 *
 * Reserved entries are rows too (`reserved: true`), so every offset a model computes has a row.
 */
import type { Confidence, Sourced } from './source.js';

export interface IvtVectorSpec extends Sourced {
  readonly entry: number;
  readonly offset: number;
  readonly name: string;
  readonly reserved: boolean;
  /** The two vectors VT-i added. */
  readonly vti: boolean;
}

const BOTH = 'XEN vmx_ivt.S; LK kvm/vmm_ivt.S';

/** Byte offset of IVT entry `entry` (0-67). */
export const ivtOffset = (entry: number): number => (entry < 20 ? entry * 0x400 : 0x5000 + (entry - 20) * 0x100);

const v = (entry: number, name: string, source = BOTH, confidence: Confidence = '2+', note?: string) =>
  ({ entry, offset: ivtOffset(entry), name, reserved: false, vti: false, source, confidence, ...(note === undefined ? {} : { note }) }) as const;
const vti = (entry: number, name: string, source: string) =>
  ({ ...v(entry, name, source), vti: true }) as const;
const rsv = (entry: number) =>
  ({ entry, offset: ivtOffset(entry), name: 'reserved', reserved: true, vti: false, source: BOTH, confidence: '2+' }) as const;
const rsvRange = (first: number, last: number) =>
  Array.from({ length: last - first + 1 }, (_, i) => rsv(first + i));

export const IVT_VECTORS: readonly IvtVectorSpec[] = [
  v(0, 'VHPT Translation'),
  v(1, 'Instruction TLB'),
  v(2, 'Data TLB'),
  v(3, 'Alternate Instruction TLB', `${BOTH}; SDM 2:177`),
  v(4, 'Alternate Data TLB'),
  v(5, 'Data Nested TLB'),
  v(6, 'Instruction Key Miss'),
  v(7, 'Data Key Miss'),
  v(8, 'Dirty-Bit'),
  v(9, 'Instruction Access-Bit'),
  v(10, 'Data Access-Bit'),
  v(11, 'Break Instruction'),
  v(12, 'External Interrupt'),
  vti(13, 'Virtual External Interrupt', 'SDM 2:187; XEN vmx_virtual_exirq; LK kvm_virtual_exirq'),
  ...rsvRange(14, 19),
  v(20, 'Page Not Present', `${BOTH}; SDM 2:188`),
  v(21, 'Key Permission'),
  v(22, 'Instruction Access Rights'),
  v(23, 'Data Access Rights'),
  v(24, 'General Exception'),
  v(25, 'Disabled FP-Register'),
  v(26, 'NaT Consumption'),
  v(27, 'Speculation'),
  rsv(28),
  v(29, 'Debug'),
  v(30, 'Unaligned Reference'),
  v(31, 'Unsupported Data Reference'),
  v(32, 'Floating-Point Fault'),
  v(33, 'Floating-Point Trap'),
  v(34, 'Lower-Privilege Transfer Trap', `${BOTH}; SDM 2:205-206`, '2+',
    'also delivers the Unimplemented Instruction Address trap (or optional fault)'),
  v(35, 'Taken Branch Trap', `${BOTH}; SDM 2:207`),
  v(36, 'Single Step Trap'),
  vti(37, 'Virtualization', 'SDM §11.7.3; XEN vmx_virtualization_fault; LK kvm_virtualization_fault'),
  ...rsvRange(38, 44),
  v(45, 'IA-32 Exception'),
  v(46, 'IA-32 Intercept'),
  v(47, 'IA-32 Interrupt', 'XEN vmx_ivt.S', '1', 'LK does not populate 0x6b00'),
  ...rsvRange(48, 67),
];

export const IVT_SIZE = 0x8000;
export const VIRTUAL_EXTERNAL_INTERRUPT_OFFSET = 0x3400;
export const VIRTUALIZATION_OFFSET = 0x6100;
/** The guest vector the VMMs reflect a Virtual External Interrupt to (LK kvm_vexirq, XEN vmx_vexirq). */
export const EXTERNAL_INTERRUPT_OFFSET = 0x3000;

/**
 * Where virtualization intercepts go: to host IVT + 0x6100, or to the optional handler given to
 * PAL_VP_CREATE / PAL_VP_REGISTER when it is non-zero. All other IVA-based interruptions go to the
 * host IVT the VP was created or registered with.
 */
export const INTERCEPT_DELIVERY = {
  default: VIRTUALIZATION_OFFSET,
  override: 'opt_handler argument of PAL_VP_CREATE / PAL_VP_REGISTER, when non-zero',
  source: 'SDM §11.7.3, 2:332, 2:471; VTI-SPEC §5.2.3',
  confidence: '2+',
} as const satisfies Sourced & { default: number; override: string };
