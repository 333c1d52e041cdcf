/**
 * The PSR instructions with nothing virtualized (SDM 3:185, ssm/rsm pages): mov psr.l, mov psr.um,
 * mov from psr / psr.um, ssm, rsm. Setting a reserved PSR bit is a Reserved Register/Field fault.
 */
import { PSR_L_MASK, PSR_MOV_FROM_MASK } from '../../../spec/vti/psr.js';
import { hex, psrGet, psrMask, PSR_RESERVED_MASK } from '../bits.js';
import { raise } from '../interruption.js';
import { because } from '../outcome.js';
import { complete, gr, natConsumption, val, type Ctx } from './common.js';

const UM = 0x3en;
const SYSTEM_MASK = 0xff_ffffn;

const reserved = (ctx: Ctx, v: bigint, rule: string) =>
  (v & PSR_RESERVED_MASK) === 0n ? null
    : raise(ctx.state, 'reservedRegisterField', [because(rule, `sets reserved PSR bits ${hex(v & PSR_RESERVED_MASK)}`)]);

/** mov psr.l = r2: PSR{31:0}. Implements VTI.NATIVE.MOV_PSR. */
export const movToPsrL = (ctx: Ctx, r2: number) => {
  const v = val(ctx, r2) & PSR_L_MASK;
  return natConsumption(ctx, [r2]) ?? reserved(ctx, v, 'VTI.NATIVE.MOV_PSR') ??
    complete(ctx, { ...ctx.state, psr: (ctx.state.psr & ~PSR_L_MASK) | v }, [because('VTI.NATIVE.MOV_PSR', `PSR{31:0} = ${hex(v)}`)]);
};

/** mov psr.um = r2: PSR{5:1} (not privileged; setting reserved bit 0 faults). Implements VTI.NATIVE.MOV_PSR. */
export const movToPsrUm = (ctx: Ctx, r2: number) => {
  // With PSR.sp = 1 (secure performance monitors) PSR.up is not modified.
  const mask = psrGet(ctx.state.psr, 'sp') === 1n ? UM & ~psrMask('up') : UM;
  return natConsumption(ctx, [r2]) ?? reserved(ctx, val(ctx, r2) & 0x3fn, 'VTI.NATIVE.MOV_PSR') ??
    complete(ctx, { ...ctx.state, psr: (ctx.state.psr & ~mask) | (val(ctx, r2) & mask) }, [because('VTI.NATIVE.MOV_PSR', 'user mask written')]);
};

/** mov r1 = psr: PSR{31:0} and {36:35}. Implements VTI.NATIVE.MOV_PSR. */
export const movFromPsr = (ctx: Ctx, r1: number) =>
  complete(ctx, ctx.state, [because('VTI.NATIVE.MOV_PSR', 'r1 = PSR{31:0}, {36:35}')], { r1, g: gr(ctx.state.psr & PSR_MOV_FROM_MASK) });

/** mov r1 = psr.um. Implements VTI.NATIVE.MOV_PSR. */
export const movFromPsrUm = (ctx: Ctx, r1: number) =>
  complete(ctx, ctx.state, [because('VTI.NATIVE.MOV_PSR', 'r1 = user mask')], { r1, g: gr(ctx.state.psr & UM) });

/** ssm / rsm imm24. Implements VTI.NATIVE.SSM_RSM. */
export const systemMask = (ctx: Ctx, set: boolean, imm24: number) => {
  const m = BigInt(imm24) & SYSTEM_MASK;
  return reserved(ctx, m, 'VTI.NATIVE.SSM_RSM') ??
    complete(ctx, { ...ctx.state, psr: set ? ctx.state.psr | m : ctx.state.psr & ~m }, [because('VTI.NATIVE.SSM_RSM', `${set ? 'set' : 'cleared'} PSR bits ${hex(m)}`)]);
};
