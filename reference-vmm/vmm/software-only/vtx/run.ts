/**
 * A VT-x guest program (reference-vmm/guests/vtx/program.ts) under the software-only VMM, driven by
 * the same loop as the native run and the run under the VT-x VMM (reference-vmm/vmm/vtx/drive.ts),
 * so that the three guest views compare.
 */
import type { VtxProfile } from '../../../../spec/vtx/profile.js';
import type { VtxGuestProgram } from '../../../guests/vtx/program.js';
import { drive } from '../../vtx/drive.js';
import type { VtxGuestView } from '../../vtx/guest-view.js';
import { defaultVtxProfile } from '../../vtx/run.js';
import { tableOf, type ExitTable } from '../../workload.js';
import type { DeprivilegingModel } from '../deprivileging.js';
import { SoftwareVtxPlatform } from './platform.js';

export interface SoftwareVtxRun {
  readonly guestView: VtxGuestView;
  /** VMM entries by cause (the exception vector, 'SYSENTER', 'external interrupt'). */
  readonly entries: ExitTable;
}

export const runUnderSoftwareVmm = (program: VtxGuestProgram, model: DeprivilegingModel, profile: VtxProfile = defaultVtxProfile()): SoftwareVtxRun => {
  const platform = new SoftwareVtxPlatform(profile, model, program.initial);
  const guestView = drive(program, platform);
  return { guestView, entries: tableOf(platform.entries, guestView.retired) };
};
