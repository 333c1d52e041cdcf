/**
 * Witnesses for SDM §26.2.1.3 (spec/vtx/vm-entry/entry-controls.ts): one failing rule each. The
 * injected events are chosen so that no other injection rule applies (no external interrupts, which
 * would also need RFLAGS.IF = 1 in the guest checks).
 */
import type { ENTRY_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/entry-controls.js';
import { clearBits, patch, seq, setBits, withCpu } from './edit.js';
import type { EntryWitness } from './witness.js';

/** VM-entry interruption information: valid bit 31, type in 10:8, vector in 7:0. */
const inject = (type: number, vector: number, deliverErrorCode = false): bigint =>
  (1n << 31n) | (BigInt(type) << 8n) | BigInt(vector) | (deliverErrorCode ? 1n << 11n : 0n);

const HW_EXCEPTION = 3;
const SOFTWARE_INTERRUPT = 4;
const OTHER_EVENT = 7;
const LAST_ENTRY_BELOW_PAW46 = (1n << 46n) - 16n;

export const ENTRY_CONTROLS_WITNESSES = {
  // Needs a profile without TRUE_ controls, so that default1 bit 0 must be 1.
  'CTL.ENTRY.RSVD0': { profile: 'vtx-2006', edit: patch({ VM_ENTRY_CONTROLS: clearBits(0) }) },
  'CTL.ENTRY.RSVD1': { edit: patch({ VM_ENTRY_CONTROLS: setBits(24) }) },
  'CTL.INJ.TYPE1': { fields: { VM_ENTRY_INTR_INFO_FIELD: inject(1, 0x20) } },
  // vtx-2006 does not allow the 1-setting of monitor trap flag.
  'CTL.INJ.TYPE7': { profile: 'vtx-2006', fields: { VM_ENTRY_INTR_INFO_FIELD: inject(OTHER_EVENT, 0) } },
  'CTL.INJ.NMI.VEC': { fields: { VM_ENTRY_INTR_INFO_FIELD: inject(2, 3) } },
  'CTL.INJ.HWEXC.VEC': { fields: { VM_ENTRY_INTR_INFO_FIELD: inject(HW_EXCEPTION, 32) } },
  'CTL.INJ.OTHER.VEC': { fields: { VM_ENTRY_INTR_INFO_FIELD: inject(OTHER_EVENT, 1) } },
  // #GP without its error code; vtx-max reports IA32_VMX_BASIC[56] = 0.
  'CTL.INJ.ERRCODE.REQ': { fields: { VM_ENTRY_INTR_INFO_FIELD: inject(HW_EXCEPTION, 13) } },
  'CTL.INJ.ERRCODE.FORBID': {
    fields: { VM_ENTRY_INTR_INFO_FIELD: inject(SOFTWARE_INTERRUPT, 0x80, true), VM_ENTRY_INSTRUCTION_LEN: 2n },
  },
  'CTL.INJ.RSVD': { fields: { VM_ENTRY_INTR_INFO_FIELD: inject(HW_EXCEPTION, 6) | (1n << 20n) } },
  // Bit 31 is reserved under both the SDM-text mask (31:15) and the Bochs/KVM mask (31:16).
  'CTL.INJ.ERRCODE.RSVD': {
    fields: { VM_ENTRY_INTR_INFO_FIELD: inject(HW_EXCEPTION, 13, true), VM_ENTRY_EXCEPTION_ERROR_CODE: 0x8000_0000n },
  },
  'CTL.INJ.ILEN.RANGE': { fields: { VM_ENTRY_INTR_INFO_FIELD: inject(SOFTWARE_INTERRUPT, 0x80), VM_ENTRY_INSTRUCTION_LEN: 16n } },
  // vtx-2006 reports IA32_VMX_MISC[30] = 0 (no zero-length software-event injection).
  'CTL.INJ.ILEN.ZERO': {
    profile: 'vtx-2006',
    fields: { VM_ENTRY_INTR_INFO_FIELD: inject(SOFTWARE_INTERRUPT, 0x80), VM_ENTRY_INSTRUCTION_LEN: 0n },
  },
  'CTL.ENTRY.MSRLOAD.ALIGN': { fields: { VM_ENTRY_MSR_LOAD_COUNT: 1n, VM_ENTRY_MSR_LOAD_ADDR: 0x6002n } },
  'CTL.ENTRY.MSRLOAD.END': { fields: { VM_ENTRY_MSR_LOAD_COUNT: 2n, VM_ENTRY_MSR_LOAD_ADDR: LAST_ENTRY_BELOW_PAW46 } },
  'CTL.ENTRY.SMM.OUTSIDE': { edit: patch({ VM_ENTRY_CONTROLS: setBits(11) }) },
  // In SMM, so that SMM.OUTSIDE does not apply.
  'CTL.ENTRY.SMM.BOTH': { edit: seq(patch({ VM_ENTRY_CONTROLS: setBits(10, 11) }), withCpu({ inSmm: true })) },
} satisfies Record<keyof typeof ENTRY_CONTROLS_CHECKS, EntryWitness>;
