/**
 * VM entry after the basic checks (SDM §26.2–26.4), in the catalog's table order:
 * controls (VMfailValid 7) → host state (8) → address-space size (8) → guest state (exit 33) →
 * guest-state loading → MSR loading (exit 34) → commit.
 */
import { entryFailureReason, type LoadedGuestState } from '../../../../spec/vtx/observation.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';
import { vmfail, type StepResult } from '../outcome.js';
import { checkAddressSpaceSize } from './address-space.js';
import { EntryContext, type Check } from './context.js';
import { checkEntryControls, checkExecutionControls, checkExitControls } from './controls.js';
import { checkGuestDescriptorTables } from './guest-descriptor-tables.js';
import { checkGuestNonRegisterState } from './guest-non-register.js';
import { checkGuestPdptes } from './guest-pdpte.js';
import { checkGuestControlRegistersAndMsrs } from './guest-registers.js';
import { checkGuestRipRflags } from './guest-rip-rflags.js';
import { checkGuestSegments } from './guest-segments.js';
import { checkHostControlRegistersAndMsrs, checkHostSegments } from './host.js';
import { loadGuestState, type PendingGuest } from './load-guest.js';
import { loadMsrList } from './msr-load.js';
import { injectEvent } from './inject.js';
import { entryFailureHostLoad } from '../vm-exit/index.js';

const CONTROL_CHECKS: readonly Check[] = [checkExecutionControls, checkExitControls, checkEntryControls];
const HOST_CHECKS: readonly Check[] = [checkHostControlRegistersAndMsrs, checkHostSegments, checkAddressSpaceSize];
const GUEST_CHECKS: readonly Check[] = [
  checkGuestControlRegistersAndMsrs, checkGuestSegments, checkGuestDescriptorTables, checkGuestRipRflags,
  checkGuestNonRegisterState, checkGuestPdptes,
];

const firstFailure = (c: EntryContext, checks: readonly Check[]): string | null => {
  for (const check of checks) {
    const failed = check(c);
    if (failed !== null) return failed;
  }
  return null;
};

/** Exit qualification of a guest-state failure (§26.7). */
const guestQualification = (rule: string): bigint => {
  if (rule.startsWith('GUEST.LINK.')) return 4n;
  if (rule.startsWith('GUEST.PDPTE.')) return 2n;
  if (rule === 'GUEST.INTR.NMI.STI') return 3n;
  return 0n;
};

/**
 * A VM-entry failure "exit" (§26.7): the exit reason (bit 31 set) and qualification are written to the
 * VMCS; no other exit-information field, no guest-state field and not the valid bit of the VM-entry
 * interruption information changes, no MSR is stored, the launch state stays as it was
 * (ENTRYFAIL.INFO). Host state is loaded (§27.5) and the VM-exit MSR-load list processed (§27.6);
 * blocking by NMI keeps its pre-entry value (the entry committed nothing) — see entryFailureHostLoad.
 */
const entryFailure = (m: Machine, caps: Capabilities, vmcs: VmcsData, basic: 33 | 34, qualification: bigint, rule: string): StepResult => {
  const reason = entryFailureReason(basic);
  vmcs.set('VM_EXIT_REASON', BigInt(reason));
  vmcs.set('EXIT_QUALIFICATION', qualification);
  entryFailureHostLoad(m, caps, vmcs);
  return { observation: { kind: 'vm-exit', reason, qualification }, failedRule: rule };
};

const commit = (m: Machine, g: PendingGuest): LoadedGuestState => {
  const cpu = m.cpu;
  cpu.cr0 = g.cr0;
  cpu.cr3 = g.cr3;
  cpu.cr4 = g.cr4;
  cpu.dr7 = g.dr7;
  cpu.rsp = g.rsp;
  cpu.rip = g.rip;
  cpu.rflags = g.rflags;
  cpu.efer = g.efer;
  cpu.cpl = g.cpl;
  cpu.csL = g.csL;
  cpu.blockingByMovSs = g.blockingByMovSs;
  cpu.segments = g.machineSegments;
  cpu.gdtr = { base: g.gdtrBase, limit: g.gdtrLimit };
  cpu.idtr = { base: g.idtrBase, limit: g.idtrLimit };
  cpu.blockingBySti = g.blockingBySti;
  if (g.blockingBySmi !== null) cpu.blockingBySmi = g.blockingBySmi;
  cpu.blockingByNmi = g.blockingByNmi;
  cpu.activity = g.activity;
  cpu.pendingDebug = g.pendingDebug;
  if (g.pdpte !== null) cpu.pdpte = g.pdpte;
  for (const [index, value] of g.silentMsrs) cpu.msrs.set(index, value);
  const msrs: Record<string, bigint> = {};
  for (const [index, value] of g.msrs) {
    cpu.msrs.set(index, value);
    msrs[`0x${index.toString(16)}`] = value;
  }
  const s = g.segments;
  return {
    cr0: g.cr0, cr3: g.cr3, cr4: g.cr4, dr7: g.dr7, rsp: g.rsp, rip: g.rip, rflags: g.rflags, efer: g.efer,
    es: s.es, cs: s.cs, ss: s.ss, ds: s.ds, fs: s.fs, gs: s.gs, ldtr: s.ldtr, tr: s.tr,
    gdtrBase: g.gdtrBase, gdtrLimit: g.gdtrLimit, idtrBase: g.idtrBase, idtrLimit: g.idtrLimit,
    msrs,
  };
};

/** Runs §26.2–26.4 on the current VMCS; the basic checks (§26.1) have passed. */
export const enterGuest = (m: Machine, caps: Capabilities, vmcs: VmcsData, launch: boolean): StepResult => {
  const c = new EntryContext(m, caps, vmcs, launch);
  const control = firstFailure(c, CONTROL_CHECKS);
  if (control !== null) return vmfail(m, 7, control);
  const host = firstFailure(c, HOST_CHECKS);
  if (host !== null) return vmfail(m, 8, host);
  const guest = firstFailure(c, GUEST_CHECKS);
  if (guest !== null) return entryFailure(m, caps, vmcs, 33, guestQualification(guest), guest);
  const pending = loadGuestState(c);
  const msr = loadMsrList(c, pending);
  if (msr !== null) return entryFailure(m, caps, vmcs, 34, BigInt(msr.entry), msr.rule);
  const loaded = commit(m, pending);
  if (launch) vmcs.launched = true;
  // A successful VM entry leaves the processor in VMX non-root operation; injection then happens there
  // and may itself end in a VM exit (ch. 26; ENTRY.LOAD.NONROOT).
  m.vmx = 'non-root';
  // Event injection and the exits that follow the entry at once (§26.5, §26.6). The entry itself
  // succeeded: that is what VMLAUNCH/VMRESUME is seen to do; an exit during injection is the guest's
  // first VM exit, and `injection` keeps its information.
  const injection = injectEvent(m, caps, c);
  return injection === null ? { observation: { kind: 'vm-entry', guest: loaded } } : { observation: { kind: 'vm-entry', guest: loaded }, injection };
};
