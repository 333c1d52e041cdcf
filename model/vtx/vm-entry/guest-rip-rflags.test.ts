// §26.3.1.4: GUEST.RIP.CANON tests bits 63:N (not 63:N-1 as "canonical" does), at widths 48 and 57.
import { describe, expect, it } from 'vitest';
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { writeFields } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { makeEntryEnv } from './env.js';
import { GUEST_RIP_RFLAGS_IMPL } from './guest-rip-rflags.js';

const env = (width: number, rip: bigint, csAr = 0xa09bn) => {
  const profile = { ...BUILTIN_PROFILES['vtx-max'], linearAddressWidth: width };
  const s = baselineState(profile, 'ia32e');
  const image = writeFields(s.vmcs.get(s.currentVmcs!)!.fields, { GUEST_RIP: rip, GUEST_CS_AR_BYTES: csAr });
  return makeEntryEnv(decodeCapabilities(profile), s, 'VMLAUNCH', image);
};
const ripCanon = (width: number, rip: bigint): boolean => GUEST_RIP_RFLAGS_IMPL['GUEST.RIP.CANON'].holds(env(width, rip));

describe('GUEST.RIP.CANON', () => {
  it('width 48: bits 63:48 all equal', () => {
    expect(ripCanon(48, 0x0000_7fff_ffff_ffffn)).toBe(true);
    expect(ripCanon(48, 0xffff_8000_0000_0000n)).toBe(true);
    expect(ripCanon(48, 0x0001_0000_0000_0000n)).toBe(false);
    expect(ripCanon(48, 0xfffe_ffff_ffff_ffffn)).toBe(false);
    expect(ripCanon(48, 0x8000_0000_0000_0000n)).toBe(false);
  });

  it('accepts addresses that are not canonical but have bits 63:N equal', () => {
    // Bit 47 differs from bits 63:48: not canonical, yet RIP.CANON holds.
    expect(ripCanon(48, 0x0000_8000_0000_0000n)).toBe(true);
    expect(ripCanon(48, 0xffff_7fff_ffff_ffffn)).toBe(true);
  });

  it('width 57: bits 63:57 all equal', () => {
    expect(ripCanon(57, 0x01ff_ffff_ffff_ffffn)).toBe(true);
    expect(ripCanon(57, 0xfe00_0000_0000_0000n)).toBe(true);
    expect(ripCanon(57, 0x0200_0000_0000_0000n)).toBe(false);
    expect(ripCanon(57, 0x0001_0000_0000_0000n)).toBe(true);
  });

  it('applies only to 64-bit code; elsewhere RIP.HI requires bits 63:32 = 0', () => {
    const compat = env(48, 0x1_0000_0000n, 0xc09bn);
    expect(GUEST_RIP_RFLAGS_IMPL['GUEST.RIP.CANON'].applies(compat)).toBe(false);
    expect(GUEST_RIP_RFLAGS_IMPL['GUEST.RIP.HI'].applies(compat)).toBe(true);
    expect(GUEST_RIP_RFLAGS_IMPL['GUEST.RIP.HI'].holds(compat)).toBe(false);
    expect(GUEST_RIP_RFLAGS_IMPL['GUEST.RIP.HI'].applies(env(48, 0n))).toBe(false);
  });
});
