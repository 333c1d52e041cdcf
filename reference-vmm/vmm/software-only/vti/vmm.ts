/**
 * A software-only VMM for Itanium: classic trap-and-emulate with ring deprivileging, no VT-i
 * (ITJ, "Challenges to Virtualizing Intel Architectures"). The guest runs with PSR.vm = 0 at level 1
 * (0/1/3) or 3 (0/3/3) under the VMM's IVT, so the VMM gets control only when the machine
 * interrupts the guest: a Privileged Operation or Privileged Register fault for each privileged
 * instruction, any other fault, or a physical interrupt. It then
 *
 * 1. rebuilds the guest's processor (split.ts `guestView`) from the machine at the interruption
 *    (IPSR, IIP, the guest's bank) and its copy of the privileged state;
 * 2. emulates: re-executes the instruction at IIP on that view with the guest's own processor
 *    (`VtiStep` with the profile the guest is told it has) at the guest's own level, so privileged
 *    instructions act on the virtual state and the guest's own faults reach the guest's IVT exactly
 *    as they would natively; a trap, which completed on the machine, is reflected (reflect.ts); a
 *    physical interrupt is acknowledged and becomes the guest's pending interrupt;
 * 3. delivers a virtual interrupt the guest can now take, and resumes it with rfi.
 *
 * Emulation is exact by construction; what goes wrong is what never reaches the VMM, the paper's
 * holes on Itanium: thash hashes with the machine PTA, the VMM's (non-faulting access to privileged
 * state); br.call records the machine level in AR.PFS.ppl (ring aliasing); guest loads reach the
 * VMM's addresses (address-space compression); resuming with rfi sets the hidden CFLE (hidden
 * state); and each privileged access costs an entry (interrupt virtualization, frequent access).
 */
import type { VtiEvent } from '../../../../spec/vti/machine/events.js';
import { FAULTS } from '../../../../spec/vti/machine/faults.js';
import { initialVtiState, PSR } from '../../../../spec/vti/machine/initial.js';
import { describeVtiInstruction, type VtiInstruction } from '../../../../spec/vti/machine/instructions.js';
import { describeVtiObservation, type VtiObservation } from '../../../../spec/vti/machine/observation.js';
import type { VtiProfile } from '../../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../../spec/vti/machine/state.js';
import type { VtiStep } from '../../../../spec/vti/machine/step.js';
import { EXTERNAL_INTERRUPT_OFFSET } from '../../../../spec/vti/ivt.js';
import { UNIMPLEMENTED_VA_RULE } from '../../../../spec/vti/intercepts.js';
import { slotAddress } from '../../vti/program.js';
import type { DeprivilegingModel } from '../deprivileging.js';
import { BASELINE_VTI_LAYOUT, VMM_IVT_IMAGE } from './layout.js';
import { reflect } from './reflect.js';
import { guestView, machineFor, vmmBootCr, virtualOf, withPsr, type VirtualPrivileged } from './split.js';

/** The VMM's own code met an outcome it does not handle: a bug in the VMM or in the processor. */
export class SoftwareVmmError extends Error {
  override readonly name = 'SoftwareVmmError';
}

const CR = { ipsr: 16, isr: 17, iip: 19, ifa: 20, ivr: 65, eoi: 67 } as const;
const SPURIOUS = 15;
/** The machine's interval-timer vector, which the VMM turns into the guest's own timer interrupt. */
const VMM_TIMER_VECTOR = 0xef;
const SCRATCH = 30;

export interface GuestStep {
  /** The guest instruction completed (on the machine, or emulated). */
  readonly retired: boolean;
  /** The VMM was entered. */
  readonly entered: boolean;
}

export interface EntryCounts {
  /** VMM entries by cause: the fault the machine took, or the physical interrupt. */
  readonly byCause: Readonly<Record<string, number>>;
  readonly total: number;
}

const causeName = (vector: number, isr: bigint): string => {
  if (vector === EXTERNAL_INTERRUPT_OFFSET) return 'external interrupt';
  const code = Number(isr & 0xf0n);
  const f = Object.entries(FAULTS).find(([, x]) => x.vector === vector && (x.vector !== 0x5400 || x.isrCode === code));
  return f === undefined ? `vector 0x${vector.toString(16)}` : f[0];
};

