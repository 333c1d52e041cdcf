/**
 * A guest program (reference-vmm/vmm/vti/program.ts) under the software-only VMM: the same program
 * the VT-i VMM and a native run take, driven the same way (events at retired-instruction counts,
 * instructions fetched from its code), so the three runs compare.
 */
import type { VtiProfile } from '../../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../../spec/vti/machine/state.js';
import type { VtiStep } from '../../../../spec/vti/machine/step.js';
import { guestProfile } from '../../vti/layout.js';
import { nextInstructionAddress, type GuestProgram, type RunEnd } from '../../vti/program.js';
import { drive } from '../../vti/drive.js';
import type { DeprivilegingModel } from '../deprivileging.js';
import { SoftwareVtiVmm, type EntryCounts } from './vmm.js';

export interface SoftwareVtiRun {
  readonly end: RunEnd;
  readonly retired: number;
  readonly counts: EntryCounts;
  /** The guest's state at the end, in its own terms. */
  readonly guest: VtiState;
}

/**
 * Run `program` under the software-only VMM with `model` on `profile`; the guest is told it has the
 * processor the VT-i VMM describes to its guests (one implemented address bit fewer), so that a
 * native run (vti/native.ts) is the same baseline for both VMMs.
 */
export const runUnderSoftwareVmm = (step: VtiStep, profile: VtiProfile, model: DeprivilegingModel, program: GuestProgram): SoftwareVtiRun => {
  const gp = guestProfile(profile);
  const vmm = SoftwareVtiVmm.boot(step, profile, gp, model, program.initial(gp), (a) => program.code.get(a));
  const r = drive(program, {
    address: () => nextInstructionAddress(vmm.state),
    instruction: (i) => vmm.runInstruction(i).retired,
    event: (e) => vmm.deliver(e),
    pending: () => vmm.takePending(),
  });
  return { ...r, counts: vmm.counts(), guest: vmm.guestView() };
};
