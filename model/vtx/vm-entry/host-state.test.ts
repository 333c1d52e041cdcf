// §26.2.2–26.2.3: PAT memory-type validity and canonical addresses at linear widths 48 and 57.
import { describe, expect, it } from 'vitest';
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { writeFields } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { hiOf, loOf } from '../u64.js';
import { makeEntryEnv } from './env.js';
import { HOST_STATE_IMPL } from './host-state.js';
import { patValid } from './msr-values.js';

const pat = (v: bigint) => patValid(loOf(v), hiOf(v));

describe('PAT validity', () => {
  it('accepts the memory types 0, 1, 4, 5, 6, 7 in every byte', () => {
    expect(pat(0x0007_0406_0007_0406n)).toBe(true);
    expect(pat(0x0706_0504_0100_0706n)).toBe(true);
  });

  it('rejects 2, 3 and values above 7 in any of the eight bytes', () => {
    for (let byte = 0n; byte < 8n; byte++) {
      for (const bad of [2n, 3n, 8n, 0xffn]) {
        expect(pat(bad << (8n * byte))).toBe(false);
      }
    }
  });
});

const fsBaseCanonical = (width: number, base: bigint): boolean => {
  const max = BUILTIN_PROFILES['vtx-max'];
  const profile = { ...max, linearAddressWidth: width };
  const s = baselineState(profile, 'ia32e');
  const image = writeFields(s.vmcs.get(s.currentVmcs!)!.fields, { HOST_FS_BASE: base });
  return HOST_STATE_IMPL['HOST.BASE.FS.CANON'].holds(makeEntryEnv(decodeCapabilities(profile), s, 'VMLAUNCH', image));
};

describe('canonical host bases', () => {
  it('width 48: bits 63:47 all equal', () => {
    expect(fsBaseCanonical(48, 0x0000_7fff_ffff_ffffn)).toBe(true);
    expect(fsBaseCanonical(48, 0xffff_8000_0000_0000n)).toBe(true);
    expect(fsBaseCanonical(48, 0x0000_8000_0000_0000n)).toBe(false);
    expect(fsBaseCanonical(48, 0xfffe_ffff_ffff_ffffn)).toBe(false);
  });

  it('width 57: bits 63:56 all equal', () => {
    expect(fsBaseCanonical(57, 0x0000_8000_0000_0000n)).toBe(true);
    expect(fsBaseCanonical(57, 0x00ff_ffff_ffff_ffffn)).toBe(true);
    expect(fsBaseCanonical(57, 0xff00_0000_0000_0000n)).toBe(true);
    expect(fsBaseCanonical(57, 0x0100_0000_0000_0000n)).toBe(false);
    expect(fsBaseCanonical(57, 0xfe80_0000_0000_0000n)).toBe(false);
  });
});
