/**
 * One virtual machine: the VMM's processor (host.ts), the configuration, and the software state the
 * VMM keeps beside the VMCS — the virtual interrupt controller, the emulated device, the guest's
 * TPR (with CR8 exiting) and CR3 (with shadow paging), the FPU bookkeeping, the exit counts — with
 * the small operations every exit handler uses: reading the guest's view of CR0/CR4, completing an
 * emulated instruction, injecting an event, toggling a control.
 */
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { EventType } from '../../../spec/vtx/non-root/observation.js';
import type { ControlName } from '../../../spec/vtx/controls.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { Capabilities } from '../../cpu/vtx/capabilities.js';
import { nativeProfile } from '../../cpu/vtx/native/index.js';
import type { VtxVmmConfig } from './config.js';
import { controlBit } from './controls.js';
import { SerialDevice } from './device.js';
import { GuestMemory } from './guest-memory.js';
import type { VmxHost } from './host.js';
import { InterruptController } from './interrupt-controller.js';

export const RF = 1n << 16n;
const TF = 1n << 8n;
/** Pending debug exceptions: BS, the single-step condition (Table 24-4). */
const PENDING_BS = 1n << 14n;
export const IF = 1n << 9n;
export const CR0_TS = 8n;

export interface InjectedEvent {
  readonly vector: number;
  readonly type: EventType;
  readonly errorCode: number | null;
  /** Software interrupts and exceptions: the instruction length (pushed RIP = RIP + length). */
  readonly length?: number;
}

const TYPE_NUMBER: Readonly<Record<EventType, bigint>> = {
  'external-interrupt': 0n, nmi: 2n, 'hardware-exception': 3n, 'software-interrupt': 4n,
  'privileged-software-exception': 5n, 'software-exception': 6n,
};

/** Exceptions whose delivery pushes RF = 1: the faults (Vol. 3A §17.3.1.1; not #DB, #BP, #OF, #DF, #MC). */
const isFault = (e: InjectedEvent): boolean => e.type === 'hardware-exception' && ![1, 3, 4, 8, 18].includes(e.vector);

export interface FpuBook {
  /** The physical FPU holds the guest's context. */
  loaded: boolean;
  /** The paper's recipe is in force: CR0.TS, exception-bitmap bit 7 and the TS mask bit set. */
  armed: boolean;
  restores: number;
  saves: number;
  /** #NM exits: reflected to the guest, and restores (the recipe's second case). */
  nmReflected: number;
  nmRestored: number;
  /** Eager: FPU context switches at guest CR0.TS changes. */
  eagerSwitches: number;
}

export class Vm {
  readonly vic = new InterruptController();
  readonly device = new SerialDevice();
  /** Exit reasons in the order they happened. */
  readonly exits: number[] = [];
  /** The native processor the guest is told it has: its capabilities decide the guest's own faults. */
  readonly guestCaps: Capabilities;
  /** Host-physical address of guest-physical 0. */
  readonly base: bigint;
  vTpr = 0n;
  vCr3 = 0n;
  /**
   * RFLAGS.TF as the exiting instruction began (GUEST_RFLAGS at the exit, before any emulation writes
   * it): an instruction the VMM completes then leaves a single-step trap pending (completeInstruction).
   */
  singleStep = false;
  /** The guest's PDPTE registers under shadow paging with PAE paging (pae.ts; with EPT the processor holds them). */
  guestPdptes: bigint[] = [0n, 0n, 0n, 0n];
  /** The guest's physical memory: the initial block at `base`, the rest backed on demand (guest-memory.ts). */
  readonly memory: GuestMemory;
  /**
   * Bits 63:32 of the guest's IA32_SYSENTER_CS, which the guest-state field (32 bits) cannot hold:
   * the VMM intercepts the MSR and keeps them here (msr.ts).
   */
  sysenterCsHigh = 0n;
  readonly fpu: FpuBook = { loaded: false, armed: false, restores: 0, saves: 0, nmReflected: 0, nmRestored: 0, eagerSwitches: 0 };
  /** Cached control values and masks (the VMM writes them; reading them back would be VMREADs). */
  pin = 0n;
  proc = 0n;
  exceptionBitmap = 0n;
  cr0Mask = 0n;
  cr4Mask = 0n;
  /** An event is set up for the next VM entry. */
  injecting = false;
  /** The guest is dead (triple fault): the VMM keeps it in the shutdown state. */
  stopped = false;
  readonly cr0Fixed0: bigint;
  readonly cr0Fixed1: bigint;
  readonly cr4Fixed0: bigint;
  readonly cr4Fixed1: bigint;

  constructor(readonly host: VmxHost, readonly profile: VtxProfile, readonly config: VtxVmmConfig) {
    this.guestCaps = new Capabilities(nativeProfile(profile));
    this.base = config.guestBase;
    this.memory = new GuestMemory(config.guestBase, this.guestCaps.maxPhysAddr);
    const m = profile.msrs;
    this.cr0Fixed0 = m.IA32_VMX_CR0_FIXED0;
    this.cr0Fixed1 = m.IA32_VMX_CR0_FIXED1;
    this.cr4Fixed0 = m.IA32_VMX_CR4_FIXED0;
    this.cr4Fixed1 = m.IA32_VMX_CR4_FIXED1;
  }

  /** Fields as the VMM last wrote them: what it knows while the guest runs (VMREAD works in VMX root only). */
  private readonly written = new Map<FieldName, bigint>();

  f(name: FieldName): bigint { return this.host.vmread(name); }
  w(name: FieldName, v: bigint): void { this.host.vmwrite(name, v); this.written.set(name, v); }
  /** The value the VMM last wrote to a control field (read shadows, masks, TSC offset). */
  wrote(name: FieldName): bigint { return this.written.get(name) ?? 0n; }

