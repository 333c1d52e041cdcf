/**
 * A software-only VMM for IA-32 (ITJ, "Challenges to Virtualizing Intel Architectures"): classic
 * trap-and-emulate with ring deprivileging, no VT-x. The guest runs on the native processor
 * (NativeVtxCpu) at level 1 (0/1/3) or 3 (0/3/3) with the VMM's descriptor tables, TSS, SYSENTER MSRs
 * and shadow page tables; the VMM — TypeScript standing for code at level 0 in the top 4 MiB of the
 * guest's linear-address space (layout.ts) — gets control only when the processor delivers an
 * interruption through the VMM's IDT, or when a guest SYSENTER lands at the VMM's entry point. Then it
 *
 * 1. rebuilds the guest's processor (split.ts) from the registers the guest had at that instruction
 *    (what the VMM's entry stub saves and the interruption frame holds) and its own copy;
 * 2. handles the entry: a physical interrupt becomes pending in the VMM's virtual interrupt
 *    controller; a page fault is reflected to the guest as its own (reflect.ts), or becomes the #GP
 *    of a data segment the VMM could not reload (hidden.ts); anything else — a privileged
 *    instruction's #GP, INT n, SYSENTER — is emulated by running the instruction on the guest's own
 *    processor at its own level (NativeVtxCpu on the guest's view), so emulation is exact;
 * 3. offers a virtual interrupt the guest can now take, and resumes it: descriptor tables and shadow
 *    page tables rebuilt, data segments reloaded from the guest's GDT, registers loaded as the VMM's
 *    IRET would load them (the abstract CPU's IRET is 64-bit only, so the VMM writes them).
 *
 * What never reaches the VMM is the paper's list of holes on IA-32: PUSH CS shows the level the guest
 * runs at (ring aliasing); SGDT, SIDT, SLDT, STR and SMSW read the machine's registers without
 * faulting (non-faulting access to privileged state); POPF below IOPL silently keeps IF (interrupt
 * virtualization); the guest can address the VMM's 4 MiB (address-space compression); in 0/3/3 its
 * kernel pages are open to its applications (ring compression); a changed descriptor is found at the
 * next resume (hidden state); and SYSENTER, CLI/STI and every CR8 access cost a VMM entry (guest
 * system calls, frequent access to privileged resources) — counted by cause in `entries`.
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { NonRootInput } from '../../../../spec/vtx/guest/events.js';
import type { NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../../../spec/vtx/profile.js';
import type { ActivityState, CpuRegisters, VtxState } from '../../../../spec/vtx/state.js';
import { NativeVtxCpu } from '../../../cpu/vtx/native/index.js';
import type { Registers } from '../../../cpu/vtx/machine.js';
import { GUEST_MEMORY_SIZE, type GuestInitialState } from '../../../guests/vtx/program.js';
import { SerialDevice } from '../../vtx/device.js';
import { guestRegistersOf, type VtxGuestView } from '../../vtx/guest-view.js';
import { InterruptController } from '../../vtx/interrupt-controller.js';
import { happeningsOf } from '../../vtx/native-platform.js';
import { RETIRED, type GuestPlatform, type Happening } from '../../vtx/platform.js';
import type { DeprivilegingModel } from '../deprivileging.js';
import { DATA_SEGMENTS, reloadDataSegments, type DataSegment } from './hidden.js';
import { UNUSABLE_SEGMENT_BASE } from './layout.js';
import { reflectException } from './reflect.js';
import { buildShadow } from './shadow.js';
import { guestView, isIa32e, machineRegisters, type Virtual } from './split.js';
import { writeVmmTables } from './tables.js';

const IF = 1n << 9n;
const VECTOR_NAMES: Readonly<Record<number, string>> = {
  0: '#DE', 1: '#DB', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF', 10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF',
  16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
};

/** The registers as they are, copied (the machine's are live). */
const copy = (r: Readonly<Registers>): CpuRegisters => ({
  ...r, msrs: new Map(r.msrs), gpr: [...r.gpr], dr: [...r.dr], segments: { ...r.segments }, gdtr: { ...r.gdtr }, idtr: { ...r.idtr }, pending: { ...r.pending },
});

