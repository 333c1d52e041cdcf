/**
 * SDM §25.1.3 "Instructions That Cause VM Exits Conditionally", the instructions decided by one
 * VM-execution control (or a control plus a bitmap). Control registers, I/O and MSRs have their own
 * files. All these exits are fault-like: the instruction has not executed when the VMM sees it.
 * Secondary controls count only when "activate secondary controls" (primary bit 31) is 1, so every
 * rule on a secondary control also lists that control.
 */
import { exitRule, ins, type NonRootRuleSpec } from './rule.js';

const S = '25.1.3';
const SEC = 'proc.ACTIVATE_SECONDARY_CONTROLS' as const;

export const INSTRUCTION_CONTROLS_RULES = {
  'EXIT.HLT': exitRule({
    section: S, trigger: ins('HLT'), controlledBy: ['proc.HLT_EXITING'], exitReason: 12,
    statement: 'HLT exits iff "HLT exiting" = 1', precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.INVLPG': exitRule({
    section: S, trigger: ins('INVLPG'), controlledBy: ['proc.INVLPG_EXITING'], exitReason: 14,
    statement: 'INVLPG exits iff "INVLPG exiting" = 1', precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.INVPCID': exitRule({
    section: S, trigger: ins('INVPCID'), controlledBy: ['proc.INVLPG_EXITING', SEC, 'proc2.ENABLE_INVPCID'], exitReason: 58,
    // INVPCID reuses the INVLPG control: both drop TLB entries the VMM may be shadowing.
    statement: 'INVPCID exits iff "INVLPG exiting" = 1 and "enable INVPCID" = 1',
    precondition: '"enable INVPCID" = 1 (else #UD, see CHANGED.INVPCID.UD) and CPL = 0',
  }),
  'EXIT.MWAIT': exitRule({
    section: S, trigger: ins('MWAIT'), controlledBy: ['proc.MWAIT_EXITING'], exitReason: 36,
    statement: 'MWAIT exits iff "MWAIT exiting" = 1', precondition: 'CPL = 0 (MWAIT at CPL > 0 is #UD, which comes first)',
  }),
  'EXIT.MONITOR': exitRule({
    section: S, trigger: ins('MONITOR'), controlledBy: ['proc.MONITOR_EXITING'], exitReason: 39,
    statement: 'MONITOR exits iff "MONITOR exiting" = 1', precondition: 'CPL = 0 (MONITOR at CPL > 0 is #UD, which comes first)',
  }),
  'EXIT.PAUSE': exitRule({
    section: S, trigger: ins('PAUSE'), controlledBy: ['proc.PAUSE_EXITING'], exitReason: 40,
    statement: 'PAUSE exits at any CPL when "PAUSE exiting" = 1', precondition: 'always',
  }),
  'EXIT.PAUSE.LOOP': exitRule({
    section: S, trigger: ins('PAUSE'), controlledBy: ['proc.PAUSE_EXITING', SEC, 'proc2.PAUSE_LOOP_EXITING', 'PLE_GAP', 'PLE_WINDOW'], exitReason: 40,
    // A spinning vCPU at CPL 0 is likely waiting for a lock held by a descheduled vCPU.
    statement: 'At CPL 0 with "PAUSE-loop exiting" = 1, PAUSE exits once the current loop (PAUSEs no more than PLE_Gap TSC-rate ticks apart) has lasted more than PLE_Window ticks',
    precondition: '"PAUSE exiting" = 0 and CPL = 0 (at CPL > 0 the loop detection is off)',
    confidence: 'S',
  }),
  'EXIT.RDPMC': exitRule({
    section: S, trigger: ins('RDPMC'), controlledBy: ['proc.RDPMC_EXITING'], exitReason: 15,
    statement: 'RDPMC exits iff "RDPMC exiting" = 1', precondition: 'no prior #GP (CPL > 0 with CR4.PCE = 0)',
  }),
  'EXIT.RDTSC': exitRule({
    section: S, trigger: ins('RDTSC'), controlledBy: ['proc.RDTSC_EXITING'], exitReason: 16,
    statement: 'RDTSC exits iff "RDTSC exiting" = 1', precondition: 'no prior #GP (CPL > 0 with CR4.TSD = 1)',
  }),
  'EXIT.RDTSCP': exitRule({
    section: S, trigger: ins('RDTSCP'), controlledBy: ['proc.RDTSC_EXITING', SEC, 'proc2.ENABLE_RDTSCP'], exitReason: 51,
    statement: 'RDTSCP exits iff "RDTSC exiting" = 1 and "enable RDTSCP" = 1',
    precondition: '"enable RDTSCP" = 1 (else #UD, see CHANGED.RDTSCP.UD) and no CR4.TSD #GP',
  }),
  'EXIT.RDRAND': exitRule({
    section: S, trigger: ins('RDRAND'), controlledBy: [SEC, 'proc2.RDRAND_EXITING'], exitReason: 57,
    statement: 'RDRAND exits iff "RDRAND exiting" = 1', precondition: 'always',
  }),
  'EXIT.RDSEED': exitRule({
    section: S, trigger: ins('RDSEED'), controlledBy: [SEC, 'proc2.RDSEED_EXITING'], exitReason: 61,
    statement: 'RDSEED exits iff "RDSEED exiting" = 1', precondition: 'always',
  }),
  'EXIT.WBINVD': exitRule({
    section: S, trigger: ins('WBINVD'), controlledBy: [SEC, 'proc2.WBINVD_EXITING'], exitReason: 54,
    statement: 'WBINVD exits iff "WBINVD exiting" = 1', precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.DTABLE.GDTR_IDTR': exitRule({
    section: S, trigger: ins('LGDT', 'LIDT', 'SGDT', 'SIDT'), controlledBy: [SEC, 'proc2.DESCRIPTOR_TABLE_EXITING'], exitReason: 46,
    statement: 'LGDT, LIDT, SGDT and SIDT exit iff "descriptor-table exiting" = 1',
    precondition: 'no prior #UD or CPL #GP (LGDT/LIDT need CPL 0; SGDT/SIDT have no CPL check unless UMIP)',
  }),
  'EXIT.DTABLE.LDTR_TR': exitRule({
    section: S, trigger: ins('LLDT', 'LTR', 'SLDT', 'STR'), controlledBy: [SEC, 'proc2.DESCRIPTOR_TABLE_EXITING'], exitReason: 47,
    statement: 'LLDT, LTR, SLDT and STR exit iff "descriptor-table exiting" = 1',
    precondition: 'no prior #UD (real/virtual-8086 mode) or CPL #GP (LLDT/LTR need CPL 0)',
  }),
  'EXIT.MOVDR': exitRule({
    section: S, trigger: ins('MOV to DR', 'MOV from DR'), controlledBy: ['proc.MOV_DR_EXITING'], exitReason: 29,
    statement: 'MOV to or from a debug register exits iff "MOV-DR exiting" = 1',
    // The one exit that beats the CPL #GP and the CR4.DE #UD: see PRIORITY.MOVDR.
    precondition: 'always (even at CPL > 0, or DR4/DR5 with CR4.DE = 1)',
  }),
  'EXIT.RSM': exitRule({
    section: S, trigger: ins('RSM'), controlledBy: [], exitReason: 17,
    statement: 'RSM exits when executed in SMM, which a guest is in only under the dual-monitor treatment of SMIs',
    precondition: 'in SMM (outside SMM RSM is #UD as usual)', confidence: 'S',
  }),
  'EXIT.VMREAD': exitRule({
    section: S, trigger: ins('VMREAD'), controlledBy: [SEC, 'proc2.VMCS_SHADOWING', 'VMREAD_BITMAP'], exitReason: 23,
    statement: 'VMREAD exits if "VMCS shadowing" = 0, or the field encoding has a bit set above bit 14 (bits 63:15; 31:15 outside 64-bit mode), or its VMREAD-bitmap bit (encoding bits 14:0) is 1',
    precondition: 'no prior #UD (real-address, virtual-8086 or compatibility mode); the exit precedes the CPL check (a CPL-3 guest exits); otherwise it reads the shadow VMCS',
  }),
  'EXIT.VMWRITE': exitRule({
    section: S, trigger: ins('VMWRITE'), controlledBy: [SEC, 'proc2.VMCS_SHADOWING', 'VMWRITE_BITMAP'], exitReason: 25,
    statement: 'VMWRITE exits if "VMCS shadowing" = 0, or the field encoding has a bit set above bit 14, or its VMWRITE-bitmap bit (encoding bits 14:0) is 1',
    precondition: 'no prior #UD (real-address, virtual-8086 or compatibility mode); the exit precedes the CPL check; otherwise it writes the shadow VMCS',
  }),
  'EXIT.ENCLS': exitRule({
    section: S, trigger: ins('ENCLS'), controlledBy: [SEC, 'proc2.ENABLE_ENCLS_EXITING', 'ENCLS_EXITING_BITMAP'], exitReason: 60,
    statement: 'ENCLS exits iff "enable ENCLS exiting" = 1 and bit min(EAX, 63) of the ENCLS-exiting bitmap is 1',
    precondition: 'no prior #UD or CPL #GP (SGX; kept for completeness, issue 4 defers SGX)', confidence: 'S',
  }),
  'EXIT.XSAVES': exitRule({
    section: S, trigger: ins('XSAVES'), controlledBy: [SEC, 'proc2.ENABLE_XSAVES_XRSTORS', 'XSS_EXIT_BITMAP'], exitReason: 63,
    statement: 'XSAVES exits iff "enable XSAVES/XRSTORS" = 1 and EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap is not 0',
    precondition: '"enable XSAVES/XRSTORS" = 1 (else #UD) and no other prior #UD or CPL #GP', confidence: 'S',
  }),
  'EXIT.XRSTORS': exitRule({
    section: S, trigger: ins('XRSTORS'), controlledBy: [SEC, 'proc2.ENABLE_XSAVES_XRSTORS', 'XSS_EXIT_BITMAP'], exitReason: 64,
    statement: 'XRSTORS exits iff "enable XSAVES/XRSTORS" = 1 and EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap is not 0',
    precondition: '"enable XSAVES/XRSTORS" = 1 (else #UD) and no other prior #UD or CPL #GP', confidence: 'S',
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
