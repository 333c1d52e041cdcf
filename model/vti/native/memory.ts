/**
 * ld8 and st8 (SDM 3) on the sparse memory of spec/vti/machine/state.ts: the implemented-address
 * check of the running context first (so a guest cannot reach the VMM's half), alignment, and the
 * VPD window of created VPs.
 */
import { hex, mapGet, mapSet } from '../bits.js';
import { vaImplemented } from '../address-space.js';
import { raise } from '../interruption.js';
import { because, type Decision } from '../outcome.js';
import { setVpd, vpdAt, vpdRead, vpdWrite } from '../vpd-memory.js';
import { complete, gr, natConsumption, val, type Ctx } from './common.js';

const ISR_R = 1n << 34n;
const ISR_W = 1n << 33n;

const check = (ctx: Ctx, addr: bigint, isrBits: bigint): Decision | null => {
  if (!vaImplemented(ctx.profile, ctx.state.psr, addr)) {
    return raise(ctx.state, 'unimplementedDataAddress', [because('VTI.UNIMPL_VA.DATA', `${hex(addr)} uses an unimplemented address bit for this context`)], { ifa: addr, isrBits });
  }
  if ((addr & 7n) !== 0n) return raise(ctx.state, 'unalignedReference', [because('VTI.NATIVE.MEMORY', `${hex(addr)} is not 8-byte aligned`)], { ifa: addr, isrBits });
  return null;
};

/** ld8 r1 = [r3]. Implements VTI.NATIVE.MEMORY (and VTI.UNIMPL_VA.DATA, VTI.UNIMPL_VA.VMM). */
export const ld8 = (ctx: Ctx, r1: number, r3: number): Decision => {
  const nat = natConsumption(ctx, [r3]);
  if (nat !== null) return nat;
  const addr = val(ctx, r3);
  const bad = check(ctx, addr, ISR_R);
  if (bad !== null) return bad;
  const w = vpdAt(ctx.state, addr);
  const v = w === null ? mapGet(ctx.state.memory, addr) : vpdRead(w.vpd, w.offset);
  return complete(ctx, ctx.state, [because('VTI.NATIVE.MEMORY', `r${r1} = [${hex(addr)}]${w === null ? '' : ` (VPD + ${hex(w.offset)})`}`)], { r1, g: gr(v) });
};

/** st8 [r3] = r2. Implements VTI.NATIVE.MEMORY (and VTI.UNIMPL_VA.DATA, VTI.UNIMPL_VA.VMM). */
export const st8 = (ctx: Ctx, r3: number, r2: number): Decision => {
  const nat = natConsumption(ctx, [r3, r2]);
  if (nat !== null) return nat;
  const addr = val(ctx, r3);
  const bad = check(ctx, addr, ISR_W);
  if (bad !== null) return bad;
  const w = vpdAt(ctx.state, addr);
  const v = val(ctx, r2);
  const after = w === null ? { ...ctx.state, memory: mapSet(ctx.state.memory, addr, v) } : setVpd(ctx.state, w.base, vpdWrite(w.vpd, w.offset, v));
  return complete(ctx, after, [because('VTI.NATIVE.MEMORY', `[${hex(addr)}] = r${r2}${w === null ? '' : ` (VPD + ${hex(w.offset)})`}`)]);
};
