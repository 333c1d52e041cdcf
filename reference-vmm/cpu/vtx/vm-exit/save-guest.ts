/**
 * Saving guest state on a VM exit (SDM §27.3, June 2016): control and debug registers and MSRs
 * (§27.3.1), segment and descriptor-table registers (§27.3.2), RIP/RSP/RFLAGS (§27.3.3, the
 * caller has already placed RIP: the instruction's for fault-like exits, the next one for
 * trap-like exits), and non-register state (§27.3.4).
 */
import { ACTIVITY_STATE_NUMBER, SEGMENT_NAMES } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
const PREFIX = { es: 'ES', cs: 'CS', ss: 'SS', ds: 'DS', fs: 'FS', gs: 'GS', ldtr: 'LDTR', tr: 'TR' } as const;

/** Exit reasons that save the pending debug exceptions instead of 0 (§27.3.4): INIT, MTF, TPR below threshold. */
const KEEPS_PENDING_DEBUG = new Set([3, 37, 43]);

export const saveGuestState = (m: Machine, caps: Capabilities, vmcs: VmcsData, basicReason: number): void => {
  const cpu = m.cpu;
  const set = (n: FieldName, v: bigint): void => vmcs.set(n, v);
  const exit = vmcs.get('VM_EXIT_CONTROLS');
  set('GUEST_CR0', cpu.cr0);
  set('GUEST_CR3', cpu.cr3);
  set('GUEST_CR4', cpu.cr4);
  if (bit(exit, 2)) {
    set('GUEST_DR7', cpu.dr7);
    set('GUEST_IA32_DEBUGCTL', cpu.msrs.get(0x1d9) ?? 0n);
  }
  set('GUEST_SYSENTER_CS', (cpu.msrs.get(0x174) ?? 0n) & 0xffff_ffffn);
  set('GUEST_SYSENTER_ESP', cpu.msrs.get(0x175) ?? 0n);
  set('GUEST_SYSENTER_EIP', cpu.msrs.get(0x176) ?? 0n);
  if (bit(exit, 18)) set('GUEST_IA32_PAT', cpu.msrs.get(0x277) ?? 0n);
  if (bit(exit, 20)) set('GUEST_IA32_EFER', cpu.efer);
  if (caps.allows('entry.LOAD_IA32_BNDCFGS') || caps.allows('exit.CLEAR_IA32_BNDCFGS')) set('GUEST_BNDCFGS', cpu.msrs.get(0xd90) ?? 0n);
  for (const s of SEGMENT_NAMES) {
    const r = cpu.segments[s];
    const p = PREFIX[s];
    set(`GUEST_${p}_SELECTOR` as FieldName, BigInt(r.selector));
    set(`GUEST_${p}_BASE` as FieldName, r.base);
    set(`GUEST_${p}_LIMIT` as FieldName, BigInt(r.limit >>> 0));
    set(`GUEST_${p}_AR_BYTES` as FieldName, BigInt(r.accessRights & 0x1_f0ff));
  }
  set('GUEST_GDTR_BASE', cpu.gdtr.base);
  set('GUEST_GDTR_LIMIT', BigInt(cpu.gdtr.limit));
  set('GUEST_IDTR_BASE', cpu.idtr.base);
  set('GUEST_IDTR_LIMIT', BigInt(cpu.idtr.limit));
  set('GUEST_RIP', cpu.rip);
  set('GUEST_RSP', cpu.rsp);
  set('GUEST_RFLAGS', cpu.rflags);
  set('GUEST_ACTIVITY_STATE', BigInt(ACTIVITY_STATE_NUMBER[cpu.activity]));
  set('GUEST_INTERRUPTIBILITY_INFO',
    (cpu.blockingBySti ? 1n : 0n) | (cpu.blockingByMovSs ? 2n : 0n) | (cpu.blockingBySmi ? 4n : 0n) | (cpu.blockingByNmi ? 8n : 0n));
  set('GUEST_PENDING_DBG_EXCEPTIONS', KEEPS_PENDING_DEBUG.has(basicReason) ? cpu.pendingDebug : 0n);
  if (bit(exit, 22)) set('VMX_PREEMPTION_TIMER_VALUE', basicReason === 52 ? 0n : vmcs.get('VMX_PREEMPTION_TIMER_VALUE'));
};
