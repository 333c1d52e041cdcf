/** The restored VP an acceleration works on: its VPD and the address that keys it. */
import type { Vpd } from '../../../spec/vti/machine/state.js';

export interface VpRef {
  readonly base: bigint;
  readonly vpd: Vpd;
}
