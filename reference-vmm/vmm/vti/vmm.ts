/**
 * The VT-i VMM: boots one virtual processor on the injected processor step, runs a guest program on
 * it, and handles every entry into the VMM (intercept.ts, interruptions.ts). The processor is
 * whatever `VtiStep` it is given: the reference CPU it is written for, or the model's canonical step.
 */
import type { VtiEvent } from '../../../spec/vti/machine/events.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { describeVtiObservation, type VtiObservation } from '../../../spec/vti/machine/observation.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import { isGuest, type VtiState } from '../../../spec/vti/machine/state.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { boot } from './boot.js';
import type { VtiVmmConfig } from './config.js';
import { guestView } from './guest-view.js';
import { VmmError } from './host.js';
import { handleIntercept, type Handled } from './intercept.js';
import { handleInterruption } from './interruptions.js';
import { guestProfile } from './layout.js';
import { drive } from './drive.js';

export { drive } from './drive.js';
import { nextInstructionAddress, type GuestProgram, type RunEnd } from './program.js';
import type { VmmCounts } from './stats.js';
import type { Vm } from './vm.js';

export interface GuestStep {
  /** The guest instruction completed (natively or emulated). */
  readonly retired: boolean;
  /** Entered the VMM. */
  readonly entered: boolean;
}

export interface VmmRun {
  readonly end: RunEnd;
  readonly retired: number;
  readonly counts: VmmCounts;
  /** The guest's state at the end, in its own terms (guest-view.ts). */
  readonly guest: VtiState;
}

export class VtiVmm {
  private constructor(readonly vm: Vm) {}

  /**
   * Boot the VMM with a guest in `guest` (its own terms: PSR.vm = 0); `fetch` reads the guest's
   * instructions (its code in memory) for the faults that need it (fault-order.ts).
   */
  static boot(step: VtiStep, profile: VtiProfile, config: VtiVmmConfig, guest: VtiState, fetch?: (address: bigint) => VtiInstruction | undefined): VtiVmm {
    const b = boot(step, profile, config, guest, fetch);
    const vmm = new VtiVmm(b.vm);
    vmm.resumed(b.resumed);
    return vmm;
  }

  get state(): VtiState {
    return this.vm.host.state;
  }

  /** What the guest sees of its processor now. */
  guestView(): VtiState {
    return guestView(this.vm);
  }

  counts(): VmmCounts {
    return this.vm.stats.counts();
  }

  private resumed(o: VtiObservation): void {
    if (o.kind !== 'guest-resumed' || !isGuest(this.vm.host.state)) {
      throw new VmmError(`resuming the guest failed: ${describeVtiObservation(o)}`);
    }
  }

  private handled(h: Handled): Handled {
    this.resumed(h.resumed);
    return h;
  }

  /** React to what the processor did while the guest ran. */
  private dispatch(o: VtiObservation): Handled | null {
    switch (o.kind) {
      case 'executed':
      case 'event-absorbed':
        return null;
      case 'intercept':
        return this.handled(handleIntercept(this.vm));
      case 'interruption':
        return this.handled(handleInterruption(this.vm, o.vector));
      case 'virtual-external-interrupt':
        return this.handled(handleInterruption(this.vm, o.vector));
      default:
        throw new VmmError(`unexpected while the guest ran: ${describeVtiObservation(o)}`);
    }
  }

  /** Run guest instruction `i` (the one at the guest's IP) and whatever VMM entry it causes. */
  runInstruction(i: VtiInstruction): GuestStep {
    const h = this.vm.host;
    if (!isGuest(h.state)) throw new VmmError('the guest is not running');
    const r = h.step(h.profile, h.state, { kind: 'instruction', instruction: i });
    h.state = r.state;
    const handled = this.dispatch(r.observation);
    return { retired: handled === null ? r.observation.kind === 'executed' : handled.retired, entered: handled !== null };
  }

  /**
   * Take an interruption due before the guest's next instruction (the processor checks for one
   * before it fetches: a pending external interrupt, or with vac.a_int the Virtual External
   * Interrupt), if there is one; the guest's next instruction is not run.
   */
  takePending(): boolean {
    const h = this.vm.host;
    const peek = h.step(h.profile, h.state, { kind: 'instruction', instruction: { op: 'nop' } });
    if (peek.observation.kind === 'executed') return false;
    h.state = peek.state;
    this.dispatch(peek.observation);
    return true;
  }

  /** Deliver an event from the outside world while the guest runs. */
  deliver(e: VtiEvent): void {
    const h = this.vm.host;
    if (!isGuest(h.state)) throw new VmmError('the guest is not running');
    const r = h.step(h.profile, h.state, { kind: 'event', event: e });
    h.state = r.state;
    this.dispatch(r.observation);
  }
}

/** Run `program` under the VMM on `step`. */
export const runUnderVmm = (step: VtiStep, profile: VtiProfile, config: VtiVmmConfig, program: GuestProgram): VmmRun => {
  const vmm = VtiVmm.boot(step, profile, config, program.initial(guestProfile(profile)), (a) => program.code.get(a));
  const r = drive(program, {
    address: () => nextInstructionAddress(vmm.state),
    instruction: (i) => vmm.runInstruction(i).retired,
    event: (e) => vmm.deliver(e),
    pending: () => vmm.takePending(),
  });
  return { ...r, counts: vmm.counts(), guest: vmm.guestView() };
};
