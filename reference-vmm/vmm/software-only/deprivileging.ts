/**
 * Ring deprivileging, the software-only technique of ITJ "Challenges to Virtualizing Intel
 * Architectures": without VT the VMM keeps privilege level 0 for itself, so the guest OS runs at a
 * level it was not written for. Two models are in use: 0/1/3 (guest OS at 1, its applications at
 * 3) and 0/3/3 (guest OS and applications both at 3), which 64-bit IA-32 guests force because
 * paging cannot tell levels 0-2 apart.
 */
import type { DeprivilegingModel } from '../../../spec/paper/challenges.js';

export type { DeprivilegingModel } from '../../../spec/paper/challenges.js';

export const DEPRIVILEGING_MODELS: readonly DeprivilegingModel[] = ['0/1/3', '0/3/3'];

/** The level the hardware runs guest code at whose own (virtual) privilege level is `cpl`. */
export const machineLevel = (model: DeprivilegingModel, cpl: number): number =>
  model === '0/3/3' ? 3 : Math.max(cpl, 1);

/**
 * The guest's own level, given the level the hardware is at now and the level the VMM last put the
 * guest at (`virtual`). Guest code can lower its privilege without the VMM (IA-32: IRET/RET to an
 * outer ring; Itanium: br.ret to a less privileged AR.PFS.ppl), so the machine level is the truth
 * where it is unambiguous; where the model folds levels together (0/3/3, or level 1 in 0/1/3) the
 * VMM can only assume the guest stayed where it put it.
 */
export const guestLevel = (model: DeprivilegingModel, machine: number, virtual: number): number => {
  if (machineLevel(model, virtual) === machine) return virtual;
  return model === '0/1/3' ? machine : virtual;
};
