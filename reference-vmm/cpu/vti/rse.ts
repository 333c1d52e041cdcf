/**
 * The register stack, abstracted as spec/vti/machine/state.ts describes it (no backing store in
 * memory): frames leaving the current one are pushed on `frames`, and come back on br.ret and on rfi
 * with IFS.v = 1 (SDM 1:§4.1, 2:§6).
 */
import type { Machine } from './machine.js';

export const MAX_SOF = 96;
const IFS_V = 1n << 63n;

/** CFM / PFS.pfm / IFS.ifm: sof 6:0, sol 13:7 (SDM 1:§3.1.7). */
export const frameMarker = (m: Machine): bigint => BigInt(m.sof) | (BigInt(m.sol) << 7n);
export const ifsValue = (m: Machine): bigint => IFS_V | frameMarker(m);
export const ifsValid = (ifs: bigint): boolean => (ifs & IFS_V) !== 0n;

/** A frame marker's sizes, clamped to what the architecture allows (sof ≤ 96, sol ≤ sof): our choice for invalid markers. */
export const markerSizes = (marker: bigint): { sof: number; sol: number } => {
  const sof = Math.min(Number(marker & 0x7fn), MAX_SOF);
  return { sof, sol: Math.min(Number((marker >> 7n) & 0x7fn), sof) };
};

const take = (m: Machine, first: number, count: number): { values: bigint[]; nats: boolean[] } => ({
  values: Array.from({ length: count }, (_, i) => m.grValues[first + i] ?? 0n),
  nats: Array.from({ length: count }, (_, i) => m.grNats[first + i] === 1),
});

const put = (m: Machine, first: number, values: readonly bigint[], nats: readonly boolean[]): void => {
  values.forEach((v, i) => {
    if (first + i < 128) {
      m.grValues[first + i] = v;
      m.grNats[first + i] = nats[i] === true ? 1 : 0;
    }
  });
};

/** cover: the whole current frame leaves it; CFM becomes empty. */
export const pushWholeFrame = (m: Machine): void => {
  m.frames.push(take(m, 32, m.sof));
  m.sof = 0;
  m.sol = 0;
};

/**
 * rfi with IFS.v = 1: the covered frame comes back as the current one with the sizes of IFS. With
 * nothing to pop, its registers read 0 (filled from an empty backing store, as for br.ret).
 */
export const popWholeFrame = (m: Machine, sof: number, sol: number): void => {
  const f = m.frames.pop();
  put(m, 32, Array.from({ length: sof }, (_, i) => f?.values[i] ?? 0n), Array.from({ length: sof }, (_, i) => f?.nats[i] ?? false));
  m.sof = sof;
  m.sol = sol;
};

/** br.call: the caller's locals leave the frame; its outputs become GR32.. of the callee. */
export const callFrame = (m: Machine): void => {
  const outputs = take(m, 32 + m.sol, m.sof - m.sol);
  m.frames.push(take(m, 32, m.sol));
  put(m, 32, outputs.values, outputs.nats);
  m.sof -= m.sol;
  m.sol = 0;
};

/**
 * br.ret: the caller's frame (sizes from PFS.pfm) is its popped locals followed by the callee's
 * GR32.. as its outputs. With nothing to pop, the locals read 0 (filled from an empty backing store:
 * our choice, README.md).
 */
export const returnFrame = (m: Machine, sof: number, sol: number): void => {
  const outputs = take(m, 32, sof - sol);
  const f = m.frames.pop();
  const locals = Array.from({ length: sol }, (_, i) => f?.values[i] ?? 0n);
  const natLocals = Array.from({ length: sol }, (_, i) => f?.nats[i] ?? false);
  put(m, 32, locals, natLocals);
  put(m, 32 + sol, outputs.values, outputs.nats);
  m.sof = sof;
  m.sol = sol;
};
