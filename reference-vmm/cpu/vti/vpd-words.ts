/**
 * The reference CPU keeps a VPD as what it is in memory: 8-byte words keyed by their offset in the
 * 64 KiB (spec/vti/vpd.ts). Accelerations, loads and stores all reach the same words; the typed `Vpd`
 * record of spec/vti/machine/state.ts is only built at the boundary (copy in, snapshot out).
 *
 * NaT bits of vgr / vbgr live in the vnat / vbnat words, bit i for GR16+i (our choice: LK/XEN keep
 * them in these words, and the position inside the word is not architected; README.md).
 */
import { VPD_SIZE, vcrOffset } from '../../../spec/vti/vpd.js';
import { VPD_OFFSETS, type Gr, type Vpd } from '../../../spec/vti/machine/state.js';
import { bitOf } from './bits.js';

export type VpdWords = Map<number, bigint>;

export const VPD_WORDS = VPD_SIZE / 8;
const VCR_FIRST = vcrOffset(0);
const VCR_LAST = vcrOffset(127);
const VCPUID_COUNT = 5;

export const word = (w: VpdWords, offset: number): bigint => w.get(offset) ?? 0n;
export const setWord = (w: VpdWords, offset: number, v: bigint): void => {
  if (v === 0n) w.delete(offset);
  else w.set(offset, v);
};

/** Offsets the typed record names (everything else is `other`). */
const named = (offset: number): boolean =>
  offset === VPD_OFFSETS.vac || offset === VPD_OFFSETS.vdc || offset === VPD_OFFSETS.virtEnvVaddr || offset === VPD_OFFSETS.vhpi ||
  (offset >= VPD_OFFSETS.vgr && offset < VPD_OFFSETS.vgr + 16 * 8) || (offset >= VPD_OFFSETS.vbgr && offset < VPD_OFFSETS.vbgr + 16 * 8) ||
  offset === VPD_OFFSETS.vnat || offset === VPD_OFFSETS.vbnat ||
  (offset >= VPD_OFFSETS.vcpuid && offset < VPD_OFFSETS.vcpuid + VCPUID_COUNT * 8) ||
  offset === VPD_OFFSETS.vpsr || offset === VPD_OFFSETS.vpr || offset === VPD_OFFSETS.vrseCfle ||
  (offset >= VCR_FIRST && offset <= VCR_LAST);

const natWord = (regs: readonly Gr[]): bigint => regs.reduce((m, g, i) => (g.nat && i < 16 ? m | (1n << BigInt(i)) : m), 0n);

export const wordsFromVpd = (vpd: Vpd): VpdWords => {
  const w: VpdWords = new Map();
  for (const [k, v] of vpd.other) if (!named(k)) setWord(w, k, v);
  setWord(w, VPD_OFFSETS.vac, vpd.vac);
  setWord(w, VPD_OFFSETS.vdc, vpd.vdc);
  setWord(w, VPD_OFFSETS.virtEnvVaddr, vpd.virtEnvVaddr);
  setWord(w, VPD_OFFSETS.vhpi, vpd.vhpi);
  for (let i = 0; i < 16; i++) {
    setWord(w, VPD_OFFSETS.vgr + 8 * i, vpd.vgr[i]?.value ?? 0n);
    setWord(w, VPD_OFFSETS.vbgr + 8 * i, vpd.vbgr[i]?.value ?? 0n);
  }
  setWord(w, VPD_OFFSETS.vnat, natWord(vpd.vgr));
  setWord(w, VPD_OFFSETS.vbnat, natWord(vpd.vbgr));
  for (let i = 0; i < VCPUID_COUNT; i++) setWord(w, VPD_OFFSETS.vcpuid + 8 * i, vpd.vcpuid[i] ?? 0n);
  setWord(w, VPD_OFFSETS.vpsr, vpd.vpsr);
  setWord(w, VPD_OFFSETS.vpr, vpd.vpr);
  setWord(w, VPD_OFFSETS.vrseCfle, vpd.vrseCfle);
  for (const [n, v] of vpd.vcr) if (n >= 0 && n < 128) setWord(w, vcrOffset(n), v);
  return w;
};

const regs = (w: VpdWords, base: number, natOffset: number): Gr[] => {
  const nats = word(w, natOffset);
  return Array.from({ length: 16 }, (_, i) => ({ value: word(w, base + 8 * i), nat: bitOf(nats, i) }));
};

export const vpdFromWords = (w: VpdWords): Vpd => {
  const vcr = new Map<number, bigint>();
  const other = new Map<number, bigint>();
  for (const [k, v] of w) {
    if (k >= VCR_FIRST && k <= VCR_LAST) vcr.set((k - VCR_FIRST) / 8, v);
    else if (!named(k)) other.set(k, v);
  }
  return {
    vac: word(w, VPD_OFFSETS.vac),
    vdc: word(w, VPD_OFFSETS.vdc),
    virtEnvVaddr: word(w, VPD_OFFSETS.virtEnvVaddr),
    vhpi: word(w, VPD_OFFSETS.vhpi),
    vgr: regs(w, VPD_OFFSETS.vgr, VPD_OFFSETS.vnat),
    vbgr: regs(w, VPD_OFFSETS.vbgr, VPD_OFFSETS.vbnat),
    vcpuid: Array.from({ length: VCPUID_COUNT }, (_, i) => word(w, VPD_OFFSETS.vcpuid + 8 * i)),
    vpsr: word(w, VPD_OFFSETS.vpsr),
    vpr: word(w, VPD_OFFSETS.vpr),
    vrseCfle: word(w, VPD_OFFSETS.vrseCfle),
    vcr,
    other,
  };
};
