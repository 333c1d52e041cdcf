/**
 * What the control-register instructions share: the exit qualification of control-register accesses
 * (basic reason 28, §27.2.1 Table 27-3), the CR0/CR4 value a guest reads through its guest/host mask
 * and read shadow (§25.3 "MOV from CR0/CR4"), and the faults common to MOV CR (#UD for a control
 * register the mode lacks, #GP at CPL > 0), which come before the exits (§25.1.1).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { cite, field } from './controls.js';
import { gp, ud } from './outcome.js';
import { in64BitMode } from './operands.js';

export const CR_ACCESS = 28;

export type CrAccessType = 'mov-to' | 'mov-from' | 'clts' | 'lmsw';
const TYPE_CODE: Readonly<Record<CrAccessType, bigint>> = { 'mov-to': 0n, 'mov-from': 1n, clts: 2n, lmsw: 3n };

/** Table 27-3: CR number 3:0, access type 5:4, LMSW operand type 6, GPR 11:8 (0 for CLTS/LMSW), LMSW source data 31:16. */
export const crQualification = (cr: number, type: CrAccessType, gpr = 0, lmswMemory = false, lmswData = 0n): bigint =>
  BigInt(cr & 15) | (TYPE_CODE[type] << 4n) | (lmswMemory ? 1n << 6n : 0n) | (BigInt(gpr & 15) << 8n) | ((lmswData & 0xffffn) << 16n);

/** (register AND NOT mask) OR (shadow AND mask): what MOV from CR0/CR4 and SMSW return. */
export const shadowedRead = (real: bigint, mask: bigint, shadow: bigint): bigint => (real & ~mask) | (shadow & mask);

export const masks = (s: VtxState, cr: 0 | 4): { readonly mask: bigint; readonly shadow: bigint } => {
  const [m, r]: [FieldName, FieldName] = cr === 0 ? ['CR0_GUEST_HOST_MASK', 'CR0_READ_SHADOW'] : ['CR4_GUEST_HOST_MASK', 'CR4_READ_SHADOW'];
  return { mask: field(s, m), shadow: field(s, r) };
};

/**
 * The #UD / #GP(0) a MOV CR takes before any exit, or null. `rule` is the rule that would otherwise
 * decide the access (null for CR2, which has none).
 */
export const movCrFault = (
  caps: Capabilities, s: VtxState, cr: number, what: string, rule: Parameters<typeof cite>[0] | null,
): NonRootResult | null => {
  const also = (verdict: string) => (rule === null ? [] : [cite(rule, verdict)]);
  if (cr === 8 && !in64BitMode(s)) {
    return ud(caps, s, [cite('PRIORITY.UD', `${what}: CR8 exists only in 64-bit mode, #UD before any exit`), ...also('#UD first: no exit')]);
  }
  if (s.cpu.cpl > 0) {
    return gp(caps, s, [cite('PRIORITY.CPL', `${what} at CPL ${s.cpu.cpl} is #GP(0), before any exit`), ...also(`CPL ${s.cpu.cpl}: no exit`)]);
  }
  return null;
};

export type Decisions = readonly Decision[];
