/**
 * MOV to and from CR8 (§25.1.3, §25.3, §29.3): "CR8-load exiting" / "CR8-store exiting" decide the
 * exits (EXIT.CR8.LOAD, EXIT.CR8.STORE). Without them and with "use TPR shadow" = 1 the access goes to
 * VTPR, the 32-bit value at offset 80H of the virtual-APIC page: reads return VTPR[7:4]
 * (CHANGED.CR8.READ), writes store source[3:0] in VTPR[7:4] and clear the rest (CHANGED.CR8.WRITE),
 * and then TPR virtualization (§29.1.2) causes a trap-like VM exit when VTPR[7:4] < TPR threshold[3:0]
 * (EXIT.TPR.BELOW.THRESHOLD; "virtual-interrupt delivery" = 0 — with it, PPR virtualization applies,
 * which is out of scope). Without the TPR shadow, CR8 is the real TPR.
 */
import type { Gpr } from '../../../../spec/vtx/guest/instructions.js';
import type { ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import { readMemory32, type VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { vmExit } from '../../vm-exit/index.js';
import type { NonRootResult } from '../result.js';
import { cite, controlOn, field, hex, said } from './controls.js';
import { crQualification, CR_ACCESS, movCrFault } from './cr-access.js';
import { gp, instructionExit, retire } from './outcome.js';
import { reg, withReg } from './operands.js';

type MovCr8 =
  | { readonly op: 'MOV_TO_CR'; readonly cr: 8; readonly src: Gpr }
  | { readonly op: 'MOV_FROM_CR'; readonly cr: 8; readonly dst: Gpr };

const VTPR_OFFSET = 0x80n;

const vtprAddress = (s: VtxState): bigint => field(s, 'VIRTUAL_APIC_PAGE_ADDR') + VTPR_OFFSET;

/** Writes the 32-bit VTPR (its word's other half is the next APIC register and stays). */
const withVtpr = (s: VtxState, vtpr: bigint): VtxState => {
  const at = vtprAddress(s);
  const word = s.memory.get(at & ~7n) ?? 0n;
  const shift = (at & 4n) * 8n;
  const memory = new Map(s.memory);
  memory.set(at & ~7n, (word & ~(0xffff_ffffn << shift)) | ((vtpr & 0xffff_ffffn) << shift));
  return { ...s, memory };
};

const tprBelowThreshold = (caps: Capabilities, after: VtxState, decisions: Parameters<typeof retire>[4]): NonRootResult => {
  const info: ExitInformation = {
    reason: 43, qualification: 0n, guestLinearAddress: null, guestPhysicalAddress: null, interruptionInfo: 0,
    interruptionErrorCode: null, idtVectoringInfo: 0, idtVectoringErrorCode: null, instructionLength: null, instructionInfo: null,
  };
  return vmExit(caps, after, info, decisions);
};

const movToCr8 = (caps: Capabilities, s: VtxState, i: Extract<MovCr8, { op: 'MOV_TO_CR' }>): NonRootResult => {
  const loadExiting = controlOn(s, 'proc.CR8_LOAD_EXITING');
  const ds = [cite('EXIT.CR8.LOAD', `${said(s, 'proc.CR8_LOAD_EXITING')}${loadExiting ? ': MOV to CR8 exits' : ''}`)];
  if (loadExiting) return instructionExit(caps, s, i, CR_ACCESS, { qualification: crQualification(8, 'mov-to', i.src) }, ds);
  const src = reg(s, i.src);
  // CR8 bits 63:4 are reserved (Vol. 3A §2.5): #GP(0), after the exit check (§25.1.1).
  if (src >> 4n !== 0n) return gp(caps, s, ds);
  if (!controlOn(s, 'proc.USE_TPR_SHADOW')) return retire(s, i, s, { cr8: src }, [...ds, cite('CHANGED.CR8.WRITE', '"use TPR shadow" = 0: MOV to CR8 writes the TPR')]);
  const vtpr = (src & 0xfn) << 4n;
  const after = withVtpr(s, vtpr);
  const written = [...ds, cite('CHANGED.CR8.WRITE', `"use TPR shadow" = 1: VTPR at ${hex(vtprAddress(s))} := ${hex(vtpr)}`)];
  const done = retire(s, i, after, {}, written);
  if (controlOn(s, 'proc2.VIRTUAL_INTERRUPT_DELIVERY')) {
    return { ...done, decisions: [...done.decisions, cite('EXIT.TPR.BELOW.THRESHOLD', '"virtual-interrupt delivery" = 1: PPR virtualization instead (not modelled), no TPR-threshold exit')] };
  }
  const threshold = field(s, 'TPR_THRESHOLD') & 0xfn;
  const below = vtpr >> 4n < threshold;
  const d = cite('EXIT.TPR.BELOW.THRESHOLD', `VTPR[7:4] = ${vtpr >> 4n} ${below ? '<' : '>='} TPR threshold[3:0] = ${threshold}${below ? ': trap-like exit after the instruction' : ''}`);
  // done.decisions: `written` and, when single-stepping, EVENT.DEBUG.SINGLESTEP.
  return below ? tprBelowThreshold(caps, done.state, [...done.decisions, d]) : { ...done, decisions: [...done.decisions, d] };
};

const movFromCr8 = (caps: Capabilities, s: VtxState, i: Extract<MovCr8, { op: 'MOV_FROM_CR' }>): NonRootResult => {
  const storeExiting = controlOn(s, 'proc.CR8_STORE_EXITING');
  const ds = [cite('EXIT.CR8.STORE', `${said(s, 'proc.CR8_STORE_EXITING')}${storeExiting ? ': MOV from CR8 exits' : ''}`)];
  if (storeExiting) return instructionExit(caps, s, i, CR_ACCESS, { qualification: crQualification(8, 'mov-from', i.dst) }, ds);
  if (!controlOn(s, 'proc.USE_TPR_SHADOW')) {
    return retire(s, i, s, { ...withReg(s.cpu, i.dst, s.cpu.cr8 & 0xfn) }, [...ds, cite('CHANGED.CR8.READ', '"use TPR shadow" = 0: MOV from CR8 reads the TPR')]);
  }
  const vtpr = readMemory32(s.memory, vtprAddress(s));
  const value = (vtpr >> 4n) & 0xfn;
  return retire(s, i, s, { ...withReg(s.cpu, i.dst, value) }, [...ds, cite('CHANGED.CR8.READ', `"use TPR shadow" = 1: VTPR ${hex(vtpr)}, destination := VTPR[7:4] = ${value}`)]);
};

export const executeCr8 = (caps: Capabilities, s: VtxState, i: MovCr8): NonRootResult => {
  const rule = i.op === 'MOV_TO_CR' ? 'EXIT.CR8.LOAD' : 'EXIT.CR8.STORE';
  const early = movCrFault(caps, s, 8, i.op === 'MOV_TO_CR' ? 'MOV to CR8' : 'MOV from CR8', rule);
  if (early !== null) return early;
  return i.op === 'MOV_TO_CR' ? movToCr8(caps, s, i) : movFromCr8(caps, s, i);
};
