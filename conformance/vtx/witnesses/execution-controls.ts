/**
 * Witnesses for SDM §26.2.1.1 (spec/vtx/vm-entry/execution-controls.ts): each edits a valid baseline
 * so that exactly one rule fails. Control vectors are edited relative to the baseline (bits set or
 * cleared on top of its must-be-1 bits), so the witnesses hold on any profile that allows the bits.
 */
import { clearBits, patch, seq, setBits, withMemory } from './edit.js';
import type { EXECUTION_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/execution-controls.js';
import type { EntryWitness } from './witness.js';

const pin = (...bits: number[]) => ({ PIN_BASED_VM_EXEC_CONTROL: setBits(...bits) });
const proc = (...bits: number[]) => ({ CPU_BASED_VM_EXEC_CONTROL: setBits(...bits) });
/** Activates the secondary controls and sets `bits` among them. */
const proc2 = (...bits: number[]) => ({ CPU_BASED_VM_EXEC_CONTROL: setBits(31), SECONDARY_VM_EXEC_CONTROL: setBits(...bits) });
/** Primary bit 21 (use TPR shadow) plus secondary `bits`. */
const tprShadowAnd2 = (...bits: number[]) => ({ CPU_BASED_VM_EXEC_CONTROL: setBits(21, 31), SECONDARY_VM_EXEC_CONTROL: setBits(...bits) });
/** Posted interrupts with every control they need: pin 0 and 7, TPR shadow, VID, acknowledge on exit. */
const postedInterrupts = {
  ...pin(0, 7), ...tprShadowAnd2(9), VM_EXIT_CONTROLS: setBits(15),
};

const BEYOND_ANY_PAW = 1n << 60n;
/** Write-back, 4-level EPTP at a page-aligned address. */
const EPTP_OK = 0x10000n | (3n << 3n) | 6n;
const VAPIC_PAGE = 0x5000n;

export const EXECUTION_CONTROLS_WITNESSES = {
  // Needs a profile without TRUE_ controls, so that a default1 bit (pin 1) must be 1.
  'CTL.PIN.RSVD0': { profile: 'vtx-2006', edit: patch({ PIN_BASED_VM_EXEC_CONTROL: clearBits(1) }) },
  'CTL.PIN.RSVD1': { edit: patch(pin(31)) },
  'CTL.PROC.RSVD0': { profile: 'vtx-2006', edit: patch({ CPU_BASED_VM_EXEC_CONTROL: clearBits(1) }) },
  'CTL.PROC.RSVD1': { edit: patch(proc(0)) },
  'CTL.PROC2.RSVD': { edit: patch(proc2(29)) },
  'CTL.PROC3.RSVD': { edit: patch({ CPU_BASED_VM_EXEC_CONTROL: setBits(17), TERTIARY_VM_EXEC_CONTROL: setBits(40) }) },
  'CTL.CR3TGT.COUNT': { fields: { CR3_TARGET_COUNT: 512n } },
  'CTL.IOBMP.A.ADDR': { fields: { IO_BITMAP_A: 0x6001n, IO_BITMAP_B: 0x7000n }, edit: patch(proc(25)) },
  'CTL.IOBMP.B.ADDR': { fields: { IO_BITMAP_A: 0x6000n, IO_BITMAP_B: 0x7800n }, edit: patch(proc(25)) },
  'CTL.MSRBMP.ADDR': { fields: { MSR_BITMAP: 0x6800n }, edit: patch(proc(28)) },
  'CTL.VAPIC.ADDR': { fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE | 0x10n }, edit: patch(proc(21)) },
  'CTL.TPR.THRESH.RSVD': { fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, TPR_THRESHOLD: 0x10n }, edit: patch(proc(21)) },
  // VTPR (byte 80H of the page) = 0 and threshold 15: 15 > VTPR[7:4] = 0.
  'CTL.TPR.THRESH.VTPR': {
    fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, TPR_THRESHOLD: 0xfn },
    edit: seq(patch(proc(21)), withMemory([[VAPIC_PAGE + 0x80n, 0n]])),
  },
  'CTL.VNMI.NEEDS.NMIEXIT': { edit: patch({ PIN_BASED_VM_EXEC_CONTROL: (v) => clearBits(3)(setBits(5)(v)) }) },
  'CTL.NMIWIN.NEEDS.VNMI': { edit: patch({ ...proc(22), PIN_BASED_VM_EXEC_CONTROL: clearBits(5) }) },
  'CTL.APICACC.ADDR': { fields: { APIC_ACCESS_ADDR: 0x6004n }, edit: patch(proc2(0)) },
  'CTL.APICV.NEEDS.TPRSHADOW': { edit: patch({ ...proc2(8), CPU_BASED_VM_EXEC_CONTROL: (v) => clearBits(21)(setBits(31)(v)) }) },
  'CTL.X2APIC.VS.APICACC': { fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, APIC_ACCESS_ADDR: 0x6000n }, edit: patch(tprShadowAnd2(0, 4)) },
  'CTL.VID.NEEDS.EXTINTEXIT': {
    fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE },
    edit: patch({ ...tprShadowAnd2(9), PIN_BASED_VM_EXEC_CONTROL: clearBits(0) }),
  },
  'CTL.PI.NEEDS.VID': {
    fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, POSTED_INTR_NV: 0xf2n, POSTED_INTR_DESC_ADDR: 0x6040n },
    edit: patch({ ...postedInterrupts, SECONDARY_VM_EXEC_CONTROL: clearBits(9) }),
  },
  'CTL.PI.NEEDS.ACKEXIT': {
    fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, POSTED_INTR_NV: 0xf2n, POSTED_INTR_DESC_ADDR: 0x6040n },
    edit: patch({ ...postedInterrupts, VM_EXIT_CONTROLS: clearBits(15) }),
  },
  'CTL.PI.VECTOR': {
    fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, POSTED_INTR_NV: 0x1f2n, POSTED_INTR_DESC_ADDR: 0x6040n },
    edit: patch(postedInterrupts),
  },
  'CTL.PI.DESC.ALIGN': {
    fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, POSTED_INTR_NV: 0xf2n, POSTED_INTR_DESC_ADDR: 0x6020n },
    edit: patch(postedInterrupts),
  },
  'CTL.PI.DESC.PAW': {
    fields: { VIRTUAL_APIC_PAGE_ADDR: VAPIC_PAGE, POSTED_INTR_NV: 0xf2n, POSTED_INTR_DESC_ADDR: BEYOND_ANY_PAW | 0x6040n },
    edit: patch(postedInterrupts),
  },
  'CTL.VPID.NONZERO': { fields: { VIRTUAL_PROCESSOR_ID: 0n }, edit: patch(proc2(5)) },
  'CTL.EPTP.MEMTYPE': { fields: { EPT_POINTER: 0x10000n | (3n << 3n) | 2n }, edit: patch(proc2(1)) },
  'CTL.EPTP.WALKLEN': { fields: { EPT_POINTER: 0x10000n | (1n << 3n) | 6n }, edit: patch(proc2(1)) },
  // Unreachable on the built-in profiles: vtx-max and bochs-skylake-x both report EPT A/D flags
  // (EPT_VPID_CAP[21]), and the others have no EPT. Needs e.g. a Sandy Bridge profile.
  'CTL.EPTP.AD': { profile: 'bochs-sandy-bridge', fields: { EPT_POINTER: EPTP_OK | (1n << 6n) }, edit: patch(proc2(1)) },
  'CTL.EPTP.RSVD': { fields: { EPT_POINTER: EPTP_OK | (1n << 8n) }, edit: patch(proc2(1)) },
  'CTL.PML.NEEDS.EPT': { fields: { PML_ADDRESS: 0x6000n }, edit: patch(proc2(17)) },
  'CTL.PML.ADDR': { fields: { EPT_POINTER: EPTP_OK, PML_ADDRESS: 0x6008n }, edit: patch(proc2(1, 17)) },
  'CTL.UG.NEEDS.EPT': { edit: patch(proc2(7)) },
  'CTL.MBEC.NEEDS.EPT': { edit: patch(proc2(22)) },
  'CTL.SPP.NEEDS.EPT': { fields: { SPPT_POINTER: 0x6000n }, edit: patch(proc2(23)) },
  'CTL.SPP.ADDR': { fields: { EPT_POINTER: EPTP_OK, SPPT_POINTER: 0x6001n }, edit: patch(proc2(1, 23)) },
  'CTL.VMFUNC.RSVD': { fields: { VM_FUNCTION_CONTROL: 1n << 5n }, edit: patch(proc2(13)) },
  'CTL.VMFUNC.EPTPSW.NEEDS.EPT': { fields: { VM_FUNCTION_CONTROL: 1n, EPTP_LIST_ADDRESS: 0x6000n }, edit: patch(proc2(13)) },
  'CTL.VMFUNC.EPTPLIST.ADDR': {
    fields: { EPT_POINTER: EPTP_OK, VM_FUNCTION_CONTROL: 1n, EPTP_LIST_ADDRESS: 0x6800n },
    edit: patch(proc2(1, 13)),
  },
  'CTL.SHADOW.VMREAD.ADDR': { fields: { VMREAD_BITMAP: 0x6010n, VMWRITE_BITMAP: 0x7000n }, edit: patch(proc2(14)) },
  'CTL.SHADOW.VMWRITE.ADDR': { fields: { VMREAD_BITMAP: 0x6000n, VMWRITE_BITMAP: BEYOND_ANY_PAW | 0x7000n }, edit: patch(proc2(14)) },
  'CTL.VE.INFO.ADDR': { fields: { VE_INFORMATION_ADDRESS: 0x6020n }, edit: patch(proc2(18)) },
  'CTL.TSCSCALE.NONZERO': { fields: { TSC_MULTIPLIER: 0n }, edit: patch(proc2(25)) },
} satisfies Record<keyof typeof EXECUTION_CONTROLS_CHECKS, EntryWitness>;
