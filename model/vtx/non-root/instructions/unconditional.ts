/**
 * §25.1.2 "Instructions That Cause VM Exits Unconditionally": CPUID, GETSEC, INVD, XSETBV and the VMX
 * instructions INVEPT, INVVPID, VMCALL, VMCLEAR, VMLAUNCH, VMPTRLD, VMPTRST, VMRESUME, VMXOFF, VMXON
 * (rules EXIT.CPUID, EXIT.GETSEC, EXIT.INVD, EXIT.XSETBV, EXIT.INVEPT … EXIT.VMXON). Before the exit
 * come the faults of §25.1.1 (PRIORITY.UD, PRIORITY.CPL): GETSEC is #UD with CR4.SMXE = 0, XSETBV is
 * #UD with CR4.OSXSAVE = 0 and #GP at CPL > 0, INVD is #GP at CPL > 0, and the VMX instructions other
 * than VMCALL are #UD outside protected mode, in virtual-8086 and in compatibility mode (ch. 30
 * pseudocode: the non-root exit precedes their CPL check, so a CPL-3 guest exits too).
 */
import { match } from 'ts-pattern';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { NonRootRuleId } from '../../../../spec/vtx/non-root/index.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { cite } from './controls.js';
import { gp, instructionExit, ud } from './outcome.js';
import { displacementAlternatives, displacementQualification, memoryOperandInfo, protectedNonV86NonCompat, reg2Info } from './operands.js';

type VmxOp = 'VMCALL' | 'VMLAUNCH' | 'VMRESUME' | 'VMXOFF' | 'VMCLEAR' | 'VMPTRLD' | 'VMPTRST' | 'VMXON' | 'INVEPT' | 'INVVPID';
export type UnconditionalInstruction = Extract<GuestInstruction, { op: 'CPUID' | 'GETSEC' | 'INVD' | 'XSETBV' | VmxOp }>;

const CR4_SMXE = 1n << 14n;
const CR4_OSXSAVE = 1n << 18n;

const VMX_REASON: Readonly<Record<VmxOp, number>> = {
  VMCALL: 18, VMCLEAR: 19, VMLAUNCH: 20, VMPTRLD: 21, VMPTRST: 22, VMRESUME: 24, VMXOFF: 26, VMXON: 27, INVEPT: 50, INVVPID: 53,
};

const always = (caps: Capabilities, s: VtxState, i: UnconditionalInstruction, rule: NonRootRuleId, reason: number): NonRootResult =>
  instructionExit(caps, s, i, reason, {}, [cite(rule, `${i.op} exits unconditionally in VMX non-root operation`)]);

/** VMX instructions (ch. 30): #UD outside protected mode, in virtual-8086 or compatibility mode (not VMCALL); then the exit. */
const vmxInstruction = (caps: Capabilities, s: VtxState, i: Extract<GuestInstruction, { op: VmxOp }>): NonRootResult => {
  const rule = `EXIT.${i.op}` as NonRootRuleId;
  if (i.op !== 'VMCALL' && !protectedNonV86NonCompat(s)) {
    return ud(caps, s, [
      cite('PRIORITY.UD', `${i.op} is #UD outside protected mode, in virtual-8086 and in compatibility mode; the #UD comes before the exit`),
      cite(rule, `${i.op} does not reach its unconditional exit: #UD first`),
    ]);
  }
  const verdict = [cite(rule, `${i.op} exits unconditionally in VMX non-root operation (before its CPL check)`)];
  const reason = VMX_REASON[i.op];
  return match(i)
    .with({ op: 'VMCALL' }, { op: 'VMLAUNCH' }, { op: 'VMRESUME' }, { op: 'VMXOFF' }, () => instructionExit(caps, s, i, reason, {}, verdict))
    .with({ op: 'VMCLEAR' }, { op: 'VMPTRLD' }, { op: 'VMPTRST' }, { op: 'VMXON' }, (m) =>
      instructionExit(caps, s, i, reason, { qualification: displacementQualification(s, m.mem), otherQualifications: displacementAlternatives(s, m.mem), instructionInfo: memoryOperandInfo(s, m.mem) }, verdict))
    .with({ op: 'INVEPT' }, { op: 'INVVPID' }, (m) =>
      instructionExit(caps, s, i, reason, {
        qualification: displacementQualification(s, m.mem), otherQualifications: displacementAlternatives(s, m.mem),
        instructionInfo: (memoryOperandInfo(s, m.mem) | reg2Info(m.type)) >>> 0,
      }, verdict))
    .exhaustive();
};

export const executeUnconditional = (caps: Capabilities, s: VtxState, i: UnconditionalInstruction): NonRootResult =>
  match(i)
    .with({ op: 'CPUID' }, () => always(caps, s, i, 'EXIT.CPUID', 10))
    .with({ op: 'GETSEC' }, () => {
      if ((s.cpu.cr4 & CR4_SMXE) === 0n) {
        return ud(caps, s, [
          cite('PRIORITY.UD', 'GETSEC with CR4.SMXE = 0 is #UD, which comes before the exit'),
          cite('EXIT.GETSEC', 'CR4.SMXE = 0: no exit'),
        ]);
      }
      return instructionExit(caps, s, i, 11, {}, [cite('EXIT.GETSEC', 'CR4.SMXE = 1: GETSEC exits')]);
    })
    .with({ op: 'INVD' }, () => {
      if (s.cpu.cpl > 0) {
        return gp(caps, s, [cite('PRIORITY.CPL', `INVD at CPL ${s.cpu.cpl}: #GP(0) comes before the exit`), cite('EXIT.INVD', 'CPL > 0: no exit')]);
      }
      return always(caps, s, i, 'EXIT.INVD', 13);
    })
    .with({ op: 'XSETBV' }, () => {
      if ((s.cpu.cr4 & CR4_OSXSAVE) === 0n) {
        return ud(caps, s, [cite('PRIORITY.UD', 'XSETBV with CR4.OSXSAVE = 0 is #UD, which comes before the exit'), cite('EXIT.XSETBV', 'CR4.OSXSAVE = 0: no exit')]);
      }
      if (s.cpu.cpl > 0) {
        return gp(caps, s, [cite('PRIORITY.CPL', `XSETBV at CPL ${s.cpu.cpl}: #GP(0) comes before the exit`), cite('EXIT.XSETBV', 'CPL > 0: no exit')]);
      }
      return always(caps, s, i, 'EXIT.XSETBV', 55);
    })
    .with(
      { op: 'VMCALL' }, { op: 'VMLAUNCH' }, { op: 'VMRESUME' }, { op: 'VMXOFF' }, { op: 'VMCLEAR' }, { op: 'VMPTRLD' },
      { op: 'VMPTRST' }, { op: 'VMXON' }, { op: 'INVEPT' }, { op: 'INVVPID' },
      (v) => vmxInstruction(caps, s, v),
    )
    .exhaustive();
