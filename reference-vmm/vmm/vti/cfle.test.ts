/**
 * The RSE's CFLE under the VMM (ITJ, "Access to Hidden State"): an interruption clears it (SDM
 * 2:§5.5, 2:§6.7-6.8), rfi sets it, and no instruction writes it directly. Every entry into the VMM is
 * itself an interruption, so the VMM keeps the guest's CFLE (GuestShadow.cfle) and gives it back with
 * PAL_VPS_RESUME_HANDLER (SDM 2:492) whenever the guest continues with PSR.ic = 0. Each program here
 * ends in a state with PSR.ic = 0, where guestDiff compares CFLE.
 */
import { describe, expect, it } from 'vitest';
import type { PalCall, VtiStepInput } from '../../../spec/vti/machine/events.js';
import { PSR } from '../../../spec/vti/machine/initial.js';
import { DEFAULT_VTI_PROFILE } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { referenceVtiStep } from '../../cpu/vti/index.js';
import { assemble, type AsmItem } from '../../guests/vti/assemble.js';
import { CR, GUEST, kernelState } from '../../guests/vti/kernel.js';
import { DEFAULT_VTI_VMM_CONFIG, NO_ACCELERATION_CONFIG } from './config.js';
import { guestDiff } from './guest-view.js';
import { runNative } from './native.js';
import type { GuestProgram, ScheduledEvent } from './program.js';
import { runUnderVmm } from './vmm.js';

const PROFILE = DEFAULT_VTI_PROFILE;
const KERNEL_PSR = PSR.ic | PSR.dt | PSR.rt | PSR.it | PSR.bn;

/** The kernel in its handler for a break: PSR.ic = PSR.i = 0, bank 0, CFLE = 0, IPSR/IIP naming the kernel. */
const inHandler = (p: typeof PROFILE, ipsr: bigint): VtiState => {
  const k = kernelState(p);
  const cr = new Map(k.cr);
  cr.set(CR.iva, GUEST.iva);
  cr.set(CR.ipsr, ipsr);
  cr.set(CR.iip, GUEST.entry + 0x100n);
  return { ...k, psr: PSR.dt | PSR.rt | PSR.it, cr, rse: { ...k.rse, cfle: false } };
};

const program = (items: readonly AsmItem[], initial: GuestProgram['initial'], events: ScheduledEvent[] = []): GuestProgram => {
  const code = new Map(assemble(GUEST.entry, items).code);
  return { name: 'cfle', description: 'CFLE across handlers', code, initial, events, maxInstructions: 50 };
};

/** The CFLE bits the VMM passed to PAL_VPS_RESUME_HANDLER. */
const handlerCfle = (p: GuestProgram, config = DEFAULT_VTI_VMM_CONFIG) => {
  const calls: PalCall[] = [];
  const step: VtiStep = (pr, s, input: VtiStepInput) => {
    if (input.kind === 'pal') calls.push(input.call);
    return referenceVtiStep(pr, s, input);
  };
  const run = runUnderVmm(step, PROFILE, config, p);
  return { run, cfle: calls.flatMap((c) => (c.name === 'PAL_VPS_RESUME_HANDLER' ? [(c.vacCfle >> 63n) === 1n] : [])) };
};

const sameAsNative = (p: GuestProgram, cfle: boolean): void => {
  const native = runNative(referenceVtiStep, PROFILE, p);
  expect(native.state.psr & PSR.ic).toBe(0n);
  expect(native.state.rse.cfle).toBe(cfle);
  for (const config of [DEFAULT_VTI_VMM_CONFIG, NO_ACCELERATION_CONFIG]) {
    const run = runUnderVmm(referenceVtiStep, PROFILE, config, p);
    expect(run.end).toEqual(native.end);
    expect(run.guest.rse.cfle).toBe(cfle);
    expect(guestDiff(run.guest, native.state)).toEqual([]);
  }
};

describe('CFLE under the VT-i VMM, as the guest has it natively', () => {
  it('a guest handler the VMM enters (an Illegal Operation fault of itc with PSR.ic = 1) starts with CFLE = 0', () => {
    const p = program([{ op: 'itc', side: 'd', r2: 0 }], (pr) => ({ ...kernelState(pr), cr: new Map([[CR.iva, GUEST.iva]]) }));
    sameAsNative(p, false);
    expect(handlerCfle(p).cfle).toEqual([false]);
  });

  it('an external interrupt the VMM takes while the handler has PSR.i = 0 returns to it with CFLE still 0 (the ITJ case)', () => {
    const p = program(
      [{ op: 'mov-from-cr', r1: 16, cr: CR.iip }, { op: 'nop' }, { op: 'mov-from-cr', r1: 17, cr: CR.isr }],
      (pr) => inHandler(pr, KERNEL_PSR),
      [{ after: 1, event: { kind: 'external-interrupt', vector: GUEST.deviceVector } }],
    );
    sameAsNative(p, false);
    const { cfle } = handlerCfle(p, NO_ACCELERATION_CONFIG);
    expect(cfle.length).toBeGreaterThanOrEqual(3);
    expect(cfle.every((c) => !c)).toBe(true);
  });

  it('after an rfi to a context with PSR.ic = 0 the guest has CFLE = 1, and the VMM resumes it so', () => {
    const handler = GUEST.entry + 0x200n;
    const target = GUEST.entry + 0x10n;
    const p = program(
      [{ org: handler }, { op: 'rfi' }, { org: target }, { op: 'mov-from-cr', r1: 16, cr: CR.iip }],
      (pr) => {
        const s = inHandler(pr, PSR.dt | PSR.rt | PSR.it | PSR.bn);
        return { ...s, ip: handler, cr: new Map([...s.cr, [CR.iip, target]]) };
      },
    );
    sameAsNative(p, true);
    expect(handlerCfle(p).cfle).toEqual([false, true]);
  });

  it('a kernel that turns PSR.ic off (rsm, intercepted) keeps the CFLE = 1 it had', () => {
    const p = program(
      [{ op: 'rsm', imm24: Number(PSR.ic) }, { op: 'mov-from-cr', r1: 16, cr: CR.iip }],
      (pr) => ({ ...kernelState(pr), cr: new Map([[CR.iva, GUEST.iva]]) }),
    );
    sameAsNative(p, true);
    expect(handlerCfle(p, NO_ACCELERATION_CONFIG).cfle.every((c) => c)).toBe(true);
  });
});
