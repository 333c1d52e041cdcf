/**
 * thash and ttag (causes 31, 32): the non-privileged instructions that would reveal where the VHPT
 * really is (ITJ, "Nonfaulting Access to Privileged State"). With PSR.vm = 1 they always intercept,
 * so the VMM answers from the guest's PTA and region register, whatever it did with the machine's
 * PTA: the relocation stays concealed.
 *
 * Short format (PTA.vf = 0): the SDM thash hash (LK vcpu_thash, XEN vmx_vcpu_thash). Long format
 * and tags are implementation-specific: the VMM asks PAL (PAL_VPS_THASH, PAL_VPS_TTAG; LK does the
 * same), which answers for the processor the guest runs on. A NaT or unimplemented address gives a
 * NaT result without a fault (SDM 3:265).
 */
import { bit, bits, u64 } from '../bits.js';
import { completed, guestImplemented, setResult, src, type Emu, type Emulation } from './common.js';

const CR_PTA = 8;
const REGION = 0xe000_0000_0000_0000n;

/** SDM 3:265 short-format hash of `vadr` for a VHPT at `pta` and page size from `rr`. */
export const shortFormatHash = (vadr: bigint, pta: bigint, rr: bigint): bigint => {
  const size = bits(pta, 7, 2);
  const ps = bits(rr, 7, 2);
  // SDM 2:§4.1.6.1, Figure 4-14: the base is PTA{60:15}; the table size masks the offset's bits
  // 60:15 only. LK/XEN's formula agrees from the minimum size 2^15 up; below it, it would let PTA's
  // low bits (ve, size) into the hash, which the guest's own processor does not.
  const base = pta & ~REGION & ~0x7fffn & ~((1n << size) - 1n);
  const offset = u64((vadr >> ps) << 3n) & ((1n << (size > 15n ? size : 15n)) - 1n);
  return u64((vadr & REGION) | base | offset);
};

/** GR31, where PAL services return their value (VPS_CALLING_CONVENTION). */
const palResult = (e: Emu): bigint => e.vm.host.state.gr[31]?.value ?? 0n;

/** The long-format hash (PTA.vf = 1) of the processor the guest runs on, from PAL (LK vcpu_thash). */
export const longFormatHash = (e: Emu, vadr: bigint, vpta: bigint, vrr: bigint): bigint => {
  e.vm.host.palOk({ name: 'PAL_VPS_THASH', vadr, vrr, vpta });
  return palResult(e);
};

/** The operand, or null when the result is NaT. */
const operand = (e: Emu, r1: number, r3: number): bigint | null => {
  const a = src(e, r3);
  if (a.nat || !guestImplemented(e, a.value)) {
    setResult(e, r1, 0n, true);
    return null;
  }
  return a.value;
};

const guestRr = (e: Emu, vadr: bigint): bigint => e.vm.shadow.rr[Number(bits(vadr, 63, 61))] ?? 0n;

export const thash = (e: Emu, r1: number, r3: number): Emulation => {
  const vadr = operand(e, r1, r3);
  if (vadr === null) return completed;
  const vpta = e.vm.host.vpd().vcr.get(CR_PTA) ?? 0n;
  const vrr = guestRr(e, vadr);
  setResult(e, r1, bit(vpta, 8) ? longFormatHash(e, vadr, vpta, vrr) : shortFormatHash(vadr, vpta, vrr));
  return completed;
};

export const ttag = (e: Emu, r1: number, r3: number): Emulation => {
  const vadr = operand(e, r1, r3);
  if (vadr === null) return completed;
  e.vm.host.palOk({ name: 'PAL_VPS_TTAG', vadr, vrr: guestRr(e, vadr) });
  setResult(e, r1, palResult(e));
  return completed;
};
