/**
 * Virtualization equivalence (Popek and Goldberg; ITJ, "Virtualization Basics"): for fast-check
 * generated guest programs (./arbitraries.ts), everything the guest can observe is the same under the
 * VT VMM and when it runs alone on its processor — registers, memory, the values its reads of
 * privileged state returned, the interruptions its handlers saw, where it stopped and how many
 * instructions it completed.
 *
 * - VT-x: reference-vmm/vmm/vtx, runNative and runUnderVmm, compared on the whole VtxGuestView
 *   (guest-view.ts), with the VMM's default configuration and with every helping control off
 *   (shadow paging, CR8 exiting, interrupt-window polling, eager FPU switching, no MSR bitmaps).
 * - VT-i: reference-vmm/vmm/vti on the reference VT-i CPU, compared with `guestDiff` (what no
 *   instruction can read — the PAL environment, CFLE outside interruption handlers — is not
 *   compared; a handler's CFLE is), with the LK/XEN accelerations and with none.
 *
 * Each property also counts what the programs made the VMM do, and requires enough of it that the
 * property is not passing on programs that never reach the VMM.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeProgram, describeVtiStep, describeVtxStep } from '../../spec/paper/asm.js';
import { DEFAULT_VTI_PROFILE } from '../../spec/vti/machine/profile.js';
import { referenceVtiStep } from '../../reference-vmm/cpu/vti/index.js';
import { DEFAULT_VTI_VMM_CONFIG, NO_ACCELERATION_CONFIG, type VtiVmmConfig } from '../../reference-vmm/vmm/vti/config.js';
import { guestDiff } from '../../reference-vmm/vmm/vti/guest-view.js';
import { runNative as runVtiNative } from '../../reference-vmm/vmm/vti/native.js';
import { runUnderVmm as runUnderVtiVmm } from '../../reference-vmm/vmm/vti/vmm.js';
import type { VtxGuestView } from '../../reference-vmm/vmm/vtx/guest-view.js';
import { configWithout, DEFAULT_VTX_VMM_CONFIG, runNative as runVtxNative, runUnderVmm as runUnderVtxVmm, VTX_FEATURES, type VtxVmmConfig } from '../../reference-vmm/vmm/vtx/run.js';
import { FC_PARAMS } from '../vtx/properties/params.js';
import { vtiEquivalencePrograms, vtiProgram, vtxEquivalencePrograms, vtxProgram } from './arbitraries.js';

/** Programs per architecture and run (issue 6: at least 2,000, with the fixed seed). */
const PROGRAMS = 2000;

const show = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x instanceof Map ? [...(x as Map<unknown, unknown>)] : x));

// =============================================================================================
// VT-x

const VTX_CONFIGS: Readonly<Record<string, VtxVmmConfig>> = {
  default: DEFAULT_VTX_VMM_CONFIG,
  'every helping control off': configWithout(Object.keys(VTX_FEATURES)),
};

/** Every part of the guest view that differs, with both values. */
const vtxDiff = (a: VtxGuestView, b: VtxGuestView): string[] => [
  ...(['end', 'retired', 'memory', 'log', 'output'] as const).flatMap((k) => (show(a[k]) === show(b[k]) ? [] : [`${k}: ${show(a[k])} vs ${show(b[k])}`])),
  ...(Object.keys(a.registers) as (keyof VtxGuestView['registers'])[])
    .flatMap((k) => (show(a.registers[k]) === show(b.registers[k]) ? [] : [`registers.${k}: ${show(a.registers[k])} vs ${show(b.registers[k])}`])),
];

