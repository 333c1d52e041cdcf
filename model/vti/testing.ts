/**
 * Helpers for the VT-i model's tests: states with chosen registers, one-step runners, and the
 * expectations most tests share. Not used by the model itself.
 */
import { DEFAULT_VTI_PROFILE, type VtiProfile } from '../../spec/vti/machine/profile.js';
import { guestState, type GuestSetup, PSR } from '../../spec/vti/machine/initial.js';
import type { VtiInstruction } from '../../spec/vti/machine/instructions.js';
import type { PalCall, VtiEvent } from '../../spec/vti/machine/events.js';
import { currentVp, type Gr, type Vpd, type VtiState } from '../../spec/vti/machine/state.js';
import { vtiStep } from './step.js';
import type { VtiOutcome } from './outcome.js';

export const P: VtiProfile = DEFAULT_VTI_PROFILE;
export { PSR };

export const guest = (setup: GuestSetup = {}, profile: VtiProfile = P): VtiState => guestState(profile, setup);

/** The same processor with PSR.vm = 0 (the VMM, or a native OS, running the same code). */
export const native = (s: VtiState): VtiState => ({ ...s, psr: s.psr & ~PSR.vm });

export const withGr = (s: VtiState, regs: Readonly<Record<number, bigint | Gr>>): VtiState => {
  const gr = [...s.gr];
  for (const [k, v] of Object.entries(regs)) gr[Number(k)] = typeof v === 'bigint' ? { value: v, nat: false } : v;
  return { ...s, gr };
};

export const withCr = (s: VtiState, crs: Readonly<Record<number, bigint>>): VtiState => {
  const cr = new Map(s.cr);
  for (const [k, v] of Object.entries(crs)) cr.set(Number(k), v);
  return { ...s, cr };
};

export const withPsr = (s: VtiState, set: bigint, clear = 0n): VtiState => ({ ...s, psr: (s.psr | set) & ~clear });

export const run = (s: VtiState, instruction: VtiInstruction, profile: VtiProfile = P): VtiOutcome =>
  vtiStep(profile, s, { kind: 'instruction', instruction });
export const pal = (s: VtiState, call: PalCall, profile: VtiProfile = P): VtiOutcome => vtiStep(profile, s, { kind: 'pal', call });
export const ev = (s: VtiState, event: VtiEvent, profile: VtiProfile = P): VtiOutcome => vtiStep(profile, s, { kind: 'event', event });

export const obs = (o: VtiOutcome) => o.canonical.observation;
export const next = (o: VtiOutcome) => o.canonical.state;

/** The restored VP's VPD (throws in a test when there is none). */
export const vpdOf = (s: VtiState): Vpd => {
  const c = currentVp(s);
  if (c === null) throw new Error('no current VP');
  return c.vp.vpd;
};

export const gr = (s: VtiState, r: number): Gr => s.gr[r] ?? { value: 0n, nat: false };

/** A PSR for calling the PAL_VPS_* services (SDM §11.11.1): dt, rt, it = 1; be, i, cpl, is, ss, db, tb, vm, bn = 0. */
export const VMM_SERVICE_PSR = PSR.dt | PSR.rt | PSR.it | PSR.ic;
