/**
 * The VT-i VMM on the reference CPU, the processor it is written for: bring-up through PAL, the
 * paper's usage models (ITJ, "VMM Usage of VT-i Architecture Features"), and the guest programs
 * running as they run natively. conformance/vti/properties/vmm.test.ts checks every intercepted
 * instruction against the model as well.
 */
import { describe, expect, it } from 'vitest';
import type { PalCall, VtiStepInput } from '../../../spec/vti/machine/events.js';
import { PSR } from '../../../spec/vti/machine/initial.js';
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import { DEFAULT_VTI_PROFILE } from '../../../spec/vti/machine/profile.js';
import { currentVp } from '../../../spec/vti/machine/state.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { referenceVtiStep } from '../../cpu/vti/index.js';
import { VTI_GUESTS, VTI_GUEST_NAMES } from '../../guests/vti/index.js';
import { assemble, GUEST, kernelState } from '../../guests/vti/index.js';
import { GUEST_PTA, PTA_DATA } from '../../guests/vti/pta-thash.js';
import { DEFAULT_VTI_VMM_CONFIG, intCrPolicy, LK_XEN_VAC, LK_XEN_VDC, NO_ACCELERATION_CONFIG, vacHas } from './config.js';
import { guestDiff } from './guest-view.js';
import { guestProfile, isVmmOnlyAddress, vmmLayout } from './layout.js';
import { runNative } from './native.js';
import type { GuestProgram } from './program.js';
import { runVtiWorkload, vtiInterceptReport } from './report.js';
import { runUnderVmm, VtiVmm } from './vmm.js';

const PROFILE = DEFAULT_VTI_PROFILE;
const LAYOUT = vmmLayout(PROFILE);

/** The reference CPU, with a log of what the VMM asked of it and what it answered. */
const spied = () => {
  const log: { readonly input: VtiStepInput; readonly observation: VtiObservation }[] = [];
  const step: VtiStep = (p, s, input) => {
    const r = referenceVtiStep(p, s, input);
    log.push({ input, observation: r.observation });
    return r;
  };
  const pal = (): PalCall[] => log.flatMap((e) => (e.input.kind === 'pal' ? [e.input.call] : []));
  return { step, log, pal };
};

describe('bring-up: PAL_VP_INIT_ENV, PAL_VP_CREATE, PAL_VP_RESTORE, then the guest', () => {
  it('creates the VP with the policies set in advance and resumes the guest with PSR.vm = 1', () => {
    const spy = spied();
    const g = VTI_GUESTS['interruption-handler'];
    const vmm = VtiVmm.boot(spy.step, PROFILE, DEFAULT_VTI_VMM_CONFIG, g.initial(guestProfile(PROFILE)));
    expect(spy.pal().map((c) => c.name)).toEqual([
      'PAL_VP_ENV_INFO', 'PAL_VP_INIT_ENV', 'PAL_VP_CREATE', 'PAL_VP_RESTORE', 'PAL_VPS_SYNC_WRITE', 'PAL_VPS_RESUME_NORMAL',
    ]);
    const vp = currentVp(vmm.state);
    expect(vp?.address).toBe(LAYOUT.vpd);
    expect(vp?.vp.vpd.vac).toBe(LK_XEN_VAC);
    expect(vp?.vp.vpd.vdc).toBe(LK_XEN_VDC);
    expect(vmm.state.cr.get(2)).toBe(LAYOUT.hostIva);
    expect(vmm.state.psr & (PSR.vm | PSR.ic | PSR.i | PSR.bn)).toBe(PSR.vm | PSR.ic | PSR.i | PSR.bn);
    expect(vmm.state.ip).toBe(g.initial(guestProfile(PROFILE)).ip);
  });
});

describe('the guest programs run under the VMM as they run natively', () => {
  for (const name of VTI_GUEST_NAMES) {
    for (const accelerate of [true, false]) {
      it(`${name}, ${accelerate ? 'with' : 'without'} the interruption-CR accelerations`, () => {
        const program = VTI_GUESTS[name];
        const native = runNative(referenceVtiStep, PROFILE, program);
        const virtual = runUnderVmm(referenceVtiStep, PROFILE, intCrPolicy(accelerate), program);
        expect(native.end.kind).toBe('halted');
        expect(virtual.end).toEqual(native.end);
        expect(virtual.retired).toBe(native.retired);
        expect(guestDiff(virtual.guest, native.state)).toEqual([]);
      });
    }
  }
});

