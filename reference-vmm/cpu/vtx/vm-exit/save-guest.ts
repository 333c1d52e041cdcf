/**
 * Saving guest state on a VM exit (SDM §27.3, June 2016): control and debug registers and MSRs
 * (§27.3.1), segment and descriptor-table registers (§27.3.2), RIP/RSP/RFLAGS (§27.3.3, the
 * caller has already placed RIP: the instruction's for fault-like exits, VMEXIT.SAVE.RIP.FAULT, the
 * next one for trap-like exits, VMEXIT.SAVE.RIP.TRAP; and RF, VMEXIT.SAVE.RFLAGS), and non-register
 * state (§27.3.4).
 * With EPT, a guest using PAE paging has its PDPTE registers saved in GUEST_PDPTR0-3 (§27.3.4,
 * VMEXIT.SAVE.PDPTE); otherwise those fields keep their values.
 */
import type { ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import { ACTIVITY_STATE_NUMBER, SEGMENT_NAMES } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
const PREFIX = { es: 'ES', cs: 'CS', ss: 'SS', ds: 'DS', fs: 'FS', gs: 'GS', ldtr: 'LDTR', tr: 'TR' } as const;

/**
 * Exit reasons that save the pending debug exceptions instead of 0 (§27.3.4): INIT, MTF, TPR below
 * threshold (#MC and SMI exits do not occur here).
 */
const KEEPS_PENDING_DEBUG = new Set([3, 37, 43]);

export const saveGuestState = (m: Machine, caps: Capabilities, vmcs: VmcsData, info: ExitInformation): void => {
  const cpu = m.cpu;
  const basicReason = info.reason & 0xffff;
  const set = (n: FieldName, v: bigint): void => vmcs.set(n, v);
  const exit = vmcs.get('VM_EXIT_CONTROLS');
  // §27.3.1 (VMEXIT.SAVE.CR)
  set('GUEST_CR0', cpu.cr0);
  set('GUEST_CR3', cpu.cr3);
  set('GUEST_CR4', cpu.cr4);
  // "save debug controls" (VMEXIT.SAVE.DR7_DEBUGCTL)
  if (bit(exit, 2)) {
    set('GUEST_DR7', cpu.dr7);
    set('GUEST_IA32_DEBUGCTL', cpu.msrs.get(0x1d9) ?? 0n);
  }
  // VMEXIT.SAVE.SYSENTER: IA32_SYSENTER_CS bits 31:0
  set('GUEST_SYSENTER_CS', (cpu.msrs.get(0x174) ?? 0n) & 0xffff_ffffn);
  set('GUEST_SYSENTER_ESP', cpu.msrs.get(0x175) ?? 0n);
  set('GUEST_SYSENTER_EIP', cpu.msrs.get(0x176) ?? 0n);
  // "save IA32_PAT" (VMEXIT.SAVE.PAT), "save IA32_EFER" (VMEXIT.SAVE.EFER), IA32_BNDCFGS when either of
  // its controls is supported (VMEXIT.SAVE.BNDCFGS).
  if (bit(exit, 18)) set('GUEST_IA32_PAT', cpu.msrs.get(0x277) ?? 0n);
  if (bit(exit, 20)) set('GUEST_IA32_EFER', cpu.efer);
  if (caps.allows('entry.LOAD_IA32_BNDCFGS') || caps.allows('exit.CLEAR_IA32_BNDCFGS')) set('GUEST_BNDCFGS', cpu.msrs.get(0xd90) ?? 0n);
  // §27.3.2 (VMEXIT.SAVE.SEGMENTS): selector, base, limit, access rights with bits 31:17 and 11:8 zero
  // and bit 16 = unusable (an unusable register's other fields are what it holds: undefined in the SDM).
  for (const s of SEGMENT_NAMES) {
    const r = cpu.segments[s];
    const p = PREFIX[s];
    set(`GUEST_${p}_SELECTOR` as FieldName, BigInt(r.selector));
    set(`GUEST_${p}_BASE` as FieldName, r.base);
    set(`GUEST_${p}_LIMIT` as FieldName, BigInt(r.limit >>> 0));
    set(`GUEST_${p}_AR_BYTES` as FieldName, BigInt(r.accessRights & 0x1_f0ff));
  }
  // VMEXIT.SAVE.PDPTE: EPT on (secondary controls active) and PAE paging in use (PG, PAE, not LMA).
  const ept = bit(vmcs.get('CPU_BASED_VM_EXEC_CONTROL'), 31) && bit(vmcs.get('SECONDARY_VM_EXEC_CONTROL'), 1);
  if (ept && bit(cpu.cr0, 31) && bit(cpu.cr4, 5) && !bit(cpu.efer, 10)) {
    (['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'] as const).forEach((f, i) => set(f, cpu.pdpte[i] ?? 0n));
  }
  // VMEXIT.SAVE.DESCRIPTOR_TABLES
  set('GUEST_GDTR_BASE', cpu.gdtr.base);
  set('GUEST_GDTR_LIMIT', BigInt(cpu.gdtr.limit));
  set('GUEST_IDTR_BASE', cpu.idtr.base);
  set('GUEST_IDTR_LIMIT', BigInt(cpu.idtr.limit));
  // §27.3.3: RIP as the caller placed it (VMEXIT.SAVE.RIP.FAULT, VMEXIT.SAVE.RIP.TRAP), RSP
  // (VMEXIT.SAVE.RSP), RFLAGS with the RF performVmExit set (VMEXIT.SAVE.RFLAGS).
  set('GUEST_RIP', cpu.rip);
  set('GUEST_RSP', cpu.rsp);
  set('GUEST_RFLAGS', cpu.rflags);
  // §27.3.4: the activity state before the exit (VMEXIT.SAVE.ACTIVITY).
  set('GUEST_ACTIVITY_STATE', BigInt(ACTIVITY_STATE_NUMBER[cpu.activity]));
  // VMEXIT.SAVE.INTERRUPTIBILITY: STI and MOV-SS blocking; SMI blocking only for an exit that ends in SMM
  // (no exit changes SMM here: it ends in SMM when the guest ran in it); bit 3 is virtual-NMI blocking
  // when "virtual NMIs" = 1 (the flag holds that then).
  set('GUEST_INTERRUPTIBILITY_INFO',
    (cpu.blockingBySti ? 1n : 0n) | (cpu.blockingByMovSs ? 2n : 0n) | (cpu.blockingBySmi && cpu.inSmm ? 4n : 0n) | (cpu.blockingByNmi ? 8n : 0n));
  // VMEXIT.SAVE.PENDING_DEBUG: 0 except for INIT, MTF and TPR-below-threshold exits, and for exits not
  // caused by a debug exception while MOV-SS blocking holds the pending debug exceptions off.
  const byDebugException = basicReason === 0 && (info.interruptionInfo & 0xff) === 1;
  const keepsPending = KEEPS_PENDING_DEBUG.has(basicReason) || (cpu.blockingByMovSs && !byDebugException);
  set('GUEST_PENDING_DBG_EXCEPTIONS', keepsPending ? cpu.pendingDebug : 0n);
  // "save VMX-preemption timer value": 0 after an exit caused by the timer (VMEXIT.SAVE.PREEMPTION_TIMER).
  if (bit(exit, 22)) set('VMX_PREEMPTION_TIMER_VALUE', basicReason === 52 ? 0n : vmcs.get('VMX_PREEMPTION_TIMER_VALUE'));
};
