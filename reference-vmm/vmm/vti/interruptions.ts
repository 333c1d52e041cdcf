/**
 * Every other way the guest enters the VMM: an IVA-based interruption at the host IVT (the VP's
 * IVA, SDM 2:332).
 *
 * - External interrupt (0x3000): the VMM acknowledges it on the machine and pends it in the guest's
 *   LSAPIC, to be delivered only when the guest has it unmasked (ITJ, "External and PAL-Based Interruption Handling"; LK/XEN vlsapic).
 * - Virtual External Interrupt (0x3400): the guest unmasked the interrupt the VMM announced with
 *   PAL_VPS_SET_PENDING_INTERRUPT; the VMM delivers it as the guest's External Interrupt (LK
 *   kvm_vexirq, XEN vmx_vexirq).
 * - A data TLB miss of the guest's probe, taken in the machine's TLB (the VMM's): answered from the
 *   guest's TLB (tlb-miss.ts), never reflected with the machine's ITIR and IHA.
 * - Anything else is the guest's own fault or trap: reflected to the guest's IVT with the
 *   interruption resources the processor wrote for it (LK/XEN reflect_interruption), or, where the
 *   guest's own processor would have taken another fault, that one (fault-order.ts).
 */
import { psrRi } from './bits.js';
import { enter } from './entry.js';
import type { Handled } from './intercept.js';
import { inject, injectFault } from './inject.js';
import { guestFaultInstead } from './fault-order.js';
import { leave } from './leave.js';
import { resolveProbeMiss } from './tlb-miss.js';
import { pend, SPURIOUS } from './vlsapic.js';
import type { Entry, GuestContinuation, Vm } from './vm.js';

const CR = { ifa: 20, itir: 21, iim: 24, iha: 25, ivr: 65, eoi: 67 } as const;
const ISR_EI_NI = (3n << 41n) | (1n << 39n);

const where = (entry: Entry): GuestContinuation => ({ ip: entry.iip, ri: psrRi(entry.ipsr), psr: entry.guestPsr });

const externalInterrupt = (vm: Vm, entry: Entry): Handled => {
  const vector = Number(vm.host.movFromCr(CR.ivr));
  // Devices and the interval timer (programmed with the guest's ITV) interrupt the guest with their
  // own vectors: the VMM forwards the vector to the guest's LSAPIC.
  if (vector !== SPURIOUS) {
    vm.host.movToCr(CR.eoi, 0n);
    pend(vm, vector);
  }
  return { retired: false, resumed: leave(vm, where(entry), { deliverInterruptsNow: true }) };
};

const ISR_ACCESS = (1n << 33n) | (1n << 34n) | (1n << 35n);

/**
 * The interruption resources a vector writes besides ISR (SDM 2:§8 vector descriptions): IFA for
 * the translation, access-right, reference and unimplemented-address vectors — among General
 * Exceptions only the Unimplemented Data Address fault, which shares ISR.code 0x30 with Reserved
 * Register/Field but comes with ISR.r, w or na; ITIR for the TLB vectors; IHA where the VHPT walker
 * was involved; IIM for Break Instruction and Speculation.
 */
const resources = (vector: number, isr: bigint): { ifa: boolean; itir: boolean; iha: boolean; iim: boolean } => {
  const code = Number(isr & 0xf0n);
  const translation = vector <= 0x2800 && vector !== 0x2c00;
  const pageLevel = vector >= 0x5000 && vector <= 0x5300;
  return {
    ifa: translation || pageLevel || vector === 0x5a00 || vector === 0x5b00 ||
      (vector === 0x5400 && code === 0x30 && (isr & ISR_ACCESS) !== 0n) || (vector === 0x5e00 && (code & 0x10) !== 0) ||
      (vector === 0x5600 && code !== 0x10),
    itir: translation || pageLevel,
    iha: vector === 0x0000 || vector === 0x0400 || vector === 0x0800,
    iim: vector === 0x2c00 || vector === 0x5700,
  };
};

const reflect = (vm: Vm, entry: Entry): Handled => {
  const instead = guestFaultInstead(vm, entry);
  if (instead !== null) return { retired: false, resumed: leave(vm, injectFault(vm, { iip: entry.iip, ri: psrRi(entry.ipsr), psr: entry.guestPsr }, instead)) };
  const w = resources(entry.vector, entry.isr);
  // What the vector writes, or what changed since the resume (a processor reporting an address the
  // table does not expect, e.g. checking a purge's address before intercepting it).
  const written = (k: 'ifa' | 'itir' | 'iha' | 'iim', byVector: boolean) => {
    const v = entry[k] ?? (byVector ? vm.host.cr(CR[k]) : null);
    return v === null ? {} : { [k]: v };
  };
  const cont = inject(vm, {
    vector: entry.vector,
    isr: entry.isr & ~ISR_EI_NI,
    iip: entry.iip,
    ri: psrRi(entry.ipsr),
    ei: Number((entry.isr >> 41n) & 3n),
    psr: entry.guestPsr,
    ...written('ifa', w.ifa),
    ...written('itir', w.itir),
    ...written('iha', w.iha),
    ...written('iim', w.iim),
  });
  return { retired: false, resumed: leave(vm, cont) };
};

export const handleInterruption = (vm: Vm, vector: number): Handled => {
  const entry = enter(vm, vector);
  if (vector === 0x3000) return externalInterrupt(vm, entry);
  if (vector === 0x3400) return { retired: false, resumed: leave(vm, where(entry), { deliverInterruptsNow: true }) };
  return resolveProbeMiss(vm, entry) ?? reflect(vm, entry);
};
