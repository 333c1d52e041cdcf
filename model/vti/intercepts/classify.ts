/**
 * What PSR.vm = 1 does to an instruction, read from the spec/vti data: its row of
 * VIRTUALIZED_INSTRUCTIONS (cause, privilege, the vac bits that accelerate it and the vdc bits that
 * disable it), narrowed to the operands at hand (which CR, which AR, which register file).
 *
 * Implements which instructions intercept (SDM rev 2.3 §11.7.3, Table 11-22) for
 *   VTI.INTERCEPT.MOV_TO_AR, VTI.INTERCEPT.MOV_TO_AR_IMM, VTI.INTERCEPT.MOV_FROM_AR,
 *   VTI.INTERCEPT.MOV_TO_CR, VTI.INTERCEPT.MOV_FROM_CR, VTI.INTERCEPT.MOV_TO_PSR,
 *   VTI.INTERCEPT.MOV_FROM_PSR, VTI.INTERCEPT.ITC_D, VTI.INTERCEPT.ITC_I, VTI.INTERCEPT.MOV_TO_RR,
 *   VTI.INTERCEPT.MOV_TO_DBR, VTI.INTERCEPT.MOV_TO_IBR, VTI.INTERCEPT.MOV_TO_PKR,
 *   VTI.INTERCEPT.MOV_TO_PMC, VTI.INTERCEPT.MOV_TO_PMD, VTI.INTERCEPT.ITR_D, VTI.INTERCEPT.ITR_I,
 *   VTI.INTERCEPT.MOV_FROM_RR, VTI.INTERCEPT.MOV_FROM_DBR, VTI.INTERCEPT.MOV_FROM_IBR,
 *   VTI.INTERCEPT.MOV_FROM_PKR, VTI.INTERCEPT.MOV_FROM_PMC, VTI.INTERCEPT.MOV_FROM_CPUID,
 *   VTI.INTERCEPT.SSM, VTI.INTERCEPT.RSM, VTI.INTERCEPT.PTC_L, VTI.INTERCEPT.PTC_G,
 *   VTI.INTERCEPT.PTC_GA, VTI.INTERCEPT.PTR_D, VTI.INTERCEPT.PTR_I, VTI.INTERCEPT.THASH,
 *   VTI.INTERCEPT.TTAG, VTI.INTERCEPT.TPA, VTI.INTERCEPT.TAK, VTI.INTERCEPT.PTC_E,
 *   VTI.INTERCEPT.COVER, VTI.INTERCEPT.RFI, VTI.INTERCEPT.BSW_0, VTI.INTERCEPT.BSW_1,
 *   VTI.INTERCEPT.VMSW, VTI.INTERCEPT.PROBE
 * (their delivery is ./handoff.ts), and the selection half of VTI.VAC.a_from_int_cr, VTI.VAC.a_to_int_cr,
 * VTI.VAC.a_from_psr, VTI.VAC.a_from_cpuid, VTI.VAC.a_cover, VTI.VAC.a_bsw (§11.7.4.2) and
 * VTI.VDC.d_extint, VTI.VDC.d_ibr_dbr, VTI.VDC.d_pmc, VTI.VDC.d_to_pmd, VTI.VDC.d_itm (§11.7.4.3).
 */
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { AR } from '../../../spec/vti/machine/instructions.js';
import { VIRTUALIZED_INSTRUCTIONS, type VirtualizedInstructionSpec } from '../../../spec/vti/intercepts.js';
import { D_EXTINT_CRS } from '../../../spec/vti/control-registers.js';
import type { VacName, VdcName } from '../../../spec/vti/vpd.js';
import { bit, psrGet } from '../bits.js';
import { isInterruptionCr } from '../native/control-registers.js';
import type { Ctx } from '../native/common.js';

export interface Classification {
  /** The row that applies when PSR.vm = 1 would intercept here; null: not virtualized. */
  readonly row: VirtualizedInstructionSpec | null;
  /** The fault at PSR.cpl > 0, checked before PSR.vm (VTI.ORDER.PRIVILEGED_FIRST / PRIVILEGED_REGISTER). */
  readonly privilege: 'privilegedOperation' | 'privilegedRegister' | null;
  /** The vac bit that would complete it on the VPD copy. */
  readonly acceleratedBy: VacName | null;
  /** The vdc bit that would let it act on the real resource. */
  readonly disabledBy: VdcName | null;
}

const ROWS = new Map(VIRTUALIZED_INSTRUCTIONS.map((r) => [r.mnemonic, r]));

/** The row of a mnemonic of spec/vti/intercepts.ts (the set is checked by a test). */
export const rowOf = (mnemonic: string): VirtualizedInstructionSpec | null => ROWS.get(mnemonic) ?? null;

const NONE: Classification = { row: null, privilege: null, acceleratedBy: null, disabledBy: null };

/** A row's vac / vdc bit, only if the data lists it for that row. */
const vacOf = (row: VirtualizedInstructionSpec | null, name: VacName): VacName | null => (row?.acceleratedBy.includes(name) === true ? name : null);
const vdcOf = (row: VirtualizedInstructionSpec | null, name: VdcName): VdcName | null => (row?.disabledBy.includes(name) === true ? name : null);

