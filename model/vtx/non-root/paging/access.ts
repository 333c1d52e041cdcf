/**
 * One guest memory access by linear address, before the data moves: the abstraction's alignment
 * rule (PAGING.ALIGNMENT), the canonical-address check of IA-32e mode (PAGING.CANONICAL), then guest
 * paging and EPT (./walk.ts). Outside IA-32e mode linear addresses are 32 bits wide.
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { hex } from '../events/info.js';
import { decision } from '../result.js';
import type { Translation } from './types.js';
import { translateLinear, type WalkContext } from './walk.js';

const EFER_LMA = 1n << 10n;

export const ia32eMode = (s: VtxState): boolean => (s.cpu.efer & EFER_LMA) !== 0n;

/** Bits 63 down to width−1 all equal (Vol. 3A §3.3.7.1). */
export const isCanonical = (address: bigint, width: number): boolean => {
  if (width >= 64) return true;
  const top = BigInt.asUintN(64, address) >> BigInt(width - 1);
  return top === 0n || top === (1n << BigInt(65 - width)) - 1n;
};

const gp0 = (decisions: readonly Decision[], rule: string, section: string, why: string, vector = 13): Translation =>
  ({ ok: false, failure: { kind: 'exception', vector, errorCode: 0, decisions: [...decisions, decision(rule, section, why)] } });

/** Translates a naturally aligned access of `size` bytes; #GP(0) when misaligned or non-canonical (#SS(0) for a stack access). */
export const translateAccess = (caps: Capabilities, s: VtxState, linear: bigint, size: number, ctx: WalkContext, decisions: readonly Decision[]): Translation => {
  if (size > 1 && linear % BigInt(size) !== 0n) {
    return gp0(decisions, 'PAGING.ALIGNMENT', 'abstraction', `${size}-byte access at ${hex(linear)} is not naturally aligned`);
  }
  if (ia32eMode(s)) {
    if (!isCanonical(linear, caps.linearAddressWidth)) {
      return gp0(decisions, 'PAGING.CANONICAL', '3.3.7.1', `${hex(linear)} is not canonical (linear-address width ${caps.linearAddressWidth})${ctx.stack === true ? ': a stack access, #SS(0)' : ''}`, ctx.stack === true ? 12 : 13);
    }
    return translateLinear(caps, s, BigInt.asUintN(64, linear), ctx, decisions);
  }
  return translateLinear(caps, s, linear & 0xffff_ffffn, ctx, decisions);
};