const outside = (cpu: CpuRegisters, memory: ReadonlyMap<bigint, bigint>): VtxState =>
  ({ vmx: 'outside', cpu, memory, vmxonPointer: null, currentVmcs: null, dualMonitorActive: false, vmcs: new Map() });

const guestMemory = (m: ReadonlyMap<bigint, bigint>): Map<bigint, bigint> => new Map([...m].filter(([a]) => a < GUEST_MEMORY_SIZE));

export class SoftwareVtxPlatform implements GuestPlatform {
  private cpu: NativeVtxCpu;
  /** The VMM's copy of the guest's privileged registers (split.ts). */
  private v: Virtual;
  private unusable: ReadonlySet<DataSegment> = new Set();
  /** The VMM's virtual interrupt controller: physical interrupts wait here for the guest. */
  readonly pic = new InterruptController();
  readonly device = new SerialDevice();
  /** Every VMM entry, by cause, in order. */
  readonly entries: string[] = [];

  constructor(readonly profile: VtxProfile, readonly model: DeprivilegingModel, initial: GuestInitialState) {
    this.v = initial.cpu;
    // The program starts with the guest already running under the VMM (no resume has reloaded anything yet).
    this.cpu = this.load({ ...outside(initial.cpu, initial.memory) }, false);
  }

  rip(): bigint { return this.cpu.registers.rip; }
  activity(): ActivityState { return this.v.activity; }
  gpr(n: number): bigint { return n === 4 ? this.cpu.registers.rsp : (this.cpu.registers.gpr[n] ?? 0n); }

  interrupt(vector: number): Happening[] {
    return this.machineStep({ kind: 'event', event: { kind: 'external-interrupt', vector } }, null);
  }

  nmi(): Happening[] {
    return this.machineStep({ kind: 'event', event: { kind: 'nmi' } }, null);
  }

  /** Nothing happens between instructions without the VMM: it acts only when entered. */
  boundary(): Happening[] { return []; }

  instruction(i: GuestInstruction): Happening[] {
    return this.machineStep({ kind: 'instruction', instruction: i }, i);
  }

