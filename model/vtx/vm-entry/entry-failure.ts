/**
 * §26.7 "VM-Entry Failures During or After Loading Guest State" (rules ENTRYFAIL.*): a failed
 * guest-state check (reason 33) or MSR-load entry (reason 34) records only the exit reason and
 * qualification (ENTRYFAIL.INFO), loads host state as a VM exit would (ENTRYFAIL.HOST_LOAD, with the
 * §27.5 code of ../vm-exit), keeps NMI blocking as it was before the entry (ENTRYFAIL.NMI_BLOCKING),
 * and processes the VM-exit MSR-load list (ENTRYFAIL.MSR_LOAD). The guest-state area, the MSR-store
 * list and the VM-entry interruption-information field are untouched; VMLAUNCH leaves the VMCS clear.
 *
 * The registers host loading starts from: for reason 33 the processor as it executed VMLAUNCH/VMRESUME
 * (checking and loading may overlap in hardware; the model loads nothing before the checks pass); for
 * reason 34 the loaded guest state with the list entries before the failing one written, since §26.4
 * runs after §26.3.2 — so guest values of MSRs the exit does not reload (IA32_PAT, for one, without
 * "load IA32_PAT") survive, as on hardware.
 *
 * A VMX abort while loading host state or host MSRs (§27.7) leaves the processor in the VMX-abort
 * shutdown state; the instruction's observation stays the VM-entry failure (the Observation type of
 * VMX instructions has no abort), and the state shows the abort.
 */
import { entryFailureReason, type LoadedGuestState, type Observation } from '../../../spec/vtx/observation.js';
import { MSR, readMemory64, writeFields, type CpuRegisters, type VtxState } from '../../../spec/vtx/state.js';
import { returnToHost } from '../vm-exit/index.js';
import { exitControls } from '../vm-exit/vmcs.js';
import { bigOf } from '../u64.js';
import type { Step } from '../flags.js';
import { F, hi, lo, type EntryEnv } from './env.js';
import { guestRegisters } from './load-guest-state.js';

const EFER_LMA = 1n << 10n;

/** What the instruction reports for a §26.7 failure (the state aside). */
export const entryFailureObservation = (reason: 33 | 34, qualification: number): Observation =>
  ({ kind: 'vm-exit', reason: entryFailureReason(reason), qualification: BigInt(qualification) });

/** The failure "exit": VMCS written per ENTRYFAIL.INFO, then the return to the host. */
export const entryFailureExit = (e: EntryEnv, reason: 33 | 34, qualification: number, before: CpuRegisters = e.state.cpu): Step => {
  const s = e.state;
  const at = s.currentVmcs!;
  const region = s.vmcs.get(at)!;
  const fullReason = entryFailureReason(reason);
  const fields = writeFields(region.fields, { VM_EXIT_REASON: BigInt(fullReason), EXIT_QUALIFICATION: BigInt(qualification) });
  const written: VtxState = { ...s, vmcs: new Map(s.vmcs).set(at, { ...region, fields }) };
  const nmiBefore = s.cpu.blockingByNmi;
  const back = returnToHost(e.caps, written, fields, exitControls(fields), before, { directNmi: false }, (cpu) => ({ ...cpu, blockingByNmi: nmiBefore }));
  return { observation: entryFailureObservation(reason, qualification), state: back.canonical.state };
};

/**
 * The registers when entry `failedAt` (1-based) of the VM-entry MSR-load list fails: the guest state
 * loaded, and entries 1 .. failedAt-1 written (they passed every check of §26.4).
 */
export const registersAtMsrFailure = (e: EntryEnv, guest: LoadedGuestState, failedAt: number): CpuRegisters => {
  const base = bigOf(lo(e, F.VM_ENTRY_MSR_LOAD_ADDR), hi(e, F.VM_ENTRY_MSR_LOAD_ADDR));
  const written = new Map<number, bigint>();
  let efer = guest.efer;
  for (let i = 0; i < failedAt - 1; i++) {
    const at = base + 16n * BigInt(i);
    const index = Number(readMemory64(e.state.memory, at) & 0xffff_ffffn);
    const data = readMemory64(e.state.memory, at + 8n);
    if (index === MSR.IA32_EFER) efer = (data & ~EFER_LMA) | (efer & EFER_LMA);
    else written.set(index, data);
  }
  // The PDPTE registers keep their pre-entry values: only a PAE host uses them next, and the exit to it
  // reloads them (VMEXIT.HOST.PDPTE); the reference CPU, which commits guest state only after MSR
  // loading, makes the same choice.
  return { ...guestRegisters(e, { ...guest, efer }, e.state.cpu, written), pdpte: e.state.cpu.pdpte };
};
