/**
 * The reference VT-i CPU: the second, independent implementation of the VT-i architecture that the
 * model (model/vti) is judged against. Imperative and mutable, written from the SDM, the ITJ paper and
 * shared/facts/vti-*.md; one documented concrete choice wherever the architecture is loose (README.md).
 */
import type { PalCall, VtiStepInput } from '../../../spec/vti/machine/events.js';
import { isPalService } from '../../../spec/vti/machine/events.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { Ctx } from './context.js';
import { event, takeExternalInterrupt, takeVirtualInterrupt } from './events.js';
import { alloc, brCall, brCond, brRet, movFromBr, movToBr } from './instructions/branches.js';
import { add, breakInstruction, cmp, ld8, movImm, st8 } from './instructions/compute.js';
import { movFromCr, movToCr } from './instructions/mov-cr.js';
import { movFromPsr, movFromPsrUm, movToPsrL, movToPsrUm, systemMask } from './instructions/psr.js';
import { movFromAr, movFromCpuid, movFromInd, movToAr, movToArImm, movToInd } from './instructions/registers.js';
import { bsw, cover, rfi } from './instructions/rfi-bsw-cover.js';
import { itc, itr, probe, ptc, ptcE, ptr, tak, thashTtag, tpa } from './instructions/translation.js';
import { vmsw } from './instructions/vmsw.js';
import { Machine } from './machine.js';
import { palProcedure } from './pal/procedures.js';
import { palService } from './pal/services.js';

const execute = (c: Ctx, i: VtiInstruction): VtiObservation => {
  switch (i.op) {
    case 'mov-to-cr': return movToCr(c, i.cr, i.r2);
    case 'mov-from-cr': return movFromCr(c, i.r1, i.cr);
    case 'mov-to-psr-l': return movToPsrL(c, i.r2);
    case 'mov-to-psr-um': return movToPsrUm(c, i.r2);
    case 'mov-from-psr': return movFromPsr(c, i.r1);
    case 'mov-from-psr-um': return movFromPsrUm(c, i.r1);
    case 'ssm': return systemMask(c, i.imm24, true);
    case 'rsm': return systemMask(c, i.imm24, false);
    case 'rfi': return rfi(c);
    case 'bsw': return bsw(c, i.bank);
    case 'cover': return cover(c);
    case 'thash': case 'ttag': return thashTtag(c, i.op, i.r1, i.r3);
    case 'tpa': return tpa(c, i.r1, i.r3);
    case 'tak': return tak(c, i.r1, i.r3);
    case 'mov-from-cpuid': return movFromCpuid(c, i.r1, i.r3);
    case 'itc': return itc(c, i.side, i.r2);
    case 'itr': return itr(c, i.side, i.r3, i.r2);
    case 'ptc': return ptc(c, i.scope, i.r3, i.r2);
    case 'ptc-e': return ptcE(c, i.r3);
    case 'ptr': return ptr(c, i.side, i.r3, i.r2);
    case 'mov-to-ind': return movToInd(c, i.file, i.r3, i.r2);
    case 'mov-from-ind': return movFromInd(c, i.file, i.r1, i.r3);
    case 'mov-to-ar': return movToAr(c, i.ar, i.r2);
    case 'mov-to-ar-imm': return movToArImm(c, i.ar, i.imm8);
    case 'mov-from-ar': return movFromAr(c, i.r1, i.ar);
    case 'vmsw': return vmsw(c, i.to);
    case 'probe': return probe(c, i.access, i.r1, i.r3, i.r2);
    case 'br-call': return brCall(c, i.b1, i.target);
    case 'br-ret': return brRet(c, i.b2);
    case 'br-cond': return brCond(c, i.qp, i.target);
    case 'alloc': return alloc(c, i.r1, i.sof, i.sol);
    case 'mov-to-br': return movToBr(c, i.b1, i.r2);
    case 'mov-from-br': return movFromBr(c, i.r1, i.b2);
    case 'mov-imm': return movImm(c, i.r1, i.imm);
    case 'add': return add(c, i.r1, i.r2, i.r3);
    case 'ld8': return ld8(c, i.r1, i.r3);
    case 'st8': return st8(c, i.r3, i.r2);
    case 'cmp': return cmp(c, i.relation, i.p1, i.p2, i.r2, i.r3);
    case 'nop': return c.done();
    case 'break': return breakInstruction(c, i.imm21);
  }
};

export class ReferenceVtiCpu {
  private readonly machine: Machine;

  /** Copies `state` into the CPU's own mutable structures; `state` itself is never modified. */
  constructor(private readonly profile: VtiProfile, state: VtiState) {
    this.machine = Machine.from(state);
  }

  /**
   * One step. Before an instruction, the asynchronous events the processor would take first: a
   * pending unmasked external interrupt (PSR.i = 1), then the guest's Virtual External Interrupt.
   */
  step(input: VtiStepInput): { readonly observation: VtiObservation } {
    const m = this.machine;
    switch (input.kind) {
      case 'instruction': {
        const pending = takeExternalInterrupt(m) ?? takeVirtualInterrupt(m);
        if (pending !== null) return { observation: pending };
        return { observation: execute(new Ctx(m, this.profile, input.instruction), input.instruction) };
      }
      case 'event':
        return { observation: event(m, input.event) };
      case 'pal':
        return { observation: this.pal(input.call) };
    }
  }

  private pal(call: PalCall): VtiObservation {
    return isPalService(call) ? palService(this.machine, this.profile, call) : palProcedure(this.machine, this.profile, call);
  }

  /** The current state in the shared immutable shape. */
  snapshot(): VtiState {
    return this.machine.snapshot();
  }
}
