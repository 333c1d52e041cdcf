/**
 * A guest on a machine of its own: the native CPU (reference-vmm/cpu/vtx/native) behind an interrupt
 * controller (interrupt-controller.ts) that offers the highest pending external interrupt above the
 * guest's TPR (CR8) once the processor can take it — IF = 1, no blocking by STI or MOV SS, active or
 * halted (Vol. 3A §6.8.3, Table 24-3) — so an interrupt is handed over exactly at the boundary where
 * it is delivered. NMIs go straight to the processor. At each boundary the processor first takes what
 * it holds itself — a debug trap, an NMI that an IRET unblocked — which outranks the controller's
 * interrupt (Vol. 3A §6.9 Table 6-2), and it does so even where the code ends: the boundary comes
 * before the fetch.
 */
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { NonRootObservation } from '../../../spec/vtx/non-root/observation.js';
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { ActivityState } from '../../../spec/vtx/state.js';
import { NativeVtxCpu } from '../../cpu/vtx/native/index.js';
import type { GuestInitialState } from '../../guests/vtx/program.js';
import { guestRegistersOf, type VtxGuestView } from './guest-view.js';
import { SerialDevice } from './device.js';
import { InterruptController } from './interrupt-controller.js';
import { RETIRED, type GuestPlatform, type Happening } from './platform.js';

const IF = 1n << 9n;
/** The processor at the boundary, no instruction run: the VMX-preemption-timer latch is a no-op natively (cpu/vtx/native). */
const AT_BOUNDARY = { kind: 'event', event: { kind: 'preemption-timer-expiry' } } as const;

export const happeningsOf = (o: NonRootObservation): Happening[] => {
  switch (o.kind) {
    case 'retired': return [RETIRED];
    case 'delivered': return [{ kind: 'delivered', vector: o.vector, type: o.type, errorCode: o.errorCode }];
    default: return [];
  }
};

export class NativePlatform implements GuestPlatform {
  readonly cpu: NativeVtxCpu;
  readonly apic = new InterruptController();
  readonly device = new SerialDevice();

  constructor(profile: VtxProfile, initial: GuestInitialState) {
    this.cpu = new NativeVtxCpu(profile, {
      vmx: 'outside', cpu: initial.cpu, vmxonPointer: null, currentVmcs: null, dualMonitorActive: false,
      vmcs: new Map(), memory: initial.memory,
    }, this.device);
  }

  rip(): bigint { return this.cpu.registers.rip; }
  activity(): ActivityState { return this.cpu.registers.activity; }
  gpr(n: number): bigint { return n === 4 ? this.cpu.registers.rsp : (this.cpu.registers.gpr[n] ?? 0n); }

  interrupt(vector: number): Happening[] {
    this.apic.raise(vector);
    return [];
  }

  nmi(): Happening[] {
    return happeningsOf(this.cpu.step({ kind: 'event', event: { kind: 'nmi' } }).observation);
  }

  boundary(): Happening[] {
    const own = happeningsOf(this.cpu.step(AT_BOUNDARY).observation);
    if (own.length > 0) return own;
    const r = this.cpu.registers;
    const v = this.apic.deliverable(Number(r.cr8 & 0xfn));
    const interruptible = (r.rflags & IF) !== 0n && !r.blockingBySti && !r.blockingByMovSs && (r.activity === 'active' || r.activity === 'hlt');
    if (v === null || !interruptible) return [];
    this.apic.take(v);
    return happeningsOf(this.cpu.step({ kind: 'event', event: { kind: 'external-interrupt', vector: v } }).observation);
  }

  instruction(i: GuestInstruction): Happening[] {
    return happeningsOf(this.cpu.step({ kind: 'instruction', instruction: i }).observation);
  }

  view(): Pick<VtxGuestView, 'registers' | 'memory' | 'output'> {
    const s = this.cpu.snapshot();
    // All of physical memory is the guest's (up to MAXPHYADDR, zeros where never written).
    const memory = new Map([...s.memory].filter(([, v]) => v !== 0n).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    return { registers: guestRegistersOf(s.cpu), memory, output: [...this.device.output] };
  }
}
