/**
 * The virtualization intercept handler (host IVT + 0x6100; SDM §11.7.3). It decodes the instruction
 * from the opcode in GR25, counts the intercept by the cause in GR24, emulates the instruction with
 * every architectural side effect, and resumes the guest: at the next slot when the instruction
 * completed, where it sent control (rfi), or at the guest's own handler when it faults there.
 *
 * The side effect ITJ singles out ("Instruction Emulation"): an instruction that completes with the
 * guest's PSR.ic = 1 becomes its last successfully executed instruction, which the guest's next
 * interruption records in cr.iipa. The VMM records it here (`retire`); inject.ts writes it to the
 * guest's cr.iipa (VPD vcr[22]) when it delivers that interruption, and leave.ts makes sure the
 * processor's own record cannot be mistaken for it. An instruction that completes with the guest's
 * PSR.ic = 0 is not recorded (SDM 2:§3.3.5.6; so a handler's rfi, which turns PSR.ic back on, is
 * not either).
 */
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import { bit, nextSlot, psrRi } from './bits.js';
import { causeOf } from './causes.js';
import { decodeOpcode } from './decode.js';
import { isInterruptionCr } from './emulate/control-registers.js';
import { emulate, type Emulation } from './emulate/index.js';
import { enter } from './entry.js';
import { VmmError } from './host.js';
import { inject, injectFault } from './inject.js';
import { leave } from './leave.js';
import type { Entry, GuestContinuation, Vm } from './vm.js';
import { FAULTS } from '../../../spec/vti/machine/faults.js';
import { INTERCEPT_HANDOFF } from '../../../spec/vti/intercepts.js';
import { VIRTUALIZATION_OFFSET } from '../../../spec/vti/ivt.js';

export interface Handled {
  /** The guest instruction the VMM was entered for completed (as opposed to faulting or being interrupted). */
  readonly retired: boolean;
  /** The processor's observation of the resume. */
  readonly resumed: VtiObservation;
}

/** The instruction at `entry` completed: the last-successfully-executed rule above. */
export const retire = (vm: Vm, entry: Entry): void => {
  if (bit(entry.guestPsr, 13)) vm.shadow.lastIp = entry.iip;
};

/** Where the guest goes on after the VMM emulated the instruction at `entry`, and whether it completed. */
export const continuation = (vm: Vm, entry: Entry, r: Emulation): { readonly cont: GuestContinuation; readonly retired: boolean } => {
  const ri = psrRi(entry.ipsr);
  switch (r.kind) {
    case 'completed': {
      retire(vm, entry);
      const n = nextSlot(entry.iip, ri);
      return { cont: { ip: n.ip, ri: n.ri, psr: r.psr ?? entry.guestPsr, ...(r.ifs === undefined ? {} : { ifs: r.ifs }) }, retired: true };
    }
    case 'transferred': {
      retire(vm, entry);
      if (r.trap === undefined) return { cont: r.to, retired: true };
      const f = FAULTS[r.trap.fault];
      const trapped = inject(vm, { vector: f.vector, isr: BigInt(f.isrCode), iip: r.to.ip, ri: r.to.ri, ei: ri, psr: r.to.psr, ifa: r.trap.ifa });
      return { cont: r.to.ifs === undefined ? trapped : { ...trapped, ifs: r.to.ifs }, retired: false };
    }
    case 'fault': {
      const { kind: _kind, fault, ...details } = r;
      return { cont: injectFault(vm, { iip: entry.iip, ri, psr: entry.guestPsr }, fault, details), retired: false };
    }
  }
};

export const handleIntercept = (vm: Vm): Handled => {
  const entry = enter(vm, VIRTUALIZATION_OFFSET);
  const gr = vm.host.state.gr;
  const instruction = decodeOpcode(gr[25]?.value ?? 0n);
  if (instruction === null) throw new VmmError(`intercept with an opcode that names no virtualized instruction: 0x${(gr[25]?.value ?? 0n).toString(16)}`);
  const reported = bit(vm.config.configOptions, INTERCEPT_HANDOFF.causeEnabledBy.bit);
  const cause = reported ? Number(gr[24]?.value ?? 0n) : causeOf(instruction) ?? 0;
  const intCr = (instruction.op === 'mov-to-cr' || instruction.op === 'mov-from-cr') && isInterruptionCr(vm, instruction.cr);
  vm.stats.intercept(cause, intCr);
  const { cont, retired } = continuation(vm, entry, emulate({ vm, entry }, instruction));
  return { retired, resumed: leave(vm, cont) };
};
