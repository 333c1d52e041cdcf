/**
 * VMREAD and VMWRITE in VMX non-root operation (§25.1.3, rules EXIT.VMREAD, EXIT.VMWRITE): they exit
 * unless "VMCS shadowing" = 1, the encoding operand has no bit set above bit 14 (63:15 in 64-bit mode,
 * 31:15 elsewhere) and its bit in the VMREAD/VMWRITE bitmap is 0; then they act on the shadow VMCS at
 * the VMCS link pointer. The instruction's own checks (#UD, #GP at CPL > 0 after the exit,
 * VMfailInvalid, VMfail(12)) are the VMX-instruction model's (../../instructions/vmread.ts).
 */
import { match } from 'ts-pattern';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { readMemory8, type VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { vmread } from '../../instructions/vmread.js';
import { vmwrite } from '../../instructions/vmwrite.js';
import type { RuledStep } from '../../instructions/prologue.js';
import type { NonRootResult } from '../result.js';
import { cite, controlOn, field, hex, said } from './controls.js';
import { gp, instructionExit, retire, retireWith, ud } from './outcome.js';
import { in64BitMode, reg, reg2Info, registerOperandInfo, U32 } from './operands.js';

export type ShadowedInstruction = Extract<GuestInstruction, { op: 'VMREAD' | 'VMWRITE' }>;

/** Why the access exits, in words, or null when it goes to the shadow VMCS. */
const exitCause = (s: VtxState, encoding: bigint, bitmapField: 'VMREAD_BITMAP' | 'VMWRITE_BITMAP'): string | null => {
  if (!controlOn(s, 'proc2.VMCS_SHADOWING')) return said(s, 'proc2.VMCS_SHADOWING');
  if (encoding >> 15n !== 0n) return `encoding ${hex(encoding)} has bits set above bit 14`;
  const n = Number(encoding);
  const bitmap = field(s, bitmapField);
  const set = ((readMemory8(s.memory, bitmap + BigInt(n >> 3)) >> (n & 7)) & 1) === 1;
  return set ? `bit ${hex(n)} of the ${bitmapField === 'VMREAD_BITMAP' ? 'VMREAD' : 'VMWRITE'} bitmap at ${hex(bitmap)} is 1` : null;
};

export const executeShadowed = (caps: Capabilities, s: VtxState, i: ShadowedInstruction): NonRootResult => {
  const encodingReg = i.encoding;
  const encoding = in64BitMode(s) ? reg(s, encodingReg) : reg(s, encodingReg) & U32;
  const rule = i.op === 'VMREAD' ? 'EXIT.VMREAD' : 'EXIT.VMWRITE';
  const step: RuledStep = i.op === 'VMREAD' ? vmread(caps, s, encoding) : vmwrite(caps, s, encoding, reg(s, i.src));
  const cause = exitCause(s, encoding, i.op === 'VMREAD' ? 'VMREAD_BITMAP' : 'VMWRITE_BITMAP');
  const ds = [cite(rule, cause === null ? `"VMCS shadowing" = 1 and the bitmap bit of ${hex(encoding)} is 0: ${i.op} accesses the shadow VMCS` : `${cause}: ${i.op} exits`)];
  return match(step.observation)
    .with({ kind: 'vm-exit' }, () => {
      const reg1 = i.op === 'VMREAD' ? i.dst : i.src;
      return instructionExit(caps, s, i, i.op === 'VMREAD' ? 23 : 25, {
        qualification: 0n, instructionInfo: (registerOperandInfo(reg1) | reg2Info(encodingReg)) >>> 0,
      }, ds);
    })
    .with({ kind: 'fault' }, (f) => (f.vector === '#UD'
      ? ud(caps, s, [cite('PRIORITY.UD', `${i.op} is #UD in this mode, before the exit`), cite(rule, '#UD first: no exit')])
      : gp(caps, s, [...ds, cite('PRIORITY.CPL', `${i.op} at CPL ${s.cpu.cpl} is #GP(0) (its CPL check follows the exit check)`)])))
    .with({ kind: 'VMsucceed' }, (o) => {
      if (i.op === 'VMREAD' && o.value !== undefined) return retireWith(s, i, step.state, new Map([[i.dst, o.value]]), in64BitMode(s) ? 8 : 4, {}, ds);
      return retire(s, i, step.state, {}, ds);
    })
    .with({ kind: 'VMfailInvalid' }, { kind: 'VMfailValid' }, () => retire(s, i, step.state, {}, ds))
    .with({ kind: 'vm-entry' }, () => retire(s, i, step.state, {}, ds))
    .exhaustive();
};