  view(): Pick<VtxGuestView, 'registers' | 'memory' | 'output'> {
    const s = this.cpu.snapshot();
    const memory = new Map([...s.memory].filter(([a, w]) => a < GUEST_MEMORY_SIZE && w !== 0n).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    return { registers: guestRegistersOf(guestView(this.model, s.cpu, this.v)), memory, output: [...this.device.output] };
  }

  /** The guest's processor now (for tests): its registers and memory as it would see them. */
  guestState(): VtxState {
    const s = this.cpu.snapshot();
    return outside(guestView(this.model, s.cpu, this.v), guestMemory(s.memory));
  }

  private machineStep(input: NonRootInput, i: GuestInstruction | null): Happening[] {
    const before = copy(this.cpu.registers);
    const o = this.cpu.step(input).observation;
    // The guest's own instruction completed, at its deprivileged level.
    if (o.kind === 'retired' && this.cpu.registers.cpl !== 0) return [RETIRED];
    if (o.kind === 'pending' || o.kind === 'inactive') return [];
    if (o.kind !== 'retired' && o.kind !== 'delivered') throw new Error(`software-only VMM: the native CPU reported ${o.kind}`);
    return this.enter(o, before, i);
  }

  /** The machine is at level 0 in the VMM (an interruption through its IDT, or SYSENTER). */
  private enter(o: Extract<NonRootObservation, { kind: 'retired' | 'delivered' }>, before: CpuRegisters, i: GuestInstruction | null): Happening[] {
    const s = this.cpu.snapshot();
    const g = outside(guestView(this.model, before, this.v), guestMemory(s.memory));
    let after: VtxState;
    const seen: Happening[] = [];
    if (o.kind === 'retired') {
      this.entries.push('SYSENTER');
      after = this.emulate(g, i, seen);
    } else if (o.type === 'external-interrupt') {
      this.entries.push('external interrupt');
      this.pic.raise(o.vector);
      after = g;
    } else if (o.type === 'nmi') {
      this.entries.push('NMI');
      after = this.run(g, { kind: 'event', event: { kind: 'nmi' } }, seen);
    } else if (o.vector === 14) {
      this.entries.push('#PF');
      after = this.pageFault(g, s.cpu.cr2, o.errorCode ?? 0, seen);
    } else {
      this.entries.push(VECTOR_NAMES[o.vector] ?? `vector ${o.vector}`);
      after = this.emulate(g, i, seen);
    }
    after = this.offerInterrupt(after, seen);
    this.cpu = this.load(after, true);
    return seen;
  }

  private run(g: VtxState, input: NonRootInput, seen: Happening[]): VtxState {
    const cpu = new NativeVtxCpu(this.profile, g, this.device);
    seen.push(...happeningsOf(cpu.step(input).observation));
    return cpu.snapshot();
  }

  /** The instruction the machine stopped at, run on the guest's own processor at its own level. */
  private emulate(g: VtxState, i: GuestInstruction | null, seen: Happening[]): VtxState {
    if (i === null) throw new Error('software-only VMM: entered with no instruction to emulate');
    return this.run(g, { kind: 'instruction', instruction: i }, seen);
  }

  /**
   * A page fault is the guest's own — the shadow tables mirror its tables — and is reflected with
   * the error code's U/S bit of the guest's own level; or it comes from a data segment the VMM could
   * not reload (hidden.ts), and is the #GP(0) that a null segment register raises.
   */
  private pageFault(g: VtxState, address: bigint, errorCode: number, seen: Happening[]): VtxState {
    const poisoned = this.unusable.size > 0 && address >= UNUSABLE_SEGMENT_BASE && address - UNUSABLE_SEGMENT_BASE < 0x8000_0000n;
    const e = poisoned ? { vector: 13, errorCode: 0 } : { vector: 14, errorCode: (errorCode & ~4) | (g.cpu.cpl === 3 ? 4 : 0), address };
    const r = reflectException(this.profile, g, e);
    seen.push(...happeningsOf(r.observation));
    return r.state;
  }

  /** The highest virtual interrupt the guest can take now (IF, no interrupt shadow, TPR), delivered through its IDT. */
  private offerInterrupt(g: VtxState, seen: Happening[]): VtxState {
    const c = g.cpu;
    const v = this.pic.deliverable(Number(c.cr8 & 0xfn));
    const interruptible = (c.rflags & IF) !== 0n && !c.blockingBySti && !c.blockingByMovSs && (c.activity === 'active' || c.activity === 'hlt');
    if (v === null || !interruptible) return g;
    this.pic.take(v);
    return this.run(g, { kind: 'event', event: { kind: 'external-interrupt', vector: v } }, seen);
  }

  /**
   * The machine running guest `g`: the VMM's tables and shadow page tables built from the guest's,
   * its data segments reloaded from its GDT (on every resume; not at the program's start, where the
   * guest is already running), its registers as the machine runs them.
   */
  private load(g: VtxState, reload: boolean): NativeVtxCpu {
    const ia32e = isIa32e(g.cpu);
    const memory = guestMemory(g.memory);
    const vmm = new Map<bigint, bigint>();
    writeVmmTables(vmm, memory, g.cpu, this.model, ia32e);
    const root = buildShadow(vmm, memory, g.cpu.cr3, ia32e, this.model);
    let cpu = g.cpu;
    let data = {};
    this.unusable = new Set();
    if (reload) {
      const r = reloadDataSegments(memory, g.cpu, ia32e);
      cpu = { ...cpu, segments: { ...cpu.segments, ...r.guest } };
      data = { ...r.guest, ...r.machine };
      this.unusable = r.unusable;
    } else {
      data = Object.fromEntries(DATA_SEGMENTS.map((k) => [k, cpu.segments[k]]));
    }
    this.v = cpu;
    for (const [a, w] of vmm) memory.set(a, w);
    return new NativeVtxCpu(this.profile, outside(machineRegisters(this.model, cpu, root, data), memory), this.device);
  }
}
