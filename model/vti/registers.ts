/**
 * General registers as the instructions name them (SDM 1:§3.1.1, §4.1): GR0 reads 0 and cannot be a
 * target, GR16-31 are the PSR.bn bank, GR32+ the current frame. Also the bank switch and the frame
 * moves of br.call/br.ret/cover/rfi on the abstract register stack (spec/vti/machine/state.ts).
 */
import type { Cfm, Gr, VtiState } from '../../spec/vti/machine/state.js';
import { ZERO_GR } from '../../spec/vti/machine/initial.js';
import { psrGet, u64 } from './bits.js';

export const readGr = (s: VtiState, r: number): Gr => (r === 0 ? ZERO_GR : s.gr[r] ?? ZERO_GR);

export const writeGr = (s: VtiState, r: number, g: Gr): VtiState => {
  if (r <= 0 || r > 127) return s;
  const gr = [...s.gr];
  gr[r] = { value: u64(g.value), nat: g.nat };
  return { ...s, gr };
};

/** Whether GR r exists in the current frame (VTI.NATIVE.REGISTER_FRAME). */
export const inFrame = (s: VtiState, r: number, cfm: Cfm = s.rse.cfm): boolean =>
  Number.isInteger(r) && r >= 0 && r < 32 + Math.min(cfm.sof, 96);

/** GR16-31 of the active bank and the inactive bank exchanged: bsw and interruption delivery. */
export const swapBanks = (s: VtiState): VtiState => {
  const gr = [...s.gr];
  const inactive = gr.slice(16, 32);
  for (let i = 0; i < 16; i++) gr[16 + i] = s.grInactiveBank[i] ?? ZERO_GR;
  return { ...s, gr, grInactiveBank: inactive.map((g) => g ?? ZERO_GR) };
};

/** Select bank `bank` (0 or 1) of GR16-31 and set PSR.bn accordingly. */
export const selectBank = (s: VtiState, bank: 0n | 1n): VtiState => {
  if (psrGet(s.psr, 'bn') === bank) return s;
  const swapped = swapBanks(s);
  const bn = 1n << 44n;
  return { ...swapped, psr: bank === 1n ? swapped.psr | bn : swapped.psr & ~bn };
};

/** The stacked registers GR32.. as one list of 96. */
const stacked = (s: VtiState): Gr[] => Array.from({ length: 96 }, (_, i) => s.gr[32 + i] ?? ZERO_GR);
const withStacked = (s: VtiState, regs: readonly Gr[]): VtiState => {
  const gr = [...s.gr];
  for (let i = 0; i < 96; i++) gr[32 + i] = regs[i] ?? ZERO_GR;
  return { ...s, gr };
};

/**
 * The first `count` registers of the frame leave it (pushed as one saved frame) and the rest move
 * down: br.call with count = sol, cover with count = sof. The new CFM is the caller's to give.
 */
export const pushFrame = (s: VtiState, count: number, cfm: Cfm): VtiState => {
  const regs = stacked(s);
  const n = Math.max(0, Math.min(count, 96));
  const moved = withStacked(s, [...regs.slice(n), ...Array.from({ length: n }, () => ZERO_GR)]);
  return { ...moved, rse: { ...moved.rse, cfm, frames: [...s.rse.frames, { regs: regs.slice(0, n) }] } };
};

/**
 * The saved frame on top comes back as the first `count` registers and the current ones move up
 * after it: br.ret with count = the restored sol, rfi with count = the restored sof. An empty stack
 * gives zero registers (the abstraction has no backing store to fill from).
 */
export const popFrame = (s: VtiState, count: number, cfm: Cfm): VtiState => {
  const n = Math.max(0, Math.min(count, 96));
  const top = s.rse.frames[s.rse.frames.length - 1];
  const saved = Array.from({ length: n }, (_, i) => top?.regs[i] ?? ZERO_GR);
  const moved = withStacked(s, [...saved, ...stacked(s)].slice(0, 96));
  return { ...moved, rse: { ...moved.rse, cfm, frames: s.rse.frames.slice(0, -1) } };
};

/** CFM as AR.PFS.pfm / IFS.ifm hold it: sof in bits 6:0, sol in 13:7 (SDM 1:§4.1). */
export const encodeCfm = (c: Cfm): bigint => BigInt(c.sof & 0x7f) | (BigInt(c.sol & 0x7f) << 7n);
export const decodeCfm = (v: bigint): Cfm => {
  const sof = Math.min(Number(v & 0x7fn), 96);
  return { sof, sol: Math.min(Number((v >> 7n) & 0x7fn), sof) };
};
