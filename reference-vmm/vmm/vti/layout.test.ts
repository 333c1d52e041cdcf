import { describe, expect, it } from 'vitest';
import { DEFAULT_VTI_PROFILE } from '../../../spec/vti/machine/profile.js';
import { guestProfile, isVmmOnlyAddress, vmmLayout } from './layout.js';

describe("the VMM's half of the address space (ITJ: PSR.vm = 1 loses the uppermost implemented VA bit)", () => {
  const p = DEFAULT_VTI_PROFILE;

  it('holds every VMM structure, and no guest address', () => {
    const l = vmmLayout(p);
    for (const a of [l.code, l.vpd, l.bufferVirtual, l.hostIva, l.hostIva + 0x6100n, l.vhpt]) expect(isVmmOnlyAddress(p, a)).toBe(true);
    for (const a of [0n, 0x0000_0000_0040_0000n, 0xe000_0000_0010_0000n, 0x0001_ffff_ffff_fff0n, 0xfffe_0000_0000_0000n]) {
      expect(isVmmOnlyAddress(p, a)).toBe(false);
    }
  });

  it('keeps the VPD 32 KiB aligned and the PAL buffer 4 KiB aligned', () => {
    const l = vmmLayout(p);
    expect(l.vpd % 0x8000n).toBe(0n);
    expect(l.bufferVirtual % 0x1000n).toBe(0n);
    expect(l.bufferPhysical % 0x1000n).toBe(0n);
  });

  it('tells the guest it has one implemented bit fewer and no VM features', () => {
    expect(guestProfile(p).implVaMsb).toBe(p.implVaMsb - 1);
    expect(guestProfile(p).palProcFeatures).toBe(0n);
  });
});
