/**
 * RDMSR and WRMSR of an ECX outside the two ranges the MSR bitmaps cover (00000000H–00001FFFH and
 * C0000000H–C0001FFFH). In VMX non-root operation these exit whatever the bitmaps hold (§25.1.3;
 * EXIT.RDMSR.OUTSIDE, EXIT.WRMSR.OUTSIDE), so the all-zero bitmaps of ./vmcs-view.ts cannot keep the
 * non-root code from exiting on them; the native CPU performs them here, with the reference CPU's own
 * MSR semantics (../non-root/msr-access.ts), as a processor without VMX does (Vol. 2B RDMSR/WRMSR):
 * CPL > 0 is #GP(0); an MSR the processor does not have — every index outside the ranges, in this
 * abstraction, unless the state holds one there; 40000000H–400000FFH is never implemented (Vol. 4
 * Table 2-2) — is #GP(0); a value the MSR's rules refuse is #GP(0).
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { GuestFault, type Guest } from '../non-root/guest.js';
import { readMsr, wrmsrAccepted, writeMsr } from '../non-root/msr-access.js';

const LOW32 = 0xffff_ffffn;

/** Whether `ecx` (its low 32 bits: RDMSR and WRMSR ignore RCX[63:32]) is outside both bitmap ranges. */
export const outsideMsrBitmaps = (ecx: bigint): boolean => {
  const index = ecx & LOW32;
  return index > 0x1fffn && (index < 0xc000_0000n || index > 0xc000_1fffn);
};

/** RDMSR or WRMSR natively; throws GuestFault for #GP(0). */
export const executeMsrNatively = (g: Guest, i: GuestInstruction): void => {
  if (g.cpu.cpl !== 0) throw new GuestFault(13, 0);
  const index = Number(g.reg(1) & LOW32);
  if (i.op === 'RDMSR') {
    const value = readMsr(g.m, index);
    if (value === null) throw new GuestFault(13, 0);
    g.setReg32(0, value & LOW32);
    g.setReg32(2, value >> 32n);
    return;
  }
  const value = ((g.reg(2) & LOW32) << 32n) | (g.reg(0) & LOW32);
  if (!wrmsrAccepted(g.cpu, g.caps, index, value)) throw new GuestFault(13, 0);
  writeMsr(g.m, index, value);
};