  /** CR0 as the guest reads it: the read shadow where the guest/host mask is 1 (§25.3). */
  guestCr0(): bigint {
    return (this.f('GUEST_CR0') & ~this.cr0Mask) | (this.f('CR0_READ_SHADOW') & this.cr0Mask);
  }

  guestCr4(): bigint {
    return (this.f('GUEST_CR4') & ~this.cr4Mask) | (this.f('CR4_READ_SHADOW') & this.cr4Mask);
  }

  guestCpl(): number { return Number((this.f('GUEST_SS_AR_BYTES') >> 5n) & 3n); }
  guestLongMode(): boolean { return ((this.f('GUEST_IA32_EFER') >> 10n) & 1n) === 1n; }

  setControl(c: ControlName, on: boolean): void {
    const bit = controlBit(c);
    if (c.startsWith('pin.')) {
      const v = on ? this.pin | bit : this.pin & ~bit;
      if (v !== this.pin) { this.pin = v; this.w('PIN_BASED_VM_EXEC_CONTROL', v); }
    } else {
      const v = on ? this.proc | bit : this.proc & ~bit;
      if (v !== this.proc) { this.proc = v; this.w('CPU_BASED_VM_EXEC_CONTROL', v); }
    }
  }

  setExceptionBit(vector: number, on: boolean): void {
    const v = on ? this.exceptionBitmap | (1n << BigInt(vector)) : this.exceptionBitmap & ~(1n << BigInt(vector));
    if (v !== this.exceptionBitmap) { this.exceptionBitmap = v; this.w('EXCEPTION_BITMAP', v); }
  }

  setCr0Mask(v: bigint): void { if (v !== this.cr0Mask) { this.cr0Mask = v; this.w('CR0_GUEST_HOST_MASK', v); } }

  /** RFLAGS.TF of the guest as the exiting instruction began (GUEST_RFLAGS before any emulation). */
  tfAtExit(): boolean {
    return (this.f('GUEST_RFLAGS') & TF) !== 0n;
  }

  /**
   * The emulated instruction completed: RIP moves past it (VM-exit instruction length, §27.2.4), the
   * STI/MOV-SS blocking it was under ends with it, and RF is cleared as at any instruction completion.
   */
  completeInstruction(): void {
    this.w('GUEST_RIP', this.f('GUEST_RIP') + this.f('VM_EXIT_INSTRUCTION_LEN'));
    // Natively the instruction would have completed with TF = 1 and trapped after itself (Vol. 3B
    // §17.3.1.4): BS in the pending debug exceptions makes the processor deliver that #DB after VM
    // entry (§26.6.3), and keeps the entry check on BS and TF satisfied (§26.3.1.5).
    if (this.singleStep) this.w('GUEST_PENDING_DBG_EXCEPTIONS', this.f('GUEST_PENDING_DBG_EXCEPTIONS') | PENDING_BS);
    const i = this.f('GUEST_INTERRUPTIBILITY_INFO');
    if ((i & 3n) !== 0n) this.w('GUEST_INTERRUPTIBILITY_INFO', i & ~3n);
    const fl = this.f('GUEST_RFLAGS');
    if ((fl & RF) !== 0n) this.w('GUEST_RFLAGS', fl & ~RF);
  }

  /**
   * Event injection at the next VM entry (§24.8.3, §26.5). A fault delivered by the processor pushes
   * RFLAGS with RF = 1; an injected event pushes RF as it is, so the VMM sets RF for faults, and the
   * guest's handler sees the frame the native fault would have pushed.
   */
  inject(e: InjectedEvent, again = false): void {
    const info = BigInt(e.vector & 0xff) | (TYPE_NUMBER[e.type] << 8n) | (e.errorCode === null ? 0n : 1n << 11n) | (1n << 31n);
    this.w('VM_ENTRY_INTR_INFO_FIELD', info);
    if (e.errorCode !== null) this.w('VM_ENTRY_EXCEPTION_ERROR_CODE', BigInt(e.errorCode >>> 0));
    if (e.length !== undefined) this.w('VM_ENTRY_INSTRUCTION_LEN', BigInt(e.length));
    if (isFault(e)) this.w('GUEST_RFLAGS', this.f('GUEST_RFLAGS') | RF);
    // Delivering an event again after an exit that interrupted it: the exit saved RF as for the fault
    // that caused it; an interrupt or trap taken at a boundary pushes the RF of that boundary, which is
    // 0 once an instruction has completed (Vol. 3A §17.3.1.1; a choice: RF set by IRET is not tracked).
    else if (again && (this.f('GUEST_RFLAGS') & RF) !== 0n) this.w('GUEST_RFLAGS', this.f('GUEST_RFLAGS') & ~RF);
    this.injecting = true;
  }

  /** A #GP(0) or #UD the native processor would raise for the instruction that exited. */
  fault(vector: 6 | 13, errorCode: number | null = vector === 13 ? 0 : null): void {
    this.inject({ vector, type: 'hardware-exception', errorCode });
  }

  /** The guest's TPR class (CR8) as it has set it. */
  tprClass(): number {
    return this.config.tpr === 'tpr-shadow' ? Number((this.host.readBytes(this.virtualApicTpr(), 1) >> 4n) & 0xfn) : Number(this.vTpr & 0xfn);
  }

  virtualApicTpr(): bigint { return this.virtualApic + 0x80n; }
  virtualApic = 0n;

  /** Guest-physical → host-physical (the VMM's own map of the guest's memory; backs the page if it has no frame yet). */
  hpa(gpa: bigint): bigint { return this.memory.hpa(gpa); }
}