describe('ITJ "Virtualization Configuration": interruption-CR accelerations and the PAL sync services', () => {
  it('syncs the VPD before entering a guest handler (SYNC_WRITE) and before emulating its rfi (SYNC_READ)', () => {
    const spy = spied();
    runUnderVmm(spy.step, PROFILE, intCrPolicy(true), VTI_GUESTS['interruption-handler']);
    const rfis = spy.log.flatMap((e, k) => (e.observation.kind === 'intercept' && e.observation.cause === 37 ? [k] : []));
    expect(rfis.length).toBeGreaterThan(10);
    for (const k of rfis) {
      const after = spy.log.slice(k + 1).flatMap((e) => (e.input.kind === 'pal' ? [e.input.call.name] : []));
      expect(after[0]).toBe('PAL_VPS_SYNC_READ');
      expect(after.indexOf('PAL_VPS_SYNC_WRITE')).toBeLessThan(after.findIndex((n) => n.startsWith('PAL_VPS_RESUME')));
    }
    // Every entry into a guest handler: SYNC_WRITE, then RESUME_HANDLER with CFLE = 0 (ITJ, "Access to Hidden State").
    const calls = spy.pal();
    const handlers = calls.flatMap((c, k) => (c.name === 'PAL_VPS_RESUME_HANDLER' ? [k] : []));
    expect(handlers.length).toBeGreaterThan(10);
    for (const k of handlers) {
      expect(calls[k - 1]?.name).toBe('PAL_VPS_SYNC_WRITE');
      const c = calls[k];
      expect(c?.name === 'PAL_VPS_RESUME_HANDLER' && c.vacCfle).toBe(LK_XEN_VAC);
    }
  });

  it('takes no intercept for the handler reads of CR16-CR25 with the accelerations, and one per access without', () => {
    const withAcc = runVtiWorkload('interruption-handler', { accelerate: true });
    const without = runVtiWorkload('interruption-handler', { accelerate: false });
    const interruptions = withAcc.counts.guestInterruptions.reduce((n, r) => n + r.count, 0);
    expect(withAcc.counts.interruptionCrIntercepts).toBe(0);
    expect(without.counts.interruptionCrIntercepts).toBe(12 * interruptions);
    expect(vtiInterceptReport()).toMatch(new RegExp(`${without.counts.interruptionCrIntercepts} without a_from_int_cr/a_to_int_cr, 0 with them`));
  });
});

describe('ITJ "External and PAL-Based Interruption Handling": interrupts only when the guest has them unmasked', () => {
  it('announces masked interrupts with SET_PENDING_INTERRUPT and delivers them through the Virtual External Interrupt vector', () => {
    const run = runVtiWorkload('interrupt-masking', { accelerate: true });
    const vei = run.counts.hostInterruptions.find((r) => r.key.includes('0x3400'))?.count ?? 0;
    const pending = run.counts.palCalls.find((r) => r.key === 'PAL_VPS_SET_PENDING_INTERRUPT')?.count ?? 0;
    expect(vei).toBeGreaterThan(0);
    expect(pending).toBeGreaterThan(0);
  });
});

describe('the user mask runs on the machine PSR (VTI.VAC.a_from_psr)', () => {
  // mov psr.um is not privileged and never intercepts: the guest changes the machine's PSR{5:0}
  // without the VMM, so vpsr's copy of those bits is whatever the VMM last wrote. The guest's next
  // accelerated mov r = psr must see its own user mask, as it does natively.
  const UM = PSR.be | PSR.up | PSR.ac | PSR.mfl;
  const program: GuestProgram = {
    name: 'user-mask', description: 'mov psr.um, then mov r = psr, twice', events: [], maxInstructions: 20,
    code: assemble(GUEST.entry, [
      { op: 'mov-imm', r1: 2, imm: UM },
      { op: 'mov-to-psr-um', r2: 2 },
      { op: 'mov-from-psr', r1: 8 },
      { op: 'mov-imm', r1: 2, imm: PSR.ac },
      { op: 'mov-to-psr-um', r2: 2 },
      { op: 'mov-from-psr', r1: 9 },
    ]).code,
    initial: (p) => kernelState(p),
  };
  it('a guest reads back the user mask it wrote, with the accelerations and without', () => {
    const native = runNative(referenceVtiStep, PROFILE, program);
    expect((native.state.gr[8]?.value ?? 0n) & UM).toBe(UM);
    expect((native.state.gr[9]?.value ?? 0n) & UM).toBe(PSR.ac);
    for (const config of [DEFAULT_VTI_VMM_CONFIG, NO_ACCELERATION_CONFIG]) {
      const virtual = runUnderVmm(referenceVtiStep, PROFILE, config, program);
      expect(virtual.counts.intercepts.find((r) => r.key === 'MOV_FROM_PSR')?.count ?? 0).toBe(vacHas(config, 'a_from_psr') ? 0 : 2);
      expect(guestDiff(virtual.guest, native.state)).toEqual([]);
    }
  });
});

describe('ITJ "Instruction Emulation" and thash concealment (pta-thash guest)', () => {
  it('relocates the VHPT into the VMM half, yet every thash answers from the guest PTA; cr.iipa names the MOV-from-PTA', () => {
    const program = VTI_GUESTS['pta-thash'];
    const vmm = VtiVmm.boot(referenceVtiStep, PROFILE, DEFAULT_VTI_VMM_CONFIG, program.initial(guestProfile(PROFILE)));
    expect(isVmmOnlyAddress(PROFILE, vmm.state.cr.get(8) ?? 0n)).toBe(true);
    const run = runUnderVmm(referenceVtiStep, PROFILE, DEFAULT_VTI_VMM_CONFIG, program);
    const base = GUEST_PTA & ~0x7fffn;
    const hashes = [...run.guest.memory].filter(([a]) => a >= PTA_DATA.hashLog && a < PTA_DATA.hashLog + 0x1000n).map(([, v]) => v);
    expect(hashes.length).toBe(24);
    for (const h of hashes) expect(h >= base && h < base + 0x8000n, `0x${h.toString(16)}`).toBe(true);
    // The break right after `mov r6 = cr.pta` (bundle 'read-pta') finds it as the last instruction.
    const read = [...program.code].find(([, i]) => i.op === 'mov-from-cr' && i.cr === 8)?.[0];
    expect(run.guest.memory.get(PTA_DATA.iipaLog)).toBe(read);
    expect(run.counts.intercepts.find((r) => r.key === 'THASH')?.count).toBe(24);
  });
});