const row = (mnemonic: string, more: Partial<Omit<Classification, 'row'>> = {}): Classification => {
  const r = rowOf(mnemonic);
  return { row: r, privilege: r?.privileged === true ? 'privilegedOperation' : null, acceleratedBy: null, disabledBy: null, ...more };
};

const crControls = (ctx: Ctx, cr: number, mnemonic: string, vac: VacName): Classification => {
  const r = rowOf(mnemonic);
  const base = row(mnemonic);
  if (isInterruptionCr(ctx.profile, cr)) return { ...base, acceleratedBy: vacOf(r, vac) };
  if (cr === 1) return { ...base, disabledBy: vdcOf(r, 'd_itm') };
  if (cr >= D_EXTINT_CRS.first && cr <= D_EXTINT_CRS.last) return { ...base, disabledBy: vdcOf(r, 'd_extint') };
  return base;
};

const isKr = (ar: number): boolean => ar >= AR.k0 && ar <= AR.k7;

/** Gitc: the global guest MOV-from-AR.ITC option is on (config_options bit 10) where supported. */
const gitcOn = (ctx: Ctx): boolean =>
  ctx.profile.gitc && ctx.state.pal.status === 'initialised' && bit(ctx.state.pal.configOptions, 10);

export const classify = (ctx: Ctx, i: VtiInstruction): Classification => {
  switch (i.op) {
    case 'mov-to-cr': return crControls(ctx, i.cr, 'mov cr = r2', 'a_to_int_cr');
    case 'mov-from-cr': return crControls(ctx, i.cr, 'mov r1 = cr', 'a_from_int_cr');
    case 'mov-to-psr-l': return row('mov psr.l = r2');
    case 'mov-from-psr': return row('mov r1 = psr', { acceleratedBy: vacOf(rowOf('mov r1 = psr'), 'a_from_psr') });
    case 'ssm': return row('ssm imm24');
    case 'rsm': return row('rsm imm24');
    case 'rfi': return row('rfi');
    case 'bsw': return row(`bsw.${i.bank}`, { acceleratedBy: vacOf(rowOf(`bsw.${i.bank}`), 'a_bsw') });
    case 'cover':
      // Not privileged; intercepts only at cpl 0 (SDM 3:48): at cpl > 0 it runs normally.
      return psrGet(ctx.state.psr, 'cpl') === 0n ? { ...row('cover'), acceleratedBy: vacOf(rowOf('cover'), 'a_cover') } : NONE;
    case 'thash': return row('thash r1 = r3');
    case 'ttag': return row('ttag r1 = r3');
    case 'tpa': return row('tpa r1 = r3');
    case 'tak': return row('tak r1 = r3');
    case 'mov-from-cpuid': return row('mov r1 = cpuid[r3]', { acceleratedBy: vacOf(rowOf('mov r1 = cpuid[r3]'), 'a_from_cpuid') });
    case 'itc': return row(`itc.${i.side}`);
    case 'itr': return row(`itr.${i.side}`);
    case 'ptc': return row(`ptc.${i.scope}`);
    case 'ptc-e': return row('ptc.e');
    case 'ptr': return row(`ptr.${i.side}`);
    case 'mov-to-ind': {
      const m = `mov ${i.file}[r3] = r2`;
      const dis = i.file === 'ibr' || i.file === 'dbr' ? 'd_ibr_dbr' : i.file === 'pmc' ? 'd_pmc' : i.file === 'pmd' ? 'd_to_pmd' : null;
      return row(m, { disabledBy: dis === null ? null : vdcOf(rowOf(m), dis) });
    }
    case 'mov-from-ind': {
      // PMD reads are not privileged and not virtualized (NOT_VIRTUALIZED).
      if (i.file === 'pmd') return NONE;
      const m = `mov r1 = ${i.file}[r3]`;
      const dis = i.file === 'ibr' || i.file === 'dbr' ? 'd_ibr_dbr' : i.file === 'pmc' ? 'd_pmc' : null;
      return row(m, { disabledBy: dis === null ? null : vdcOf(rowOf(m), dis) });
    }
    case 'mov-to-ar':
    case 'mov-to-ar-imm': {
      const m = i.op === 'mov-to-ar' ? 'mov ar.itc = r2' : 'mov ar.itc = imm8';
      if (i.ar === AR.itc) return { ...row(m), privilege: 'privilegedRegister' };
      // AR.K0-K7 writes are privileged but not intercepted: guests write them directly.
      return { ...NONE, privilege: isKr(i.ar) ? 'privilegedRegister' : null };
    }
    case 'mov-from-ar': {
      if (i.ar !== AR.itc) return NONE;
      const privilege = psrGet(ctx.state.psr, 'si') === 1n ? 'privilegedRegister' : null;
      return gitcOn(ctx) ? { ...NONE, privilege } : { ...row('mov r1 = ar.itc'), privilege };
    }
    case 'probe': return ctx.profile.optional.probeIntercept ? row('probe') : NONE;
    // vmsw has its own order of checks (../vmsw.ts).
    case 'vmsw': return { ...row('vmsw.0 / vmsw.1'), privilege: 'privilegedOperation' };
    case 'mov-to-psr-um': case 'mov-from-psr-um': case 'br-call': case 'br-ret': case 'br-cond': case 'alloc':
    case 'mov-to-br': case 'mov-from-br': case 'mov-imm': case 'add': case 'ld8': case 'st8': case 'cmp': case 'nop': case 'break':
      return NONE;
  }
};
