/**
 * Shared by the VT-x VMM's tests (*.test.ts beside this file): a guest program's deliveries, and the
 * check that under each VMM configuration the guest observes what it observes natively. Test-only.
 */
import { expect } from 'vitest';
import type { VtxGuestProgram } from '../../guests/vtx/program.js';
import { configWithout, runNative, runUnderVmm, type VtxGuestView } from './run.js';

/** The deliveries a run logged: [retired count, vector]. */
export const deliveries = (v: VtxGuestView): [number, number][] =>
  v.log.flatMap((e) => (e.kind === 'delivered' ? [[e.at, e.vector] as [number, number]] : []));

/** The native run delivers `expected`; under every configuration (features turned off) the guest observes the same. */
export const sameAsNative = (p: VtxGuestProgram, expected: [number, number][], configs: Readonly<Record<string, readonly string[]>>): void => {
  const native = runNative(p).guestView;
  expect(deliveries(native)).toEqual(expected);
  for (const [name, without] of Object.entries(configs)) {
    const vmm = runUnderVmm(p, configWithout(without)).guestView;
    expect(deliveries(vmm), name).toEqual(expected);
    expect(vmm, name).toEqual(native);
  }
};
