/**
 * The VT-x reference VMM as a guest platform (platform.ts): the guest runs in VMX non-root operation
 * on the reference CPU; every VM exit goes to the dispatcher (exits.ts), and before every VM entry the
 * VMM offers the guest a pending virtual interrupt (interrupts.ts). What the guest saw — instructions
 * retired (in hardware, or emulated by the VMM), events delivered through its IDT (by the processor,
 * or injected by the VMM) — is reported in order, so that the run log matches a native run's.
 */
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { NonRootObservation } from '../../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { ActivityState } from '../../../spec/vtx/state.js';
import { GUEST_MEMORY_SIZE, type GuestInitialState } from '../../guests/vtx/program.js';
import { bootVm } from './boot.js';
import type { VtxVmmConfig } from './config.js';
import { dispatch } from './exits.js';
import { guestRegistersOf, type VtxGuestView } from './guest-view.js';
import { VmmError } from './host.js';
import { offerInterrupt } from './interrupts.js';
import { happeningsOf } from './native-platform.js';
import { RETIRED, type GuestPlatform, type Happening } from './platform.js';
import type { Vm } from './vm.js';

const MASK64 = 0xffff_ffff_ffff_ffffn;
const PREEMPTION_TIMER = 1n << 6n;
/** Exits in a row that leave the guest where it was before the VMM gives up (a VMM bug, not a guest's). */
const MAX_RETRIES = 64;

export class VmmPlatform implements GuestPlatform {
  readonly vm: Vm;
  private launched = false;

  constructor(profile: VtxProfile, config: VtxVmmConfig, initial: GuestInitialState) {
    this.vm = bootVm(profile, config, initial);
    const first = this.enter();
    if (first !== null) throw new VmmError('VMLAUNCH delivered an event');
  }

  /** VMLAUNCH/VMRESUME after offering a pending interrupt; returns what the entry's injection did. */
  private enter(): NonRootObservation | null {
    const vm = this.vm;
    if (!vm.stopped) offerInterrupt(vm);
    const r = vm.host.execute({ op: this.launched ? 'VMRESUME' : 'VMLAUNCH' });
    this.launched = true;
    vm.injecting = false;
    return r.injection ?? null;
  }

  /** Handles exits until the guest runs on; returns whether anything happened to the guest. */
  private settle(first: NonRootObservation, out: Happening[]): boolean {
    const before = out.length;
    let o: NonRootObservation | null = first;
    while (o !== null) {
      if (o.kind !== 'vm-exit') {
        out.push(...happeningsOf(o));
        return true;
      }
      const reason = Number(this.vm.f('VM_EXIT_REASON') & 0xffffn);
      this.vm.exits.push(reason);
      // TPR below threshold is trap-like (§29.1.2): the MOV CR8 that caused it has completed.
      if (reason === 43) out.push(RETIRED);
      if (dispatch(this.vm, reason) === 'completed') out.push(RETIRED);
      o = this.enter();
    }
    return out.length > before;
  }

  private run(input: NonRootInput): Happening[] {
    const out: Happening[] = [];
    this.settle(this.vm.host.step(input), out);
    return out;
  }

  rip(): bigint { return this.vm.host.registers.rip; }
  activity(): ActivityState { return this.vm.stopped ? 'shutdown' : this.vm.host.registers.activity; }
  gpr(n: number): bigint { return n === 4 ? this.vm.host.registers.rsp : (this.vm.host.registers.gpr[n] ?? 0n); }

  interrupt(vector: number): Happening[] {
    return this.run({ kind: 'event', event: { kind: 'external-interrupt', vector } });
  }

  nmi(): Happening[] {
    return this.run({ kind: 'event', event: { kind: 'nmi' } });
  }

  /** Polling for the interrupt window (config 'poll'): the one-instruction preemption timer expires here. */
  boundary(): Happening[] {
    if ((this.vm.pin & PREEMPTION_TIMER) === 0n || this.vm.stopped) return [];
    return this.run({ kind: 'event', event: { kind: 'preemption-timer-expiry' } });
  }

  instruction(i: GuestInstruction): Happening[] {
    const out: Happening[] = [];
    for (let n = 0; n < MAX_RETRIES; n++) {
      if (this.settle(this.vm.host.step({ kind: 'instruction', instruction: i }), out)) return out;
    }
    throw new VmmError(`no progress at ${i.op} after ${MAX_RETRIES} exits`);
  }

  /** The guest's registers as its instructions read them (read shadows, its CR3, its TPR, its TSC) and its memory. */
  view(): Pick<VtxGuestView, 'registers' | 'memory' | 'output'> {
    const vm = this.vm;
    const s = vm.host.snapshot();
    const c = s.cpu;
    const memory = new Map<bigint, bigint>();
    for (const [a, v] of s.memory) {
      if (a >= vm.base && a < vm.base + GUEST_MEMORY_SIZE && v !== 0n) memory.set(a - vm.base, v);
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
      activity: vm.stopped ? 'shutdown' : c.activity,
    });
    return { registers, memory: sorted, output: [...vm.device.output] };
  }
}
