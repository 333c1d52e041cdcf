/**
 * The VT-x reference VMM as a guest platform (platform.ts): the guest runs in VMX non-root operation
 * on the reference CPU; every VM exit goes to the dispatcher (exits.ts), and before every VM entry the
 * VMM offers the guest a pending virtual interrupt (interrupts.ts). What the guest saw — instructions
 * retired (in hardware, or emulated by the VMM), events delivered through its IDT (by the processor,
 * or injected by the VMM) — is reported in order, so that the run log matches a native run's.
 *
 * When the VMM injects: only at the instruction boundary (`boundary`), after every event of that
 * moment has arrived — as the native processor takes the highest-priority pending event there
 * (Vol. 3A §6.9 Table 6-2) and not the first to arrive. An exit taken while an event arrives, or one
 * that completed the guest's instruction, leaves the guest in VMX root operation until that boundary:
 * the VM entry that resumes it injects then (no exit is added). Meanwhile interrupts arriving find the
 * VMM running and go into its virtual interrupt controller directly; an NMI (passed through to the
 * guest, README) resumes the guest first and meets it at the boundary. Exits taken in the middle of an
 * event's delivery or of an instruction (a fault reflected, a shadow page filled) resume the guest at
 * once, injecting only that event.
 */
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { NonRootObservation } from '../../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { ActivityState } from '../../../spec/vtx/state.js';
import type { GuestInitialState } from '../../guests/vtx/program.js';
import { bootVm } from './boot.js';
import type { VtxVmmConfig } from './config.js';
import { dispatch } from './exits.js';
import { guestRegistersOf, type VtxGuestView } from './guest-view.js';
import { VmmError } from './host.js';
import { hostUsesFpu } from './fpu.js';
import { offerInterrupt } from './interrupts.js';
import { IA32_SYSENTER_CS } from './msr.js';
import { happeningsOf } from './native-platform.js';
import { RETIRED, type GuestPlatform, type Happening } from './platform.js';
import type { Vm } from './vm.js';

const MASK64 = 0xffff_ffff_ffff_ffffn;
/** Exits in a row that leave the guest where it was before the VMM gives up (a VMM bug, not a guest's). */
const MAX_RETRIES = 64;
/**
 * The processor reaching the guest's next instruction boundary without running the instruction: with
 * the one-instruction VMX-preemption timer armed (polling, the shadow write window: timer.ts) the timer
 * expires there; with it off the latch does nothing (§25.5.1) and the step only evaluates the
 * boundary — what the processor holds pending, the interrupt window.
 */
const AT_BOUNDARY: NonRootInput = { kind: 'event', event: { kind: 'preemption-timer-expiry' } };

/** Where in the guest's run an exit happened: it decides when the VMM resumes the guest and whether it may inject. */
type Phase = 'arrival' | 'instruction' | 'boundary';

export class VmmPlatform implements GuestPlatform {
  readonly vm: Vm;
  private launched = false;
  /** The VMM handled an exit and resumes the guest at its next instruction boundary (header). */
  private held = false;

  constructor(profile: VtxProfile, config: VtxVmmConfig, initial: GuestInitialState) {
    this.vm = bootVm(profile, config, initial);
    const first = this.enter(false);
    if (first !== null) throw new VmmError('VMLAUNCH delivered an event');
  }

  /**
   * VMLAUNCH/VMRESUME after offering a pending interrupt (injected only `atBoundary`); returns what the
   * entry's injection did.
   */
  private enter(atBoundary: boolean): NonRootObservation | null {
    const vm = this.vm;
    if (!vm.stopped) {
      if (atBoundary && !vm.injecting && this.takeHeldNmi()) vm.inject({ vector: 2, type: 'nmi', errorCode: null });
      offerInterrupt(vm, atBoundary);
    }
    const r = vm.host.execute({ op: this.launched ? 'VMRESUME' : 'VMLAUNCH' });
    this.launched = true;
    this.held = false;
    vm.injecting = false;
    return r.injection ?? null;
  }

  /**
   * An NMI the processor holds for the guest (NMIs pass through, README) that the guest could take at
   * this boundary — no blocking by NMI, MOV SS or STI — but that an exit overtook (the polling timer's,
   * §25.2): in VMX root operation the VMM receives it, and it outranks any interrupt the VMM would
   * inject (Vol. 3A §6.9 Table 6-2), so the VMM injects it (§26.5) in that interrupt's place.
   */
  private takeHeldNmi(): boolean {
    const pending = this.vm.host.machine.cpu.pending;
    if (!pending.nmi || (this.vm.f('GUEST_INTERRUPTIBILITY_INFO') & 0xbn) !== 0n) return false;
    pending.nmi = false;
    return true;
  }

  /** The guest held in VMX root operation runs again, without an injection (it is not at its boundary yet). */
  private release(): void {
    if (!this.held) return;
    if (this.enter(false) !== null) throw new VmmError('a VM entry without injection delivered an event');
  }

  /**
   * An external interrupt reaches the VMM itself — the processor held it while a higher-priority exit
   * took the boundary (§25.2), or it arrived while the VMM ran — and goes into the virtual interrupt
   * controller; the host is taken to use the FPU, as at an external-interrupt exit (exits.ts).
   */
  private hostInterrupt(vector: number): void {
    this.vm.vic.raise(vector);
    hostUsesFpu(this.vm);
  }

