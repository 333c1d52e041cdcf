/**
 * The reference VT-x CPU: the second, independent implementation of the VMX instructions that the
 * model (model/) is judged against. Imperative and mutable, written from the SDM and the facts files
 * only; one documented concrete choice wherever the SDM is loose (see README.md).
 */
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { VtxInstruction } from '../../../spec/vtx/instructions.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { NonRootObservation } from '../../../spec/vtx/non-root/observation.js';
import { nonRootStep } from './non-root/index.js';
import { Capabilities } from './capabilities.js';
import { vmclear } from './instructions/vmclear.js';
import { vmlaunchOrResume } from './instructions/vmlaunch.js';
import { vmptrld } from './instructions/vmptrld.js';
import { vmptrst } from './instructions/vmptrst.js';
import { vmread } from './instructions/vmread.js';
import { vmwrite } from './instructions/vmwrite.js';
import { vmxoff } from './instructions/vmxoff.js';
import { vmxon } from './instructions/vmxon.js';
import { Machine } from './machine.js';
import type { StepResult } from './outcome.js';

export type { VtxInstruction } from '../../../spec/vtx/instructions.js';
export type { StepResult } from './outcome.js';

const MASK64 = 0xffff_ffff_ffff_ffffn;

export class ReferenceVtxCpu {
  private readonly caps: Capabilities;
  private readonly machine: Machine;

  /** Copies `state` into the CPU's own mutable structures; `state` itself is never modified. */
  constructor(profile: VtxProfile, state: VtxState) {
    this.caps = new Capabilities(profile);
    this.machine = new Machine(state);
  }

  execute(instr: VtxInstruction): StepResult {
    const m = this.machine;
    const caps = this.caps;
    switch (instr.op) {
      case 'VMXON': return vmxon(m, caps, instr.operand & MASK64);
      case 'VMXOFF': return vmxoff(m);
      case 'VMCLEAR': return vmclear(m, caps, instr.operand & MASK64);
      case 'VMPTRLD': return vmptrld(m, caps, instr.operand & MASK64);
      case 'VMPTRST': return vmptrst(m);
      case 'VMREAD': return vmread(m, caps, instr.encoding & MASK64);
      case 'VMWRITE': return vmwrite(m, caps, instr.encoding & MASK64, instr.value & MASK64);
      case 'VMLAUNCH': return vmlaunchOrResume(m, caps, true);
      case 'VMRESUME': return vmlaunchOrResume(m, caps, false);
    }
  }

  /**
   * One step of VMX non-root operation (SDM ch. 25): `input` is the next guest instruction at an
   * instruction boundary, or an arriving event. Outside VMX non-root operation nothing runs
   * ('inactive').
   */
  step(input: NonRootInput): { observation: NonRootObservation } {
    return { observation: nonRootStep(this.machine, this.caps, input) };
  }

  /** The current state in the shared immutable shape. */
  snapshot(): VtxState {
    return this.machine.snapshot();
  }
}
