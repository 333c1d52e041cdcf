// §26.3.1.6: reserved bits of a present PDPTE (2:1, 8:5, 63:MAXPHYADDR) and where the PDPTEs are read from.
import { describe, expect, it } from 'vitest';
import { baselineState } from '../../../conformance/vtx/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { writeFields } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { hiOf, loOf } from '../u64.js';
import { makeEntryEnv } from './env.js';
import { GUEST_PDPTES_IMPL, pdpteValid } from './guest-pdptes.js';

const valid = (v: bigint, paw = 46): boolean => pdpteValid(loOf(v), hiOf(v), paw);
const bit = (n: number): bigint => 1n << BigInt(n);
const PRESENT = 1n;

describe('PDPTE reserved bits', () => {
  it('a non-present entry is never checked', () => {
    expect(valid(0xffff_ffff_ffff_fffen)).toBe(true);
  });

  it('bits 2:1 and 8:5 are reserved in a present entry', () => {
    for (const n of [1, 2, 5, 6, 7, 8]) expect(valid(PRESENT | bit(n)), `bit ${n}`).toBe(false);
  });

  it('PWT (3), PCD (4), the ignored bits 11:9 and the address bits below MAXPHYADDR are allowed', () => {
    for (const n of [3, 4, 9, 10, 11, 12, 31, 32, 45]) expect(valid(PRESENT | bit(n)), `bit ${n}`).toBe(true);
  });

  it('bits 63:MAXPHYADDR are reserved', () => {
    expect(valid(PRESENT | bit(46), 46)).toBe(false);
    expect(valid(PRESENT | bit(63), 46)).toBe(false);
    expect(valid(PRESENT | bit(45), 46)).toBe(true);
    expect(valid(PRESENT | bit(36), 36)).toBe(false);
    expect(valid(PRESENT | bit(35), 36)).toBe(true);
    expect(valid(PRESENT | bit(51), 52)).toBe(true);
    expect(valid(PRESENT | bit(52), 52)).toBe(false);
  });
});

describe('GUEST.PDPTE.NOEPT reads the table at guest CR3[31:5]', () => {
  const profile = BUILTIN_PROFILES['vtx-max'];
  const holds = (cr3: bigint, table: bigint, entry: bigint): boolean => {
    const base = baselineState(profile, 'protected');
    const s = { ...base, memory: new Map(base.memory).set(table + 16n, entry) };
    const image = writeFields(s.vmcs.get(s.currentVmcs!)!.fields, { GUEST_CR3: cr3, GUEST_CR4: 0x2020n });
    const e = makeEntryEnv(decodeCapabilities(profile), s, 'VMLAUNCH', image);
    expect(GUEST_PDPTES_IMPL['GUEST.PDPTE.NOEPT'].applies(e)).toBe(true);
    return GUEST_PDPTES_IMPL['GUEST.PDPTE.NOEPT'].holds(e);
  };

  it('finds a bad third entry through CR3 bits 31:5, ignoring bits 4:0', () => {
    expect(holds(0x9020n, 0x9020n, PRESENT | bit(5))).toBe(false);
    expect(holds(0x903fn, 0x9020n, PRESENT | bit(5))).toBe(false);
    expect(holds(0x9020n, 0x9020n, PRESENT)).toBe(true);
  });

  it('does not look at a table 32 bytes away', () => {
    expect(holds(0x9040n, 0x9020n, PRESENT | bit(5))).toBe(true);
  });
});