const ri = (psr: bigint): number => Number((psr >> 41n) & 3n);

export class SoftwareVtiVmm {
  /** The machine. While the guest runs: the guest at an instruction boundary; in the VMM: the VMM. */
  private machine: VtiState;
  private virt: VirtualPrivileged;
  private readonly causes = new Map<string, number>();
  /** The processor the guest is told it has (the VMM's emulator runs the guest's instructions on it). */
  readonly guestProfile: VtiProfile;

  private constructor(
    private readonly step: VtiStep,
    readonly profile: VtiProfile,
    guestProfile: VtiProfile,
    readonly model: DeprivilegingModel,
    private readonly fetch: (address: bigint) => VtiInstruction | undefined,
    guest: VtiState,
  ) {
    this.guestProfile = guestProfile;
    const base = initialVtiState(profile);
    const memory = new Map(VMM_IVT_IMAGE);
    // The VMM's context: level 0, translation on, interruption collection and interrupts off, bank 0.
    this.machine = { ...withPsr(base, PSR.dt | PSR.rt | PSR.it), ip: BASELINE_VTI_LAYOUT.code, cr: vmmBootCr(base.cr, VMM_TIMER_VECTOR), memory };
    this.virt = virtualOf(guest);
    this.start(guest);
  }

  /**
   * Boot with `guest` in its own terms (PSR.vm = 0, level 0 for a kernel) on a processor just out of
   * reset; `guestProfile` is the processor the guest is told it has; `fetch` reads guest code.
   */
  static boot(step: VtiStep, profile: VtiProfile, guestProfile: VtiProfile, model: DeprivilegingModel, guest: VtiState,
    fetch: (address: bigint) => VtiInstruction | undefined = () => undefined): SoftwareVtiVmm {
    return new SoftwareVtiVmm(step, profile, guestProfile, model, fetch, guest);
  }

  /** The machine as it is (the guest running). */
  get state(): VtiState {
    return this.machine;
  }

  /** What the guest sees of its processor now. */
  guestView(): VtiState {
    return guestView(this.profile, this.model, this.machine, this.virt);
  }

  counts(): EntryCounts {
    const byCause = Object.fromEntries(this.causes);
    return { byCause, total: [...this.causes.values()].reduce((a, b) => a + b, 0) };
  }

  /** Run guest instruction `i` (the one at the guest's IP) and whatever VMM entry it causes. */
  runInstruction(i: VtiInstruction): GuestStep {
    const r = this.step(this.profile, this.machine, { kind: 'instruction', instruction: i });
    this.machine = r.state;
    if (r.observation.kind === 'executed') return { retired: true, entered: false };
    return { retired: this.enter(r.observation, i), entered: true };
  }

  /**
   * Where the guest's code ends: an interruption the machine would take before its next fetch (a
   * physical interrupt still pending) is taken now; false when there is none.
   */
  takePending(): boolean {
    const r = this.step(this.profile, this.machine, { kind: 'instruction', instruction: { op: 'nop' } });
    if (r.observation.kind === 'executed') return false;
    this.machine = r.state;
    this.enter(r.observation, null);
    return true;
  }

  /** An event from the outside world reaches the machine while the guest runs. */
  deliver(e: VtiEvent): void {
    const r = this.step(this.profile, this.machine, { kind: 'event', event: e });
    this.machine = r.state;
    if (r.observation.kind !== 'event-absorbed') this.enter(r.observation, null);
  }

  /** The machine's own step for the VMM's instructions (level 0, PSR.vm = 0); they must complete. */
  private exec(i: VtiInstruction): bigint {
    const r = this.step(this.profile, this.machine, { kind: 'instruction', instruction: i });
    if (r.observation.kind !== 'executed') {
      throw new SoftwareVmmError(`VMM instruction ${describeVtiInstruction(i)} did not complete: ${describeVtiObservation(r.observation)}`);
    }
    this.machine = r.state;
    return r.observation.value ?? 0n;
  }

