/**
 * The instructions that exit unconditionally in VMX non-root operation (§25.1.2), as a processor
 * outside VMX operation executes them. The reference CPU's non-root code turns each into a VM exit,
 * so the native CPU runs them itself:
 * - CPUID: the fixed values of ./cpuid.ts;
 * - GETSEC: #UD (CR4.SMXE is reserved for the native processor, so it is always 0 — Vol. 2D GETSEC);
 * - INVD: #GP(0) at CPL > 0, else it retires (no caches in the abstraction);
 * - XSETBV: ./xsetbv.ts;
 * - VMCALL and every VMX instruction: #UD — outside VMX operation, and CR4.VMXE cannot be set
 *   (Vol. 3C ch. 30: VMXON with CR4.VMXE = 0 is #UD, the others are #UD outside VMX operation).
 * Returns true when the instruction retired; throws GuestFault for its exception.
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { GuestFault, type Guest } from '../non-root/guest.js';
import { cpuidResult } from './cpuid.js';
import { xsetbvOutcome } from './xsetbv.js';

const VMX_OPS = new Set<GuestInstruction['op']>([
  'VMCALL', 'VMLAUNCH', 'VMRESUME', 'VMXOFF', 'VMCLEAR', 'VMPTRLD', 'VMPTRST', 'VMXON', 'INVEPT', 'INVVPID', 'VMREAD', 'VMWRITE',
]);

/** The operations the native CPU executes itself instead of the reference CPU's non-root code. */
export const NATIVE_OPS: ReadonlySet<GuestInstruction['op']> = new Set([...VMX_OPS, 'CPUID', 'GETSEC', 'INVD', 'XSETBV']);

const LOW32 = 0xffff_ffffn;

export const executeNatively = (g: Guest, i: GuestInstruction): void => {
  const cpu = g.cpu;
  if (VMX_OPS.has(i.op) || i.op === 'GETSEC') throw new GuestFault(6, null);
  switch (i.op) {
    case 'CPUID': {
      const [a, b, c, d] = cpuidResult(g.caps.profile, cpu.cr4, g.reg(0) & LOW32, g.reg(1) & LOW32);
      g.setReg32(0, a);
      g.setReg32(3, b);
      g.setReg32(1, c);
      g.setReg32(2, d);
      return;
    }
    case 'INVD':
      if (cpu.cpl !== 0) throw new GuestFault(13, 0);
      return;
    case 'XSETBV': {
      const o = xsetbvOutcome(cpu.cr4, cpu.cpl, g.reg(1), g.reg(2), g.reg(0));
      if (o === 'ud') throw new GuestFault(6, null);
      if (o === 'gp') throw new GuestFault(13, 0);
      return;
    }
    default:
      throw new Error(`executeNatively: ${i.op} is not a native-CPU instruction`);
  }
};
