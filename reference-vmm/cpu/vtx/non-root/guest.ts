/**
 * What every part of the reference CPU's VMX non-root operation reads: the machine, the decoded
 * capabilities, the current VMCS and its control vectors as they take effect (secondary controls
 * only when primary bit 31 is 1), and the two signals an emulator's step is built on:
 * `GuestFault` (an exception raised by an instruction or an access; delivered or exiting later)
 * and `StepDone` (the step has ended with this observation; the machine has already changed).
 */
import { CONTROLS, type ControlName } from '../../../../spec/vtx/controls.js';
import type { EventType, ExitInformation, NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, Registers, VmcsData } from '../machine.js';

export const MASK64 = 0xffff_ffff_ffff_ffffn;
export const bitOf = (value: bigint, n: number): boolean => ((value >> BigInt(n)) & 1n) === 1n;

export const RFLAGS = {
  CF: 1n, PF: 1n << 2n, AF: 1n << 4n, ZF: 1n << 6n, SF: 1n << 7n, TF: 1n << 8n, IF: 1n << 9n, DF: 1n << 10n,
  OF: 1n << 11n, IOPL: 3n << 12n, NT: 1n << 14n, RF: 1n << 16n, VM: 1n << 17n, AC: 1n << 18n,
} as const;

export const CR0 = { PE: 1n, MP: 2n, EM: 4n, TS: 8n, ET: 0x10n, NE: 0x20n, WP: 1n << 16n, AM: 1n << 18n, NW: 1n << 29n, CD: 1n << 30n, PG: 1n << 31n } as const;
export const EFER = { SCE: 1n, LME: 1n << 8n, LMA: 1n << 10n, NXE: 1n << 11n } as const;

/** An exception raised in the guest (vector 0–31) with its error code; #PF carries the linear address. */
export class GuestFault {
  constructor(readonly vector: number, readonly errorCode: number | null, readonly pfAddress?: bigint) {}
}

/** The step is over: the observation, with the machine already in its final state. */
export class StepDone {
  constructor(readonly observation: NonRootObservation) {}
}

/** An event being delivered through the IDT (what IDT-vectoring information reports if delivery exits). */
export interface DeliveredEvent {
  readonly vector: number;
  readonly type: EventType;
  readonly errorCode: number | null;
  /** Software interrupts and software/privileged-software exceptions: the instruction length. */
  readonly length?: number;
  /** #PF: the faulting linear address (CR2 on delivery). */
  readonly pfAddress?: bigint;
  /** The event was injected by VM entry (§26.5): the exception bitmap does not apply to it. */
  readonly injected?: boolean;
  /** A #DB trap for pending debug exceptions: its conditions (B3–B0, BS) for DR6 or the exit qualification. */
  readonly debug?: bigint;
}

export const TYPE_NUMBER: Readonly<Record<EventType, number>> = {
  'external-interrupt': 0, nmi: 2, 'hardware-exception': 3, 'software-interrupt': 4,
  'privileged-software-exception': 5, 'software-exception': 6,
};

/**
 * Faults (Vol. 3A Table 6-1) push RFLAGS with RF = 1 (§17.3.1.1); aborts (#DF, #MC), traps, software
 * events, interrupts and events injected by VM entry push RF as it is (INJECT.SIDEEFFECTS). An exit
 * caused by the event, or during its delivery, saves that RF (§27.3.3; VMEXIT.SAVE.RFLAGS).
 */
export const pushesRfSet = (e: DeliveredEvent): boolean =>
  e.type === 'hardware-exception' && e.injected !== true && ![1, 3, 4, 8, 18].includes(e.vector);

export const isSoftware = (t: EventType): boolean =>
  t === 'software-interrupt' || t === 'privileged-software-exception' || t === 'software-exception';

