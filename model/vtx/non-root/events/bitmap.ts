/**
 * Whether an exception causes a VM exit (§25.2): the exception bitmap (EXIT.EXCEPTION.BITMAP) and,
 * for #PF, the page-fault error-code mask and match (EXIT.EXCEPTION.PF): with PFEC the error code, the
 * #PF exits iff bit 14 is 1 when PFEC AND mask = match, and iff bit 14 is 0 otherwise.
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import { decision, vmcsField } from '../result.js';
import { hex } from './info.js';

export interface BitmapVerdict {
  readonly exits: boolean;
  readonly decision: Decision;
}

export const exceptionExits = (s: VtxState, vector: number, errorCode: number | null): BitmapVerdict => {
  const bitmap = vmcsField(s, 'EXCEPTION_BITMAP');
  const bit = vector < 32 && ((bitmap >> BigInt(vector)) & 1n) === 1n;
  if (vector !== 14) {
    return {
      exits: bit,
      decision: decision('EXIT.EXCEPTION.BITMAP', '25.2', `exception-bitmap bit ${vector} = ${bit ? 1 : 0}: ${bit ? 'exits' : 'does not exit'}`),
    };
  }
  const pfec = (errorCode ?? 0) >>> 0;
  const mask = Number(vmcsField(s, 'PAGE_FAULT_ERROR_CODE_MASK') & 0xffff_ffffn);
  const match = Number(vmcsField(s, 'PAGE_FAULT_ERROR_CODE_MATCH') & 0xffff_ffffn);
  const matches = ((pfec & mask) >>> 0) === match;
  const exits = matches === bit;
  return {
    exits,
    decision: decision('EXIT.EXCEPTION.PF', '25.2',
      `PFEC ${hex(pfec)} AND mask ${hex(mask)} = ${hex((pfec & mask) >>> 0)} ${matches ? '=' : '≠'} match ${hex(match)}, so ${matches ? 'bit 14' : 'the complement of bit 14'} decides; bit 14 = ${bit ? 1 : 0}: ${exits ? 'exits' : 'does not exit'}`),
  };
};
