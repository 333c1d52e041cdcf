/**
 * §27.3 "Saving Guest State" (rules VMEXIT.SAVE.*): the guest-state area receives the processor state
 * as the exit leaves it. The caller has already put RIP where §27.3.3 wants it (the instruction for
 * fault-like exits, VMEXIT.SAVE.RIP.FAULT; the next one for trap-like exits, VMEXIT.SAVE.RIP.TRAP) and
 * RFLAGS.RF as an event-caused exit would push it; this file applies the rules that depend only on
 * the exit reason and the controls.
 *
 * Choices where the SDM leaves a value undefined: an unusable segment register saves what it holds,
 * masked to the bits the field keeps; GUEST_PDPTR0-3 keep their values unless VMEXIT.SAVE.PDPTE
 * writes them, and GUEST_SMBASE keeps its value; the
 * VMX-preemption timer field keeps its value, since no time passes in the abstraction between the
 * entry that loaded the timer and the exit (0 for a timer-expiry exit).
 */
import type { ExitInformation } from '../../../spec/vtx/non-root/observation.js';
import {
  ACTIVITY_STATE_NUMBER, MSR, SEGMENT_NAMES, writeFields, type CpuRegisters, type SegmentName, type SegmentRegister, type VmcsImage,
} from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import { bit, bitN, control32, EXIT_CTL, signExtend, type ExitControls } from './vmcs.js';

const PREFIX: Readonly<Record<SegmentName, string>> = { es: 'ES', cs: 'CS', ss: 'SS', ds: 'DS', fs: 'FS', gs: 'GS', ldtr: 'LDTR', tr: 'TR' };

/** Access-rights bits a saved field keeps: 7:0 and 15:12 (11:8 and 31:17 are saved as 0, §27.3.2). */
const AR_KEPT = 0xf0ff;
const AR_UNUSABLE = 0x1_0000;
const LOW32 = 0xffff_ffffn;

/** VMEXIT.SAVE.SEGMENTS: what §27.3.2 still defines for an unusable register is saved exactly; the rest is what the register holds. */
const savedSegment = (caps: Capabilities, name: SegmentName, s: SegmentRegister): Partial<Record<FieldName, bigint>> => {
  const unusable = (s.accessRights & AR_UNUSABLE) !== 0;
  let base = s.base;
  if (unusable && (name === 'ss' || name === 'ds' || name === 'es')) base &= LOW32;
  if (unusable && name === 'ldtr') base = signExtend(base, caps.linearAddressWidth);
  const p = PREFIX[name];
  return {
    [`GUEST_${p}_SELECTOR`]: BigInt(s.selector & 0xffff),
    [`GUEST_${p}_BASE`]: base,
    [`GUEST_${p}_LIMIT`]: BigInt(s.limit >>> 0),
    [`GUEST_${p}_AR_BYTES`]: BigInt((s.accessRights & AR_KEPT) | (unusable ? AR_UNUSABLE : 0)),
  };
};

/**
 * Basic exit reasons caused by executing an instruction that exits unconditionally or because of a
 * VM-execution control (Appendix C); §27.3.3 saves RFLAGS.RF = 0 for them. TPR below threshold (43)
 * is a trap after the instruction, not one of them.
 */
const INSTRUCTION_REASONS = new Set([
  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
  36, 39, 40, 46, 47, 50, 51, 53, 54, 55, 57, 58, 59, 61, 63, 64,
]);
const EPT_REASONS = new Set([48, 49]);
const RF = 1n << 16n;

/** VMEXIT.SAVE.RFLAGS (§27.3.3). */
export const savedRflags = (rflags: bigint, info: ExitInformation): bigint => {
  const basic = info.reason & 0xffff;
  if (INSTRUCTION_REASONS.has(basic)) return rflags & ~RF;
  // Outside event delivery the faulting access is re-executed on resume: RF keeps a code breakpoint from firing twice.
  if (EPT_REASONS.has(basic) && (info.idtVectoringInfo >>> 31) === 0) return rflags | RF;
  return rflags;
};

/** Bits of the pending-debug-exceptions field: B3-B0, enabled breakpoint (12), BS (14), RTM (16) (§24.4.2, Table 24-4). */
const PENDING_DEBUG_BITS = 0xfn | (1n << 12n) | (1n << 14n) | (1n << 16n);
/** INIT, I/O SMI, other SMI, MTF, TPR below threshold, virtualized EOI, APIC write. */
const PENDING_DEBUG_REASONS = new Set([3, 5, 6, 37, 43, 45, 56]);

/** VMEXIT.SAVE.PENDING_DEBUG (§27.3.4): which exits report the debug exceptions that were pending. */
export const savedPendingDebug = (cpu: CpuRegisters, info: ExitInformation): bigint => {
  const basic = info.reason & 0xffff;
  const valid = (info.interruptionInfo >>> 31) === 1;
  const vector = info.interruptionInfo & 0xff;
  const machineCheck = basic === 0 && valid && vector === 18;
  const debugException = basic === 0 && valid && vector === 1;
  const keeps = PENDING_DEBUG_REASONS.has(basic) || machineCheck || (cpu.blockingByMovSs && !debugException);
  return keeps ? cpu.pendingDebug & PENDING_DEBUG_BITS : 0n;
};

