/**
 * Instructions that cause VM exits unconditionally (SDM §25.1.2): CPUID, GETSEC (CR4.SMXE = 1, else
 * #UD first), INVD (CPL 0, else #GP first), XSETBV (CR4.OSXSAVE = 1 and CPL 0 first), and the VMX
 * instructions (after their #UD checks, before the CPL check, §30.3); VMREAD and VMWRITE go to the
 * shadow VMCS when VMCS shadowing lets them through (EXIT.VMREAD, EXIT.VMWRITE).
 * Rules: EXIT.CPUID, EXIT.GETSEC, EXIT.INVD, EXIT.XSETBV, EXIT.VMCALL, EXIT.VMCLEAR, EXIT.VMLAUNCH,
 * EXIT.VMPTRLD, EXIT.VMPTRST, EXIT.VMRESUME, EXIT.VMXOFF, EXIT.VMXON, EXIT.INVEPT, EXIT.INVVPID,
 * EXIT.VMREAD, EXIT.VMWRITE, PRIORITY.UD, PRIORITY.CPL.
 */
import type { GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import { vmread } from '../../instructions/vmread.js';
import { vmwrite } from '../../instructions/vmwrite.js';
import type { StepResult } from '../../outcome.js';
import { bitOf, RFLAGS, type Guest } from '../guest.js';
import { displacement, instructionExit, memoryInfo, requireCpl0, ud, vmxUdMode, type Exec } from './common.js';

const ARITH = RFLAGS.CF | RFLAGS.PF | RFLAGS.AF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.OF;

/** VMsucceed / VMfailInvalid / VMfailValid as RFLAGS (§30.2). */
const vmResultFlags = (g: Guest, r: StepResult): void => {
  const o = r.observation;
  const flag = o.kind === 'VMfailInvalid' ? RFLAGS.CF : o.kind === 'VMfailValid' ? RFLAGS.ZF : 0n;
  g.cpu.rflags = (g.cpu.rflags & ~ARITH) | flag;
};

/** Executes the instruction if it is one of this group; returns false otherwise. */
export const executeUnconditional = (g: Guest, i: GuestInstruction, x: Exec): boolean => {
  const cpu = g.cpu;
  switch (i.op) {
    case 'CPUID': return instructionExit(g, x, 10);
    case 'GETSEC':
      if (!bitOf(cpu.cr4, 14)) throw ud();
      return instructionExit(g, x, 11);
    case 'INVD':
      requireCpl0(g);
      return instructionExit(g, x, 13);
    case 'XSETBV':
      if (!bitOf(cpu.cr4, 18)) throw ud();
      requireCpl0(g);
      return instructionExit(g, x, 55);
    case 'VMCALL': return instructionExit(g, x, 18);
    case 'VMLAUNCH': case 'VMRESUME': case 'VMXOFF':
      if (vmxUdMode(g)) throw ud();
      return instructionExit(g, x, i.op === 'VMLAUNCH' ? 20 : i.op === 'VMRESUME' ? 24 : 26);
    case 'VMCLEAR': case 'VMPTRLD': case 'VMPTRST': case 'VMXON': {
      if (vmxUdMode(g)) throw ud();
      const reason = { VMCLEAR: 19, VMPTRLD: 21, VMPTRST: 22, VMXON: 27 }[i.op];
      return instructionExit(g, x, reason, { qualification: displacement(g, i.mem), instructionInfo: memoryInfo(g, i.mem) });
    }
    case 'INVEPT': case 'INVVPID':
      if (vmxUdMode(g)) throw ud();
      return instructionExit(g, x, i.op === 'INVEPT' ? 50 : 53, {
        qualification: displacement(g, i.mem), instructionInfo: (memoryInfo(g, i.mem) | ((i.type & 0xf) << 28)) >>> 0,
      });
    case 'VMREAD': case 'VMWRITE': {
      if (vmxUdMode(g)) throw ud();
      const encodingReg = i.encoding;
      const operand = i.op === 'VMREAD' ? i.dst : i.src;
      const info = ((operand & 0xf) << 3) | (1 << 10) | ((encodingReg & 0xf) << 28);
      const encoding = g.mode64 ? g.reg(encodingReg) : g.reg(encodingReg) & 0xffff_ffffn;
      const bitmap = i.op === 'VMREAD' ? 'VMREAD_BITMAP' : 'VMWRITE_BITMAP';
      const through = g.on('proc2.VMCS_SHADOWING') && encoding <= 0x7fffn
        && ((g.m.read8(g.f(bitmap) + (encoding >> 3n)) >> Number(encoding & 7n)) & 1) === 0;
      if (!through) return instructionExit(g, x, i.op === 'VMREAD' ? 23 : 25, { qualification: 0n, instructionInfo: info >>> 0 });
      requireCpl0(g);
      const r = i.op === 'VMREAD' ? vmread(g.m, g.caps, encoding) : vmwrite(g.m, g.caps, encoding, g.reg(i.src));
      if (i.op === 'VMREAD' && r.observation.kind === 'VMsucceed' && r.observation.value !== undefined) g.setOperand(i.dst, r.observation.value);
      vmResultFlags(g, r);
      return true;
    }
    default: return false;
  }
};
