/**
 * What every emulation shares: its result, operand access on the guest's registers, and the checks
 * an emulation makes that the processor left to the VMM (NaT sources of intercepted instructions,
 * the guest's virtual PSR.ic, the guest's implemented addresses).
 */
import type { FaultName } from '../../../../spec/vti/machine/faults.js';
import type { Gr } from '../../../../spec/vti/machine/state.js';
import { bits } from '../bits.js';
import type { Entry, GuestContinuation, Vm } from '../vm.js';

export type Emulation =
  /**
   * The instruction completed: the guest continues at the next slot with PSR `psr` (default: the
   * PSR at the entry), and the machine IFS `ifs` for the resume (default: no frame to restore).
   */
  | { readonly kind: 'completed'; readonly psr?: bigint; readonly ifs?: bigint }
  /**
   * The instruction completed and transferred control itself (rfi); `trap` when the target takes an
   * Unimplemented Instruction Address trap there.
   */
  | { readonly kind: 'transferred'; readonly to: GuestContinuation; readonly trap?: { readonly fault: FaultName; readonly ifa: bigint } }
  /** The instruction faults in the guest: the fault is delivered to the guest's IVT. */
  | ({ readonly kind: 'fault'; readonly fault: FaultName } & FaultDetails);

/** What a fault writes besides its vector: IFA, ITIR, IHA, the ISR bits above the code, or another ISR.code. */
export interface FaultDetails {
  readonly ifa?: bigint;
  readonly itir?: bigint;
  readonly iha?: bigint;
  readonly isrBits?: bigint;
  readonly isrCode?: number;
}

export const completed: Emulation = { kind: 'completed' };
export const fault = (name: FaultName, extra: FaultDetails = {}): Emulation => ({ kind: 'fault', fault: name, ...extra });

/** Arguments every emulation gets. */
export interface Emu {
  readonly vm: Vm;
  readonly entry: Entry;
}

export const src = (e: Emu, r: number): Gr => e.vm.host.guestGr(r);
export const val = (e: Emu, r: number): bigint => src(e, r).value;

export const setResult = (e: Emu, r1: number, value: bigint, nat = false): void => {
  e.vm.host.setGuestGr(r1, { value: value & ((1n << 64n) - 1n), nat });
};

/**
 * Register NaT Consumption fault when a consumed source is NaT: the processor leaves this check of
 * an intercepted instruction to the VMM (rules VTI.NATIVE.NAT_CONSUMPTION).
 */
export const natConsumption = (e: Emu, regs: readonly number[]): Emulation | null =>
  regs.some((r) => src(e, r).nat) ? fault('registerNatConsumption') : null;

/** The guest's (virtual) PSR.ic at the intercepted instruction. */
export const guestIc = (e: Emu): boolean => bits(e.entry.guestPsr, 13, 13) === 1n;

/**
 * `addr` is implemented on the processor the guest is told it has: bits 60:IMPL_VA_MSB equal bit
 * IMPL_VA_MSB (SDM 2:§4.1.1.6), with the guest's IMPL_VA_MSB one below the machine's.
 */
export const guestImplemented = (e: Emu, addr: bigint): boolean => {
  const msb = e.vm.guestProfile.implVaMsb;
  const high = bits(addr, 60, msb);
  return high === 0n || high === (1n << BigInt(61 - msb)) - 1n;
};