export class Guest {
  readonly cpu: Registers;
  readonly vmcs: VmcsData;
  readonly pin: bigint;
  readonly proc: bigint;
  readonly proc2: bigint;
  readonly exitControls: bigint;
  /** The event whose delivery is under way, if any (§27.2.3). */
  delivering: DeliveredEvent | null = null;
  /** An IRET in progress removed (virtual-)NMI blocking: bit 12 of the exit information (§27.2.2, §28.2.3.2). */
  iretUnblockedNmi = false;

  constructor(readonly m: Machine, readonly caps: Capabilities) {
    this.cpu = m.cpu;
    this.vmcs = m.region(m.currentVmcs ?? 0n);
    this.pin = this.vmcs.get('PIN_BASED_VM_EXEC_CONTROL');
    this.proc = this.vmcs.get('CPU_BASED_VM_EXEC_CONTROL');
    this.proc2 = bitOf(this.proc, 31) ? this.vmcs.get('SECONDARY_VM_EXEC_CONTROL') : 0n;
    this.exitControls = this.vmcs.get('VM_EXIT_CONTROLS');
  }

  f(name: FieldName): bigint {
    return this.vmcs.get(name);
  }

  on(control: ControlName): boolean {
    const c = CONTROLS[control];
    switch (c.vector) {
      case 'pin': return bitOf(this.pin, c.bit);
      case 'proc': return bitOf(this.proc, c.bit);
      case 'proc2': return bitOf(this.proc2, c.bit);
      case 'exit': return bitOf(this.exitControls, c.bit);
      case 'entry': return bitOf(this.vmcs.get('VM_ENTRY_CONTROLS'), c.bit);
      default: return false;
    }
  }

  get longMode(): boolean {
    return bitOf(this.cpu.efer, 10);
  }

  get mode64(): boolean {
    return this.longMode && this.cpu.csL;
  }

  get protectedMode(): boolean {
    return (this.cpu.cr0 & CR0.PE) !== 0n;
  }

  get v86(): boolean {
    return (this.cpu.rflags & RFLAGS.VM) !== 0n;
  }

  get iopl(): number {
    return Number((this.cpu.rflags >> 12n) & 3n);
  }

  /** General-purpose register `n` (register 4 is RSP). */
  reg(n: number): bigint {
    return n === 4 ? this.cpu.rsp : (this.cpu.gpr[n] ?? 0n);
  }

  setReg(n: number, value: bigint): void {
    if (n === 4) this.cpu.rsp = value & MASK64;
    else this.cpu.gpr[n] = value & MASK64;
  }

  /** A register as an operand of the current operand size: 64 bits in 64-bit mode, else 32 bits. */
  operand(n: number): bigint {
    return this.mode64 ? this.reg(n) : this.reg(n) & 0xffff_ffffn;
  }

  /** Writes a register destination of the current operand size (32-bit writes zero-extend). */
  setOperand(n: number, value: bigint): void {
    if (this.mode64) this.setReg(n, value);
    else this.setReg32(n, value);
  }

  /**
   * A 32-bit register result is zero-extended: in 64-bit mode by the architecture (Vol. 1 §3.4.1.1);
   * outside it the upper half is not visible (undefined), and this CPU clears it the same way.
   */
  setReg32(n: number, value: bigint): void {
    this.setReg(n, value & 0xffff_ffffn);
  }

  /** Adds `delta` to a register used as an address or count: 64-bit in 64-bit mode, else 32-bit (zero-extended). */
  addAddress(n: number, delta: bigint): void {
    if (this.mode64) this.setReg(n, (this.reg(n) + delta) & MASK64);
    else this.setReg32(n, this.reg(n) + delta);
  }
}

/** Exit information with every optional field undefined (null) and no event information. */
export const exitInformation = (reason: number, fields: Partial<ExitInformation> = {}): ExitInformation => ({
  reason,
  qualification: 0n,
  guestLinearAddress: null,
  guestPhysicalAddress: null,
  interruptionInfo: 0,
  interruptionErrorCode: null,
  idtVectoringInfo: 0,
  idtVectoringErrorCode: null,
  instructionLength: null,
  instructionInfo: null,
  ...fields,
});
