/**
 * The checks every instruction makes on its operands before the privilege and PSR.vm checks
 * (SDM Vol. 3 pseudo-code order): each register named exists in the current frame and a target is
 * not GR0, immediates and register numbers are in range, the CR exists and may be written, and
 * (natively) the interruption CRs and itc/itr need PSR.ic = 0; reserved ARs, AR.BSP writes and
 * BSPSTORE/RNAT outside enforced-lazy mode are illegal.
 */
import type { VtiInstruction } from '../../spec/vti/machine/instructions.js';
import { currentVp } from '../../spec/vti/machine/state.js';
import { VAC_BITS } from '../../spec/vti/vpd.js';
import { bit, psrGet } from './bits.js';
import { crExists, crReadOnly, isInterruptionCr } from './native/control-registers.js';
import type { Ctx } from './native/common.js';
import { raise } from './interruption.js';
import { because, type Decision } from './outcome.js';
import { inFrame } from './registers.js';
import { reservedAr, rseLocked } from './native/registers.js';

/** The restored VP accelerates this interruption-CR access (`vac`) and its vpsr.ic is 1. */
const acceleratedWithVirtualIc = (ctx: Ctx, vac: string): boolean => {
  const cur = currentVp(ctx.state);
  const b = VAC_BITS.find((x) => x.name === vac)?.bit ?? null;
  return cur !== null && b !== null && bit(cur.vp.vpd.vac, b) && psrGet(cur.vp.vpd.vpsr, 'ic') === 1n;
};

const int = (v: number, lo: number, hi: number): boolean => Number.isSafeInteger(v) && v >= lo && v <= hi;

const illegal = (ctx: Ctx, rule: string, why: string): Decision =>
  raise(ctx.state, 'illegalOperation', [because('VTI.ORDER.OPERAND_CHECKS_FIRST', 'operand checks come before the cpl and PSR.vm checks'), because(rule, why)]);

/** The registers an instruction names: targets and sources. */
const registers = (i: VtiInstruction): { targets: number[]; sources: number[] } => {
  const r = i as Partial<Record<'r1' | 'r2' | 'r3', number>>;
  return { targets: r.r1 === undefined ? [] : [r.r1], sources: [r.r2, r.r3].filter((x): x is number => x !== undefined) };
};

/** Immediates and small register numbers in their encodable ranges. */
const fieldsInRange = (i: VtiInstruction): boolean => {
  switch (i.op) {
    case 'mov-to-cr': case 'mov-from-cr': return int(i.cr, 0, 127);
    case 'ssm': case 'rsm': return int(i.imm24, 0, 0xff_ffff);
    case 'mov-to-ar': case 'mov-from-ar': return int(i.ar, 0, 127);
    case 'mov-to-ar-imm': return int(i.ar, 0, 127) && int(i.imm8, -128, 127);
    case 'br-call': case 'mov-to-br': return int(i.b1, 0, 7);
    case 'br-ret': case 'mov-from-br': return int(i.b2, 0, 7);
    case 'br-cond': return int(i.qp, 0, 63);
    case 'cmp': return int(i.p1, 0, 63) && int(i.p2, 0, 63) && i.p1 !== i.p2;
    case 'alloc': return int(i.sof, 0, 96) && int(i.sol, 0, i.sof);
    case 'break': return int(i.imm21, 0, 0x1f_ffff);
    default: return true;
  }
};

/**
 * The first operand fault of `i`, or null. Implements VTI.ORDER.OPERAND_CHECKS_FIRST,
 * VTI.NATIVE.REGISTER_FRAME, the operand part of VTI.NATIVE.MOV_CR, VTI.NATIVE.ALLOC,
 * VTI.NATIVE.ITC / VTI.NATIVE.ITR (PSR.ic = 1), and VTI.MOV_CR.INTERRUPTION_CR_IC (PSR.ic, or vpsr.ic
 * under an interruption-CR acceleration).
 */
export const operandFault = (ctx: Ctx, i: VtiInstruction, opts: { readonly skipVirtualIc?: boolean } = {}): Decision | null => {
  if (!fieldsInRange(i)) return illegal(ctx, i.op === 'alloc' ? 'VTI.NATIVE.ALLOC' : 'VTI.NATIVE.REGISTER_FRAME', `${i.op}: an operand field is out of range`);
  const { targets, sources } = registers(i);
  const frame = i.op === 'alloc' ? { sof: i.sof, sol: i.sol } : ctx.state.rse.cfm;
  const bad = [...targets, ...sources].find((r) => !inFrame(ctx.state, r, frame));
  if (bad !== undefined) return illegal(ctx, 'VTI.NATIVE.REGISTER_FRAME', `r${bad} is outside the frame (GR0-GR${31 + frame.sof})`);
  if (targets.includes(0)) return illegal(ctx, 'VTI.NATIVE.REGISTER_FRAME', 'GR0 cannot be a target');
  const vm = psrGet(ctx.state.psr, 'vm') === 1n;
  const ic = psrGet(ctx.state.psr, 'ic') === 1n;
  if (i.op === 'mov-to-cr' || i.op === 'mov-from-cr') {
    if (!crExists(ctx.profile, i.cr)) return illegal(ctx, 'VTI.NATIVE.MOV_CR', `cr${i.cr} is reserved`);
    if (i.op === 'mov-to-cr' && crReadOnly(i.cr)) return illegal(ctx, 'VTI.NATIVE.MOV_CR', `cr${i.cr} is read-only`);
    // With PSR.vm = 1 the guest runs with the physical PSR.ic = 1, so this check cannot use it: under
    // an interruption-CR acceleration the model checks the virtual vpsr.ic (see ./instruction.ts).
    if (!vm && ic && isInterruptionCr(ctx.profile, i.cr)) {
      return illegal(ctx, 'VTI.MOV_CR.INTERRUPTION_CR_IC', `cr${i.cr} is an interruption CR and PSR.ic = 1`);
    }
    if (vm && !opts.skipVirtualIc && isInterruptionCr(ctx.profile, i.cr) && acceleratedWithVirtualIc(ctx, i.op === 'mov-to-cr' ? 'a_to_int_cr' : 'a_from_int_cr')) {
      return illegal(ctx, 'VTI.MOV_CR.INTERRUPTION_CR_IC', `cr${i.cr} under vac acceleration with vpsr.ic = 1 (completing the access is also permitted)`);
    }
  }
  if (i.op === 'mov-to-ar' || i.op === 'mov-to-ar-imm' || i.op === 'mov-from-ar') {
    if (reservedAr(i.ar)) return illegal(ctx, 'VTI.NATIVE.MOV_AR', `ar${i.ar} is reserved`);
    if (i.op !== 'mov-from-ar' && i.ar === 17) return illegal(ctx, 'VTI.NATIVE.MOV_AR', 'AR.BSP is read-only');
    if (rseLocked(ctx.state, i.ar)) return illegal(ctx, 'VTI.NATIVE.MOV_AR', `ar${i.ar} needs RSC.mode = 0`);
  }
  if ((i.op === 'itc' || i.op === 'itr') && !vm && ic) {
    return illegal(ctx, i.op === 'itc' ? 'VTI.NATIVE.ITC' : 'VTI.NATIVE.ITR', `${i.op} with PSR.ic = 1`);
  }
  return null;
};
