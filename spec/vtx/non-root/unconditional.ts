/**
 * SDM §25.1.2 "Instructions That Cause VM Exits Unconditionally": in VMX non-root operation these
 * exit whatever the controls say, so a VMM always sees CPUID, cache invalidation, XCR0 changes and
 * any attempt of the guest to use VMX itself (nested VMX is emulated, never run natively).
 * VMREAD/VMWRITE are not here: with VMCS shadowing they may run without exiting (§25.1.3, ./instruction-controls.ts).
 */
import { exitRule, ins, type NonRootRuleSpec } from './rule.js';

const S = '25.1.2';

/** VMX instructions and their basic exit reasons (App. C). */
const vmx = (mnemonic: string, exitReason: 18 | 19 | 20 | 21 | 22 | 24 | 26 | 27 | 50 | 53) =>
  exitRule({
    section: S, trigger: ins(mnemonic), controlledBy: [], exitReason,
    statement: `${mnemonic} in VMX non-root operation causes a VM exit`,
    precondition: 'the instruction does not #UD first (real-address, virtual-8086 or compatibility mode; §25.1.1); the exit precedes its CPL check, so a CPL-3 guest exits',
  });

export const UNCONDITIONAL_RULES = {
  'EXIT.CPUID': exitRule({
    section: S, trigger: ins('CPUID'), controlledBy: [], exitReason: 10,
    statement: 'CPUID always causes a VM exit', precondition: 'always',
  }),
  'EXIT.GETSEC': exitRule({
    section: S, trigger: ins('GETSEC'), controlledBy: [], exitReason: 11,
    statement: 'GETSEC causes a VM exit when CR4.SMXE = 1',
    // With CR4.SMXE = 0 GETSEC is #UD, and #UD beats the exit (§25.1.1).
    precondition: 'CR4.SMXE = 1 (else #UD, no exit)',
  }),
  'EXIT.INVD': exitRule({
    section: S, trigger: ins('INVD'), controlledBy: [], exitReason: 13,
    statement: 'INVD always causes a VM exit',
    // INVD is privileged: at CPL > 0 its #GP comes before the exit (§25.1.1, first principle).
    precondition: 'CPL = 0 (else #GP(0) first, §25.1.1)',
  }),
  'EXIT.XSETBV': exitRule({
    section: S, trigger: ins('XSETBV'), controlledBy: [], exitReason: 55,
    statement: 'XSETBV always causes a VM exit',
    precondition: 'no prior #UD (CR4.OSXSAVE = 0) or CPL #GP (§25.1.1)',
  }),
  'EXIT.INVEPT': vmx('INVEPT', 50),
  'EXIT.INVVPID': vmx('INVVPID', 53),
  'EXIT.VMCALL': exitRule({
    section: S, trigger: ins('VMCALL'), controlledBy: [], exitReason: 18,
    statement: 'VMCALL in VMX non-root operation causes a VM exit',
    // Unlike the other VMX instructions, VMCALL checks nothing before the non-root exit (ch. 30 pseudocode).
    precondition: 'always (no #UD in any mode once in VMX operation; the exit precedes the CPL check)',
  }),
  'EXIT.VMCLEAR': vmx('VMCLEAR', 19),
  'EXIT.VMLAUNCH': vmx('VMLAUNCH', 20),
  'EXIT.VMPTRLD': vmx('VMPTRLD', 21),
  'EXIT.VMPTRST': vmx('VMPTRST', 22),
  'EXIT.VMRESUME': vmx('VMRESUME', 24),
  'EXIT.VMXOFF': vmx('VMXOFF', 26),
  'EXIT.VMXON': vmx('VMXON', 27),
} as const satisfies Record<string, NonRootRuleSpec>;
