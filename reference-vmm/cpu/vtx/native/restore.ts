/**
 * Undoing a VM exit the native CPU did not want: the reference CPU's non-root code ends a few steps
 * in a VM exit even with every control 0 (a triple fault, §25.2; a task switch, §25.4.2), and such an
 * exit has saved the guest's registers into the guest-state area (§27.3) and loaded host state
 * (§27.5). This puts the saved guest registers back and returns to "non-root" (the native CPU's way
 * of running the non-root code), as if the exit had not happened; the caller then does what a
 * processor without VMX does. The general-purpose registers, CR2, CR8, DR0–DR3, DR6 and the pending
 * events are not touched by a VM exit (§27.3, §27.5) and need nothing. IA32_SYSENTER_CS is the one
 * register the guest-state area holds only in part: its field has 32 bits (§27.3.1), while the MSR's
 * bits 63:32 can be read and written (Vol. 4 Table 2-2); the caller passes them (`sysenterCsHigh`)
 * from before the exit, which loaded the host's value over them (§27.5.1).
 */
import { SEGMENT_NAMES, type ActivityState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import type { Machine, VmcsData } from '../machine.js';

const PREFIX = { es: 'ES', cs: 'CS', ss: 'SS', ds: 'DS', fs: 'FS', gs: 'GS', ldtr: 'LDTR', tr: 'TR' } as const;
const ACTIVITY: readonly ActivityState[] = ['active', 'hlt', 'shutdown', 'wait-for-sipi'];

export const restoreGuestFromVmcs = (m: Machine, vmcs: VmcsData, sysenterCsHigh = 0n): void => {
  const cpu = m.cpu;
  const f = (n: FieldName): bigint => vmcs.get(n);
  cpu.cr0 = f('GUEST_CR0');
  cpu.cr3 = f('GUEST_CR3');
  cpu.cr4 = f('GUEST_CR4');
  cpu.dr7 = f('GUEST_DR7');
  cpu.msrs.set(0x1d9, f('GUEST_IA32_DEBUGCTL'));
  cpu.msrs.set(0x174, (sysenterCsHigh << 32n) | (f('GUEST_SYSENTER_CS') & 0xffff_ffffn));
  cpu.msrs.set(0x175, f('GUEST_SYSENTER_ESP'));
  cpu.msrs.set(0x176, f('GUEST_SYSENTER_EIP'));
  cpu.msrs.set(0x277, f('GUEST_IA32_PAT'));
  cpu.efer = f('GUEST_IA32_EFER');
  for (const s of SEGMENT_NAMES) {
    const p = PREFIX[s];
    cpu.segments[s] = {
      selector: Number(f(`GUEST_${p}_SELECTOR` as FieldName)),
      base: f(`GUEST_${p}_BASE` as FieldName),
      limit: Number(f(`GUEST_${p}_LIMIT` as FieldName)),
      accessRights: Number(f(`GUEST_${p}_AR_BYTES` as FieldName)),
    };
  }
  cpu.msrs.set(0xc000_0100, cpu.segments.fs.base);
  cpu.msrs.set(0xc000_0101, cpu.segments.gs.base);
  cpu.gdtr = { base: f('GUEST_GDTR_BASE'), limit: Number(f('GUEST_GDTR_LIMIT')) };
  cpu.idtr = { base: f('GUEST_IDTR_BASE'), limit: Number(f('GUEST_IDTR_LIMIT')) };
  cpu.rip = f('GUEST_RIP');
  cpu.rsp = f('GUEST_RSP');
  cpu.rflags = f('GUEST_RFLAGS');
  cpu.cpl = (cpu.segments.ss.accessRights >> 5) & 3;
  cpu.csL = ((cpu.segments.cs.accessRights >> 13) & 1) === 1;
  const interruptibility = f('GUEST_INTERRUPTIBILITY_INFO');
  cpu.blockingBySti = (interruptibility & 1n) !== 0n;
  cpu.blockingByMovSs = (interruptibility & 2n) !== 0n;
  cpu.blockingByNmi = (interruptibility & 8n) !== 0n;
  cpu.activity = ACTIVITY[Number(f('GUEST_ACTIVITY_STATE'))] ?? 'active';
  cpu.pendingDebug = f('GUEST_PENDING_DBG_EXCEPTIONS');
  m.vmx = 'non-root';
};