/** VMEXIT.SAVE.INTERRUPTIBILITY (§27.3.4): SMI blocking saved as 0 (no exit here ends in SMM). */
export const savedInterruptibility = (cpu: CpuRegisters): bigint =>
  (cpu.blockingBySti ? 1n : 0n) | (cpu.blockingByMovSs ? 2n : 0n) | (cpu.blockingByNmi ? 8n : 0n);

/**
 * VMEXIT.SAVE.CR, VMEXIT.SAVE.SYSENTER, VMEXIT.SAVE.DR7_DEBUGCTL, VMEXIT.SAVE.PAT, VMEXIT.SAVE.EFER,
 * VMEXIT.SAVE.BNDCFGS, VMEXIT.SAVE.SEGMENTS, VMEXIT.SAVE.DESCRIPTOR_TABLES, VMEXIT.SAVE.RIP.FAULT,
 * VMEXIT.SAVE.RIP.TRAP, VMEXIT.SAVE.RSP, VMEXIT.SAVE.RFLAGS, VMEXIT.SAVE.ACTIVITY,
 * VMEXIT.SAVE.INTERRUPTIBILITY, VMEXIT.SAVE.PENDING_DEBUG, VMEXIT.SAVE.PREEMPTION_TIMER,
 * VMEXIT.SAVE.PDPTE (§27.3). With "virtual NMIs" = 1, cpu.blockingByNmi is virtual-NMI
 * blocking, which is what bit 3 then reports.
 */
export const saveGuestState = (caps: Capabilities, image: VmcsImage, cpu: CpuRegisters, info: ExitInformation, ctl: ExitControls): VmcsImage => {
  const msr = (index: number): bigint => cpu.msrs.get(index) ?? 0n;
  const values: Partial<Record<FieldName, bigint>> = {
    GUEST_CR0: cpu.cr0,
    GUEST_CR3: cpu.cr3,
    GUEST_CR4: cpu.cr4,
    GUEST_SYSENTER_CS: msr(MSR.IA32_SYSENTER_CS) & LOW32,
    GUEST_SYSENTER_ESP: msr(MSR.IA32_SYSENTER_ESP),
    GUEST_SYSENTER_EIP: msr(MSR.IA32_SYSENTER_EIP),
    GUEST_GDTR_BASE: cpu.gdtr.base,
    GUEST_GDTR_LIMIT: BigInt(cpu.gdtr.limit >>> 0),
    GUEST_IDTR_BASE: cpu.idtr.base,
    GUEST_IDTR_LIMIT: BigInt(cpu.idtr.limit >>> 0),
    GUEST_RIP: cpu.rip,
    GUEST_RSP: cpu.rsp,
    GUEST_RFLAGS: savedRflags(cpu.rflags, info),
    GUEST_ACTIVITY_STATE: BigInt(ACTIVITY_STATE_NUMBER[cpu.activity]),
    GUEST_INTERRUPTIBILITY_INFO: savedInterruptibility(cpu),
    GUEST_PENDING_DBG_EXCEPTIONS: savedPendingDebug(cpu, info),
  };
  for (const name of SEGMENT_NAMES) Object.assign(values, savedSegment(caps, name, cpu.segments[name]));
  if (bit(ctl.exit, EXIT_CTL.SAVE_DEBUG_CONTROLS)) {
    values.GUEST_DR7 = cpu.dr7;
    values.GUEST_IA32_DEBUGCTL = msr(MSR.IA32_DEBUGCTL);
  }
  if (bit(ctl.exit, EXIT_CTL.SAVE_PAT)) values.GUEST_IA32_PAT = msr(MSR.IA32_PAT);
  if (bit(ctl.exit, EXIT_CTL.SAVE_EFER)) values.GUEST_IA32_EFER = cpu.efer;
  // The field exists on processors that can load or clear IA32_BNDCFGS (§27.3.1).
  if (bit(caps.entry1, 16) || bit(caps.exit1, EXIT_CTL.CLEAR_BNDCFGS)) values.GUEST_BNDCFGS = msr(MSR.IA32_BNDCFGS);
  if (bit(ctl.exit, EXIT_CTL.SAVE_PREEMPTION_TIMER) && (info.reason & 0xffff) === 52) values.VMX_PREEMPTION_TIMER_VALUE = 0n;
  // VMEXIT.SAVE.PDPTE: with EPT, a guest using PAE paging has its PDPTE registers saved (§27.3.4).
  const ept = bit(control32(image, 'CPU_BASED_VM_EXEC_CONTROL'), 31) && bit(control32(image, 'SECONDARY_VM_EXEC_CONTROL'), 1);
  if (ept && bitN(cpu.cr0, 31) && bitN(cpu.cr4, 5) && !bitN(cpu.efer, 10)) {
    (['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'] as const).forEach((name, i) => { values[name] = cpu.pdpte[i] ?? 0n; });
  }
  return writeFields(image, values);
};