  /**
   * Handles exits until the guest runs on, or until the VMM holds it for the boundary; returns whether
   * anything happened to the guest (or the processor reported a step without an exit).
   */
  private settle(first: NonRootObservation, out: Happening[], phase: Phase): boolean {
    const before = out.length;
    let o: NonRootObservation | null = first;
    while (o !== null) {
      if (o.kind !== 'vm-exit') {
        out.push(...happeningsOf(o));
        return true;
      }
      const vm = this.vm;
      const reason = Number(vm.f('VM_EXIT_REASON') & 0xffffn);
      vm.exits.push(reason);
      // In VMX root operation the VMM runs with interrupts enabled: one the processor still holds
      // is delivered to the VMM through its own IDT (the machine's latch is where the abstraction keeps it).
      const held = vm.host.machine.cpu.pending;
      if (held.extint !== null) {
        const v = held.extint;
        held.extint = null;
        this.hostInterrupt(v);
      }
      // TPR below threshold is trap-like (§29.1.2): the MOV CR8 that caused it has completed.
      if (reason === 43) out.push(RETIRED);
      if (dispatch(vm, reason) === 'completed') out.push(RETIRED);
      if (phase !== 'boundary' && !vm.injecting && !vm.stopped && (phase === 'arrival' || out.length > before)) {
        // The guest's instruction is done, or an event is arriving: resume it at its next boundary.
        this.held = true;
        return true;
      }
      o = this.enter(phase === 'boundary');
    }
    return out.length > before;
  }

  private run(input: NonRootInput, phase: Phase): Happening[] {
    const out: Happening[] = [];
    this.settle(this.vm.host.step(input), out, phase);
    return out;
  }

  rip(): bigint { this.release(); return this.vm.host.registers.rip; }
  activity(): ActivityState { this.release(); return this.vm.stopped ? 'shutdown' : this.vm.host.registers.activity; }
  /** In VMX root operation too: a VM exit leaves the guest's GPRs but RSP in the processor (§27.3, host.ts). */
  gpr(n: number): bigint {
    if (n === 4) return this.held ? this.vm.host.gpr(4) : this.vm.host.registers.rsp;
    return this.vm.host.registers.gpr[n] ?? 0n;
  }

  interrupt(vector: number): Happening[] {
    // The processor latches one external interrupt at a time (the abstraction's pending.extint, which
    // keeps only the highest): while it holds one — a debug trap, say, took the boundary first — a
    // second one stays with the interrupt controller, and reaches the VMM with the exit the first causes.
    if (this.held || this.vm.host.machine.cpu.pending.extint !== null) { this.hostInterrupt(vector); return []; }
    return this.run({ kind: 'event', event: { kind: 'external-interrupt', vector } }, 'arrival');
  }

  nmi(): Happening[] {
    this.release();
    return this.run({ kind: 'event', event: { kind: 'nmi' } }, 'arrival');
  }

  /**
   * The guest's instruction boundary: a guest held since an exit resumes, with the injection the
   * virtual interrupt controller has for it; otherwise the processor evaluates the boundary (what it
   * holds pending, the interrupt window, the polling timer) and the VMM injects at the exit.
   */
  boundary(): Happening[] {
    if (this.vm.stopped) return [];
    const out: Happening[] = [];
    if (this.held) {
      const o = this.enter(true);
      if (o !== null && this.settle(o, out, 'boundary')) return out;
    }
    this.settle(this.vm.host.step(AT_BOUNDARY), out, 'boundary');
    return out;
  }

  instruction(i: GuestInstruction): Happening[] {
    this.release();
    const out: Happening[] = [];
    for (let n = 0; n < MAX_RETRIES; n++) {
      if (this.settle(this.vm.host.step({ kind: 'instruction', instruction: i }), out, 'instruction')) return out;
    }
    throw new VmmError(`no progress at ${i.op} after ${MAX_RETRIES} exits`);
  }

  /** The guest's registers as its instructions read them (read shadows, its CR3, its TPR, its TSC) and its memory. */
  view(): Pick<VtxGuestView, 'registers' | 'memory' | 'output'> {
    this.release();
    const vm = this.vm;
    const s = vm.host.snapshot();
    const c = s.cpu;
    const memory = new Map<bigint, bigint>();
    for (const [a, v] of s.memory) {
      const gpa = v === 0n ? null : vm.memory.gpaOf(a);
      if (gpa !== null) memory.set(gpa, v);
    }
    const sorted = new Map([...memory].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const registers = guestRegistersOf({
      ...c,
      // The guest runs: the processor's CR0/CR4 with the read shadows the VMM wrote where the masks own the bit.
      cr0: (c.cr0 & ~vm.cr0Mask) | (vm.wrote('CR0_READ_SHADOW') & vm.cr0Mask),
      cr4: (c.cr4 & ~vm.cr4Mask) | (vm.wrote('CR4_READ_SHADOW') & vm.cr4Mask),
      cr3: vm.config.memory === 'shadow' ? vm.vCr3 : c.cr3,
      cr8: BigInt(vm.tprClass()),
      tsc: (c.tsc + vm.wrote('TSC_OFFSET')) & MASK64,
      // The processor holds bits 31:0 of IA32_SYSENTER_CS; the VMM keeps bits 63:32 (msr.ts).
      msrs: new Map([...c.msrs, [IA32_SYSENTER_CS, (vm.sysenterCsHigh << 32n) | ((c.msrs.get(IA32_SYSENTER_CS) ?? 0n) & 0xffff_ffffn)]]),
      activity: vm.stopped ? 'shutdown' : c.activity,
    });
    return { registers, memory: sorted, output: [...vm.device.output] };
  }
}
