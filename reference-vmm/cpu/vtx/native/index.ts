/**
 * The native CPU: the abstract guest ISA of spec/vtx/guest on the reference CPU with no VMX at all —
 * what a guest observes on bare hardware, the baseline that a run under a VMM is compared with.
 *
 * It reuses the reference CPU's instruction semantics, event delivery and paging
 * (reference-vmm/cpu/vtx/non-root/**) by showing them a VMCS with every control 0 (./vmcs-view.ts) and
 * the VMX fixed-bit restrictions lifted (./capabilities.ts); what that code turns into VM exits even so
 * is done here natively: the unconditionally exiting instructions (./instructions.ts), RDMSR and
 * WRMSR outside the MSR-bitmap ranges (./msr.ts), task switches (./task-switch.ts) and triple faults
 * (shutdown). See README.md for every choice.
 *
 * ```ts
 * const cpu = new NativeVtxCpu(profile, state);          // state.vmx === 'outside'
 * const { observation } = cpu.step({ kind: 'instruction', instruction: { op: 'CPUID' } }); // 'retired'
 * ```
 * Observations are 'retired', 'delivered', 'pending' or 'inactive' — never 'vm-exit'.
 */
import type { NonRootInput } from '../../../../spec/vtx/guest/events.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { instructionLength } from '../../../../spec/vtx/guest/length.js';
import type { NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../../../spec/vtx/profile.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { Machine, type Registers, type VmcsData } from '../machine.js';
import { raiseEvent, raiseFault } from '../non-root/delivery.js';
import { Guest, GuestFault, MASK64, RFLAGS, StepDone } from '../non-root/guest.js';
import { nonRootStep } from '../non-root/index.js';
import { nativeCapabilities } from './capabilities.js';
import { executeNatively, NATIVE_OPS } from './instructions.js';
import { deviceIo, portOf, type PortDevice } from './io.js';
import { executeMsrNatively, outsideMsrBitmaps } from './msr.js';
import { restoreGuestFromVmcs } from './restore.js';
import { taskGateFault, vectoredEvent } from './task-switch.js';
import { NATIVE_VMCS_KEY, nativeVmcsView } from './vmcs-view.js';

export { cpuidResult, type CpuidResult } from './cpuid.js';
export { xsetbvOutcome, type XsetbvOutcome } from './xsetbv.js';
export { nativeCr4Supported, nativeProfile } from './capabilities.js';
export type { PortDevice } from './io.js';

/** A boundary evaluation without an event: the preemption-timer latch is a no-op with its control 0. */
const BOUNDARY_ONLY: NonRootInput = { kind: 'event', event: { kind: 'preemption-timer-expiry' } };
const MAX_NESTED_TASK_GATES = 4;

export class NativeVtxCpu {
  private readonly caps: Capabilities;
  private readonly machine: Machine;
  private readonly vmcs: VmcsData;
  private readonly outside: Pick<VtxState, 'vmxonPointer' | 'currentVmcs' | 'vmcs' | 'dualMonitorActive'>;
  /** IA32_SYSENTER_CS[63:32] at the start of the current step. */
  private sysenterCsHigh = 0n;

  /**
   * Copies `state` (which must be outside VMX operation). INIT and SIPI are not part of the native
   * machine (README): a latched INIT or SIPI in `state.cpu.pending` is dropped.
   */
  constructor(readonly profile: VtxProfile, state: VtxState, private readonly device: PortDevice | null = null) {
    if (state.vmx !== 'outside') throw new Error(`NativeVtxCpu: the state must be outside VMX operation (vmx = '${state.vmx}')`);
    this.caps = nativeCapabilities(profile);
    this.outside = { vmxonPointer: state.vmxonPointer, currentVmcs: state.currentVmcs, vmcs: state.vmcs, dualMonitorActive: state.dualMonitorActive };
    this.machine = new Machine({
      ...state, vmx: 'non-root', currentVmcs: NATIVE_VMCS_KEY, vmcs: new Map(),
      cpu: { ...state.cpu, pending: { ...state.cpu.pending, init: false, sipi: null } },
    });
    this.vmcs = nativeVmcsView(this.caps);
    this.machine.vmcs.set(NATIVE_VMCS_KEY, this.vmcs);
  }

  /** One step: the next instruction at an instruction boundary, or an arriving event. */
  step(input: NonRootInput): { observation: NonRootObservation } {
    if (input.kind === 'event' && (input.event.kind === 'init' || input.event.kind === 'sipi')) return { observation: { kind: 'pending' } };
    // A VM exit this step takes has lost IA32_SYSENTER_CS[63:32] by the time it is undone (./restore.ts).
    this.sysenterCsHigh = (this.machine.cpu.msrs.get(0x174) ?? 0n) >> 32n;
    if (input.kind === 'instruction' && (NATIVE_OPS.has(input.instruction.op) || this.deviceAccess(input.instruction) || this.msrOutsideBitmaps(input.instruction))) {
      return { observation: this.native(input.instruction) };
    }
    return { observation: this.settle(nonRootStep(this.machine, this.caps, input), 0) };
  }

  /** The registers as they are now (live and read-only: for runners that must look between steps). */
  get registers(): Readonly<Registers> {
    return this.machine.cpu;
  }

  /** The 64-bit word of physical memory at `address` (8-byte aligned). */
  read64(address: bigint): bigint {
    return this.machine.read64(address);
  }

  snapshot(): VtxState {
    const s = this.machine.snapshot();
    return { ...s, vmx: 'outside', ...this.outside };
  }

  /** RDMSR/WRMSR that exit in VMX non-root operation whatever the MSR bitmaps say (./msr.ts). */
  private msrOutsideBitmaps(i: GuestInstruction): boolean {
    return (i.op === 'RDMSR' || i.op === 'WRMSR') && outsideMsrBitmaps(this.machine.cpu.gpr[1] ?? 0n);
  }

  private deviceAccess(i: GuestInstruction): boolean {
    if (this.device === null || (i.op !== 'IN' && i.op !== 'OUT')) return false;
    const port = portOf(new Guest(this.machine, this.caps), i);
    return port !== null && this.device.claims(port);
  }

  private native(i: GuestInstruction): NonRootObservation {
    // Events pending at the boundary come first (§25.1.1 order, Vol. 3A §6.9), as for every instruction.
    const boundary = this.settle(nonRootStep(this.machine, this.caps, BOUNDARY_ONLY), 0);
    if (boundary.kind !== 'pending') return boundary;
    const g = new Guest(this.machine, this.caps);
    // Single-step (Vol. 3B §17.3.1.4): TF as the instruction begins decides.
    const singleStep = (this.machine.cpu.rflags & RFLAGS.TF) !== 0n;
    try {
      if (i.op === 'IN' || i.op === 'OUT') {
        // CPL > IOPL: the reference CPU's I/O-permission check decides (./io.ts).
        if (this.device === null || !deviceIo(g, i, this.device)) return this.settle(nonRootStep(this.machine, this.caps, { kind: 'instruction', instruction: i }), 0);
      } else if (i.op === 'RDMSR' || i.op === 'WRMSR') {
        executeMsrNatively(g, i);
      } else {
        executeNatively(g, i);
      }
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      return this.settle(this.deliver(() => raiseFault(g, e)), 0);
    }
    const cpu = this.machine.cpu;
    cpu.rip = (cpu.rip + BigInt(instructionLength(i))) & MASK64;
    cpu.rflags &= ~RFLAGS.RF;
    cpu.blockingBySti = false;
    cpu.blockingByMovSs = false;
    if (singleStep) cpu.pendingDebug |= 1n << 14n; // BS: a #DB trap at the next boundary
    return { kind: 'retired' };
  }

  private deliver(raise: () => never): NonRootObservation {
    try {
      return raise();
    } catch (e) {
      if (e instanceof StepDone) return e.observation;
      throw e;
    }
  }

  /** Turns the VM exits the non-root code takes even with every control 0 into native behaviour. */
  private settle(o: NonRootObservation, depth: number): NonRootObservation {
    if (o.kind === 'vmx-abort') throw new Error(`NativeVtxCpu: VMX abort ${o.indicator} (a reference-CPU bug)`);
    if (o.kind !== 'vm-exit') return o;
    const reason = o.exit.reason & 0xffff;
    restoreGuestFromVmcs(this.machine, this.vmcs, this.sysenterCsHigh);
    const shutdown = (): NonRootObservation => {
      this.machine.cpu.activity = 'shutdown';
      return { kind: 'inactive' };
    };
    if (reason === 2) return shutdown(); // triple fault: Vol. 3A §6.15 "the processor enters shutdown"
    if (reason !== 9) throw new Error(`NativeVtxCpu: unexpected VM exit ${reason} with every control 0`);
    if (depth >= MAX_NESTED_TASK_GATES) return shutdown();
    const q = o.exit.qualification;
    const selector = Number(q & 0xffffn);
    const g = new Guest(this.machine, this.caps);
    if (((q >> 30n) & 3n) !== 3n) return this.settle(this.deliver(() => raiseFault(g, new GuestFault(13, selector & 0xfffc))), depth + 1);
    const original = vectoredEvent(this.vmcs.get('IDT_VECTORING_INFO_FIELD'), this.vmcs.get('IDT_VECTORING_ERROR_CODE'));
    if (original === null) throw new Error('NativeVtxCpu: task-gate exit without IDT-vectoring information');
    const next = taskGateFault(original);
    if (next === 'shutdown') return shutdown();
    return this.settle(this.deliver(() => raiseEvent(g, next)), depth + 1);
  }
}
