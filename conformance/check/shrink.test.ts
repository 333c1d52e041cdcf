/**
 * Shrinking finds the minimal failing variant: an implementation that wrongly lets a guest with an
 * unusable TR enter fails a vector with several unrelated edits; the shrunk vector differs from the
 * valid baseline in exactly the TR access rights.
 */
import { describe, expect, test } from 'vitest';
import { BUILTIN_PROFILES } from '../../spec/vtx/profiles/index.js';
import { readField, writeFields } from '../../spec/vtx/state.js';
import { decodeCapabilities } from '../../model/vtx/capabilities.js';
import { step } from '../../model/vtx/step.js';
import { baselineState } from '../vtx/baseline.js';
import { toVector } from '../vtx/suite/generate.js';
import type { Implementation } from './implementation.js';
import { shrink } from './shrink.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);

/** The model, except that an unusable guest TR is not noticed (a plausible emulator bug). */
const buggy = (): Implementation => ({
  name: 'buggy',
  run: async (vectors, onReport) => vectors.forEach((v, i) => {
    const fields = v.state.vmcs.get(v.state.currentVmcs!)!.fields;
    const trUnusable = ((readField(fields, 'GUEST_TR_AR_BYTES') >> 16n) & 1n) === 1n;
    const fixed = trUnusable ? { ...v.state, vmcs: new Map([[v.state.currentVmcs!, { launchState: 'clear' as const, fields: writeFields(fields, { GUEST_TR_AR_BYTES: readField(fields, 'GUEST_TR_AR_BYTES') & ~0x1_0000n }) }]]) } : v.state;
    onReport(i, { kind: 'observed', observation: step(caps, fixed, v.operation).canonical });
  }),
  close: async () => {},
});

describe('shrink', () => {
  test('reduces a failing vector to the one field that matters', async () => {
    const base = baselineState(profile, 'ia32e');
    const at = base.currentVmcs!;
    const region = base.vmcs.get(at)!;
    const noisy = writeFields(region.fields, {
      GUEST_TR_AR_BYTES: 0x1_008bn, GUEST_RSP: 0x1234n, GUEST_DR7: 0x401n, HOST_RSP: 0x42n, EXCEPTION_BITMAP: 0xffn,
    });
    const state = { ...base, vmcs: new Map([[at, { ...region, fields: noisy }]]), memory: new Map([...base.memory, [0x9000n, 7n]]) };
    const v = toVector({ origin: 'test', profile, state, operation: { op: 'VMLAUNCH' } }, caps);
    expect(v.violates).toContain('GUEST.SEG.TR.USABLE');
    const s = await shrink(v, buggy);
    expect(s).not.toBeNull();
    expect(s!.differences).toEqual(['GUEST_TR_AR_BYTES = 0x1008b (baseline 0x8b)']);
    expect(s!.minimal.violates).toEqual(['GUEST.SEG.TR.USABLE']);
  });
});
