/**
 * vmsw.0 / vmsw.1 (SDM 3:273, §11.7.4.3.1; ITJ): switch PSR.vm without an interruption, from code on
 * a page with access rights 7 and PSR.it = 1, unless the current VP's vdc.d_vmsw forces an
 * intercept. Checked in the SDM's order: implemented, then cpl, then the switch conditions.
 */
import type { VtiInstruction } from '../../spec/vti/machine/instructions.js';
import { vmswImplemented } from '../../spec/vti/machine/profile.js';
import { currentVp } from '../../spec/vti/machine/state.js';
import { VDC_BITS } from '../../spec/vti/vpd.js';
import { bit, bits, psrGet, psrSet } from './bits.js';
import { rowOf } from './intercepts/classify.js';
import { intercept } from './intercepts/handoff.js';
import { raise } from './interruption.js';
import { because, type Decision } from './outcome.js';
import { complete, type Ctx } from './native/common.js';
import { lookup } from './tlb.js';

const D_VMSW = VDC_BITS.find((b) => b.name === 'd_vmsw')?.bit ?? 0;

/**
 * Implements VTI.VMSW.ILLEGAL, VTI.VMSW.SWITCH, VTI.VDC.d_vmsw and VTI.INTERCEPT.VMSW (with
 * VTI.ORDER.PRIVILEGED_FIRST for cpl > 0).
 */
export const vmsw = (ctx: Ctx, i: Extract<VtiInstruction, { op: 'vmsw' }>): Decision => {
  const s = ctx.state;
  if (!vmswImplemented(ctx.profile)) {
    return raise(s, 'illegalOperation', [because('VTI.VMSW.ILLEGAL', 'the VM features or vmsw are not implemented (PAL_PROC_GET_FEATURES bits 40, 54)')]);
  }
  if (psrGet(s.psr, 'cpl') !== 0n) {
    return raise(s, 'privilegedOperation', [because('VTI.ORDER.PRIVILEGED_FIRST', `vmsw at cpl ${psrGet(s.psr, 'cpl')}: Privileged Operation fault`)]);
  }
  const row = rowOf('vmsw.0 / vmsw.1');
  const cur = currentVp(s);
  if (cur !== null && bit(cur.vp.vpd.vdc, D_VMSW) && row !== null) {
    return intercept(s, i, row, [because('VTI.VDC.d_vmsw', 'vdc.d_vmsw = 1: every vmsw intercepts, whatever PSR.vm')]);
  }
  const page = lookup(s, 'i', s.ip);
  const ar = page === null ? null : Number(bits(page.pte, 11, 9));
  const it = psrGet(s.psr, 'it') === 1n;
  if (it && ar === 7) {
    return complete(ctx, { ...s, psr: psrSet(s.psr, 'vm', BigInt(i.to)) }, [because('VTI.VMSW.SWITCH', `PSR.it = 1 and the page has access rights 7: PSR.vm = ${i.to}`)]);
  }
  const why = !it ? 'PSR.it = 0' : ar === null ? 'no ITLB translation of the vmsw page' : `page access rights ${ar}, not 7`;
  return row === null
    ? raise(s, 'illegalOperation', [because('VTI.VMSW.ILLEGAL', 'no vmsw row in the intercept data')])
    : intercept(s, i, row, [because('VTI.VMSW.SWITCH', `${why}: no switch`)]);
};