describe('virtualization equivalence on VT-x', () => {
  it('a guest program observes the same under the VT-x VMM as natively', () => {
    const seen = { programs: 0, exited: 0, delivered: 0, retired: 0, demandPaged: 0 };
    let severalEvents = 0;
    fc.assert(fc.property(vtxEquivalencePrograms, fc.constantFrom('default', 'every helping control off'), ({ start, steps }, config) => {
      const p = vtxProgram(steps, start);
      const native = runVtxNative(p).guestView;
      const vmm = runUnderVtxVmm(p, VTX_CONFIGS[config]);
      seen.programs++;
      if (vmm.exits.total > 0) seen.exited++;
      if (native.log.some((e) => e.kind === 'delivered')) seen.delivered++;
      seen.retired += native.retired;
      // Several interrupts or NMIs taken: they must reach the guest in native order (interrupts.ts).
      if (native.log.filter((e) => e.kind === 'delivered' && (e.type === 'external-interrupt' || e.type === 'nmi')).length >= 2) severalEvents++;
      if (vmm.vm.memory.demandPages > 0) seen.demandPaged++;
      const d = vtxDiff(vmm.guestView, native);
      if (d.length > 0) {
        throw new Error(`${start.mode}, ${start.startsIn}, VMM ${config}: ${describeProgram(steps.map(describeVtxStep))}\n  ${d.join('\n  ')}\n(under the VMM vs native)`);
      }
    }), FC_PARAMS(PROGRAMS));
    // Not vacuous: a good part of the programs made the VMM handle exits, and saw events delivered.
    expect(seen.programs).toBeGreaterThanOrEqual(PROGRAMS);
    expect(seen.exited / seen.programs).toBeGreaterThan(0.25);
    expect(seen.delivered / seen.programs).toBeGreaterThan(0.25);
    expect(seen.retired / seen.programs).toBeGreaterThan(2);
    expect(severalEvents / seen.programs).toBeGreaterThan(0.01);
    // …and some used guest-physical memory beyond the initial 16 MiB, which the VMM backed on demand.
    expect(seen.demandPaged / seen.programs).toBeGreaterThan(0.05);
  });
});

// =============================================================================================
// VT-i

const VTI_CONFIGS: Readonly<Record<string, VtiVmmConfig>> = { 'LK/XEN accelerations': DEFAULT_VTI_VMM_CONFIG, 'no acceleration': NO_ACCELERATION_CONFIG };

const vtiConfigArb = fc.constantFrom(...Object.keys(VTI_CONFIGS));

describe('virtualization equivalence on VT-i', () => {
  it('a guest program observes the same under the VT-i VMM as natively', () => {
    const seen = { programs: 0, entered: 0, retired: 0 };
    fc.assert(fc.property(vtiEquivalencePrograms, vtiConfigArb, ({ start, steps }, config) => {
      const p = vtiProgram(steps, start);
      const native = runVtiNative(referenceVtiStep, DEFAULT_VTI_PROFILE, p);
      const vmm = runUnderVtiVmm(referenceVtiStep, DEFAULT_VTI_PROFILE, VTI_CONFIGS[config] ?? DEFAULT_VTI_VMM_CONFIG, p);
      seen.programs++;
      if (vmm.counts.interceptsTotal + vmm.counts.hostInterruptions.length > 0) seen.entered++;
      seen.retired += native.retired;
      const d = [
        ...(show(vmm.end) === show(native.end) ? [] : [`ended ${show(vmm.end)} vs ${show(native.end)}`]),
        ...(vmm.retired === native.retired ? [] : [`retired ${vmm.retired} vs ${native.retired}`]),
        ...guestDiff(vmm.guest, native.state),
      ];
      if (d.length > 0) {
        throw new Error(`${start.context}, ${config}: ${describeProgram(steps.map(describeVtiStep))}\n  ${d.join('\n  ')}\n(under the VMM vs native)`);
      }
    }), FC_PARAMS(PROGRAMS));
    expect(seen.programs).toBeGreaterThanOrEqual(PROGRAMS);
    expect(seen.entered / seen.programs).toBeGreaterThan(0.5);
    expect(seen.retired / seen.programs).toBeGreaterThan(2);
  });
});
