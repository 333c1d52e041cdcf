// Vol. 1 §3.4.1.1: outside 64-bit mode RSP[63:32] is undefined, so delivery on a 32-bit stack permits two values.
import { describe, expect, it } from 'vitest';
import { nonRootBaseline, withCpu } from '../../../../conformance/vtx/non-root/baseline.js';
import { protectedGuest } from '../../../../conformance/vtx/non-root/arbitraries.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import { decodeCapabilities } from '../../capabilities.js';
import { nonRootStep } from '../step.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);

describe('delivery on a 32-bit stack outside 64-bit mode', () => {
  it('EVENT.DELIVERY.FRAME: an NMI pushes 3 dwords below ESP; RSP[63:32] may be 0 or what it was', () => {
    const s = withCpu(protectedGuest(nonRootBaseline(profile)), { rsp: 0x1_0001_8000n });
    const rsps = nonRootStep(caps, s, { kind: 'event', event: { kind: 'nmi' } }).permitted.map((r) => r.state.cpu.rsp);
    expect(rsps).toEqual([0x1_7ff4n, 0x1_0001_7ff4n]);
  });
  it('EVENT.DELIVERY.FRAME: with RSP[63:32] = 0 there is one result', () => {
    const s = protectedGuest(nonRootBaseline(profile));
    expect(nonRootStep(caps, s, { kind: 'event', event: { kind: 'nmi' } }).permitted.map((r) => r.state.cpu.rsp)).toEqual([s.cpu.rsp - 12n]);
  });
});
