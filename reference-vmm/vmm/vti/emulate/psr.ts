/**
 * The guest's PSR instructions (causes 6, 7, 24, 25): mov psr.l = r2, mov r1 = psr, ssm, rsm. They
 * act on the guest's PSR (vpsr plus what the machine ran it with); the VMM's own bits of the machine
 * PSR are untouched (leave.ts rebuilds the machine IPSR from the result). Masks: SDM 3:185 and the
 * ssm/rsm pages; a reserved bit set is a Reserved Register/Field fault (LK/XEN vcpu_set_psr refuse
 * what they cannot virtualize).
 */
import { PSR_FIELDS, PSR_L_MASK, PSR_MOV_FROM_MASK } from '../../../../spec/vti/psr.js';
import { completed, fault, natConsumption, setResult, val, type Emu, type Emulation } from './common.js';

const SYSTEM_MASK = 0xff_ffffn;

const RESERVED = PSR_FIELDS.filter((f) => f.reserved)
  .reduce((m, f) => m | (((1n << BigInt(f.bits[0] - f.bits[1] + 1)) - 1n) << BigInt(f.bits[1])), 0n);

const done = (psr: bigint): Emulation => ({ kind: 'completed', psr });

export const movToPsrL = (e: Emu, r2: number): Emulation => {
  const v = val(e, r2) & PSR_L_MASK;
  return natConsumption(e, [r2]) ?? ((v & RESERVED) !== 0n ? fault('reservedRegisterField') : done((e.entry.guestPsr & ~PSR_L_MASK) | v));
};

export const movFromPsr = (e: Emu, r1: number): Emulation => {
  setResult(e, r1, e.entry.guestPsr & PSR_MOV_FROM_MASK);
  return completed;
};

export const ssm = (e: Emu, imm24: number): Emulation => {
  const m = BigInt(imm24) & SYSTEM_MASK;
  return (m & RESERVED) !== 0n ? fault('reservedRegisterField') : done(e.entry.guestPsr | m);
};

export const rsm = (e: Emu, imm24: number): Emulation => {
  const m = BigInt(imm24) & SYSTEM_MASK;
  return (m & RESERVED) !== 0n ? fault('reservedRegisterField') : done(e.entry.guestPsr & ~m);
};
