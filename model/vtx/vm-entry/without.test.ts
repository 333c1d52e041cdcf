/**
 * vmEntryWithout: what a processor that skips some rules would be permitted to do. Skipping the one
 * failing rule of a witness makes the entry succeed; skipping an unrelated rule changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { realiseWitness } from '../../../conformance/vtx/witnesses/realise.js';
import { ENTRY_WITNESSES } from '../../../conformance/vtx/witnesses/index.js';
import { decodeCapabilities } from '../capabilities.js';
import { vmEntry, vmEntryWithout } from './index.js';

describe('vmEntryWithout', () => {
  test.each(['GUEST.SEG.TR.USABLE', 'CTL.PIN.RSVD1', 'HOST.CR0.FIXED0', 'BASIC.MOVSS'] as const)('skipping %s lets its witness enter', (id) => {
    const { profile, state, instruction } = realiseWitness(ENTRY_WITNESSES[id]);
    const caps = decodeCapabilities(profile);
    expect(vmEntry(caps, state, instruction).failedRules).toEqual([id]);
    const o = vmEntryWithout(caps, state, instruction, new Set([id]));
    expect(o.failedRules).toEqual([]);
    expect(o.canonical.kind).toBe('vm-entry');
  });

  test('skipping an unrelated rule changes nothing', () => {
    const { profile, state, instruction } = realiseWitness(ENTRY_WITNESSES['GUEST.SEG.TR.USABLE']);
    const caps = decodeCapabilities(profile);
    expect(vmEntryWithout(caps, state, instruction, new Set(['CTL.PIN.RSVD1']))).toEqual(vmEntry(caps, state, instruction));
  });
});