  /** An interruption at the VMM's IVT: handle it and resume the guest; whether the guest instruction completed. */
  private enter(o: VtiObservation, instruction: VtiInstruction | null): boolean {
    if (o.kind !== 'interruption') throw new SoftwareVmmError(`unexpected while the guest ran: ${describeVtiObservation(o)}`);
    const m = this.machine;
    const cr = (n: number): bigint => m.cr.get(n) ?? 0n;
    const cause = causeName(o.vector, cr(CR.isr));
    this.causes.set(cause, (this.causes.get(cause) ?? 0) + 1);
    // The guest as the interruption found it: its PSR and IP from IPSR and IIP, its bank addressed again.
    const at = withPsr({ ...m, ip: cr(CR.iip) }, cr(CR.ipsr));
    const g = guestView(this.profile, this.model, at, this.virt);
    let after: VtiState;
    let retired = false;
    if (o.vector === EXTERNAL_INTERRUPT_OFFSET) {
      after = this.physicalInterrupt(g);
    } else if (o.vector === UNIMPLEMENTED_VA_RULE.instructionTrap.vector) {
      // A trap: the branch completed on the machine; the guest's processor would have trapped too
      // (its implemented space is the machine's less one bit), with the same resources.
      after = reflect(g, { vector: o.vector, isr: cr(CR.isr), ifa: cr(CR.ifa) });
    } else {
      const i = this.fetch(slotAddress(g.ip, ri(g.psr))) ?? instruction;
      if (i === null) throw new SoftwareVmmError(`fault 0x${o.vector.toString(16)} with no instruction at the guest's IP`);
      const r = this.step(this.guestProfile, g, { kind: 'instruction', instruction: i });
      after = r.state;
      retired = r.observation.kind === 'executed';
    }
    this.resume(after);
    return retired;
  }

  /** Acknowledge the machine's interrupt (IVR, EOI) and make it the guest's. */
  private physicalInterrupt(g: VtiState): VtiState {
    const vector = Number(this.exec({ op: 'mov-from-cr', r1: SCRATCH, cr: CR.ivr }));
    if (vector === SPURIOUS) return g;
    this.exec({ op: 'mov-to-cr', cr: CR.eoi, r2: 0 });
    const event: VtiEvent = vector === VMM_TIMER_VECTOR ? { kind: 'timer' } : { kind: 'external-interrupt', vector };
    return this.step(this.guestProfile, g, { kind: 'event', event }).state;
  }

  /**
   * The program starts with the guest already running under the VMM, at the point `g` describes: the
   * machine holds the guest's state as the VMM's last resume left it (the rfi that got it there is
   * not part of the program; it would set CFLE, which is the guest's own here).
   */
  private start(g: VtiState): void {
    this.virt = virtualOf(g);
    const m = machineFor(this.model, g, this.machine);
    const psr = m.cr.get(CR.ipsr) ?? 0n;
    this.machine = { ...withPsr(m, psr), ip: g.ip, lastIp: BASELINE_VTI_LAYOUT.code, rse: { ...m.rse, cfle: g.rse.cfle } };
  }

  /**
   * Resume the guest at `g`: first an interrupt it can now take (natively it would be taken before
   * its next instruction), then its state onto the machine and rfi — the only way back to a lower
   * level without VT, which also sets CFLE.
   */
  private resume(g0: VtiState): void {
    const settled = this.step(this.guestProfile, g0, { kind: 'instruction', instruction: { op: 'nop' } });
    const g = settled.observation.kind === 'interruption' && settled.observation.vector === EXTERNAL_INTERRUPT_OFFSET ? settled.state : g0;
    this.virt = virtualOf(g);
    this.machine = machineFor(this.model, g, this.machine);
    // The VMM's last executed instruction is its own, so the next entry can tell whether the guest
    // completed any instruction of its own in between (split.ts, guestView).
    this.exec({ op: 'ssm', imm24: Number(PSR.ic) });
    this.exec({ op: 'nop' });
    this.exec({ op: 'rfi' });
  }
}
