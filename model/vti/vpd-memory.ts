/**
 * The VPD seen as memory (spec/vti/vpd.ts layout): loads and stores inside a created VP's 64 KiB
 * reach the typed record, PAL_VP_CREATE builds the record from memory, and PAL_VP_TERMINATE /
 * PAL_VP_EXIT_ENV give it back. Part of VTI.NATIVE.MEMORY, VTI.PAL.VP_CREATE.OK,
 * VTI.PAL.VP_TERMINATE.OK and VTI.PAL.VP_EXIT_ENV.OK.
 */
import { VPD_OFFSETS, type Gr, type Vpd, type VtiState } from '../../spec/vti/machine/state.js';
import { ZERO_GR } from '../../spec/vti/machine/initial.js';
import { VPD_SIZE } from '../../spec/vti/vpd.js';
import { u64 } from './bits.js';

const O = VPD_OFFSETS;

const natBits = (regs: readonly Gr[]): bigint => regs.reduce((m, g, i) => (g.nat ? m | (1n << BigInt(i)) : m), 0n);
const withNats = (regs: readonly Gr[], mask: bigint): Gr[] =>
  Array.from({ length: 16 }, (_, i) => ({ value: regs[i]?.value ?? 0n, nat: ((mask >> BigInt(i)) & 1n) === 1n }));
const withValue = (regs: readonly Gr[], i: number, v: bigint): Gr[] =>
  Array.from({ length: 16 }, (_, j) => (j === i ? { value: v, nat: regs[j]?.nat ?? false } : regs[j] ?? ZERO_GR));

/** The 8-byte word at `offset` (8-byte aligned) of the VPD. */
export const vpdRead = (v: Vpd, offset: number): bigint => {
  if (offset === O.vac) return v.vac;
  if (offset === O.vdc) return v.vdc;
  if (offset === O.virtEnvVaddr) return v.virtEnvVaddr;
  if (offset === O.vhpi) return v.vhpi;
  if (offset >= O.vgr && offset < O.vgr + 128) return v.vgr[(offset - O.vgr) / 8]?.value ?? 0n;
  if (offset >= O.vbgr && offset < O.vbgr + 128) return v.vbgr[(offset - O.vbgr) / 8]?.value ?? 0n;
  if (offset === O.vnat) return natBits(v.vgr);
  if (offset === O.vbnat) return natBits(v.vbgr);
  if (offset >= O.vcpuid && offset < O.vcpuid + 40) return v.vcpuid[(offset - O.vcpuid) / 8] ?? 0n;
  if (offset === O.vpsr) return v.vpsr;
  if (offset === O.vpr) return v.vpr;
  if (offset === O.vrseCfle) return v.vrseCfle;
  if (offset >= O.vcr && offset < O.vcr + 1024) return v.vcr.get((offset - O.vcr) / 8) ?? 0n;
  return v.other.get(offset) ?? 0n;
};

/** The VPD with the 8-byte word at `offset` replaced. */
export const vpdWrite = (v: Vpd, offset: number, value: bigint): Vpd => {
  const x = u64(value);
  if (offset === O.vac) return { ...v, vac: x };
  if (offset === O.vdc) return { ...v, vdc: x };
  if (offset === O.virtEnvVaddr) return { ...v, virtEnvVaddr: x };
  if (offset === O.vhpi) return { ...v, vhpi: x };
  if (offset >= O.vgr && offset < O.vgr + 128) return { ...v, vgr: withValue(v.vgr, (offset - O.vgr) / 8, x) };
  if (offset >= O.vbgr && offset < O.vbgr + 128) return { ...v, vbgr: withValue(v.vbgr, (offset - O.vbgr) / 8, x) };
  if (offset === O.vnat) return { ...v, vgr: withNats(v.vgr, x) };
  if (offset === O.vbnat) return { ...v, vbgr: withNats(v.vbgr, x) };
  if (offset >= O.vcpuid && offset < O.vcpuid + 40) {
    const vcpuid = Array.from({ length: 5 }, (_, i) => (i === (offset - O.vcpuid) / 8 ? x : v.vcpuid[i] ?? 0n));
    return { ...v, vcpuid };
  }
  if (offset === O.vpsr) return { ...v, vpsr: x };
  if (offset === O.vpr) return { ...v, vpr: x };
  if (offset === O.vrseCfle) return { ...v, vrseCfle: x };
  if (offset >= O.vcr && offset < O.vcr + 1024) {
    const vcr = new Map(v.vcr);
    vcr.set((offset - O.vcr) / 8, x);
    return { ...v, vcr };
  }
  const other = new Map(v.other);
  other.set(offset, x);
  return { ...v, other };
};

const EMPTY: Vpd = {
  vac: 0n, vdc: 0n, virtEnvVaddr: 0n, vhpi: 0n,
  vgr: Array.from({ length: 16 }, () => ZERO_GR), vbgr: Array.from({ length: 16 }, () => ZERO_GR),
  vcpuid: [0n, 0n, 0n, 0n, 0n], vpsr: 0n, vpr: 0n, vrseCfle: 0n, vcr: new Map(), other: new Map(),
};

const inWindow = (base: bigint, addr: bigint): boolean => addr >= base && addr < base + BigInt(VPD_SIZE);

/** The VPD record read from the memory words at [base, base + 64 KiB), and the memory without them. */
export const vpdFromMemory = (memory: ReadonlyMap<bigint, bigint>, base: bigint): { vpd: Vpd; memory: ReadonlyMap<bigint, bigint> } => {
  let vpd = EMPTY;
  const rest = new Map<bigint, bigint>();
  for (const [a, v] of memory) {
    if (inWindow(base, a)) vpd = vpdWrite(vpd, Number(a - base), v);
    else rest.set(a, v);
  }
  return { vpd, memory: rest };
};

/** Memory with the VPD record written back at `base` (zero words are left absent). */
export const vpdToMemory = (memory: ReadonlyMap<bigint, bigint>, base: bigint, vpd: Vpd): ReadonlyMap<bigint, bigint> => {
  const out = new Map(memory);
  for (let off = 0; off < 0x1000; off += 8) {
    const v = vpdRead(vpd, off);
    if (v !== 0n) out.set(base + BigInt(off), v);
  }
  for (const [off, v] of vpd.other) if (off >= 0x1000 && v !== 0n) out.set(base + BigInt(off), v);
  return out;
};

/** The created VP whose VPD holds `addr`, with the offset inside it. */
export const vpdAt = (s: VtiState, addr: bigint): { base: bigint; offset: number; vpd: Vpd } | null => {
  if (s.pal.status !== 'initialised') return null;
  for (const [base, vp] of s.pal.vps) if (inWindow(base, addr)) return { base, offset: Number(addr - base), vpd: vp.vpd };
  return null;
};

/** `s` with the VPD of the VP at `base` replaced. */
export const setVpd = (s: VtiState, base: bigint, vpd: Vpd): VtiState => {
  if (s.pal.status !== 'initialised') return s;
  const vp = s.pal.vps.get(base);
  if (vp === undefined) return s;
  const vps = new Map(s.pal.vps);
  vps.set(base, { ...vp, vpd });
  return { ...s, pal: { ...s.pal, vps } };
};
