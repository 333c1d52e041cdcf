/**
 * §25.1.3 "Instructions That Cause VM Exits Conditionally", the instructions decided by one control
 * (rules EXIT.HLT, EXIT.INVLPG, EXIT.INVPCID, EXIT.MWAIT, EXIT.MONITOR, EXIT.PAUSE, EXIT.PAUSE.LOOP,
 * EXIT.RDPMC, EXIT.RDTSC, EXIT.RDTSCP, EXIT.RDRAND, EXIT.RDSEED, EXIT.WBINVD, EXIT.RSM, EXIT.ENCLS,
 * EXIT.XSAVES, EXIT.XRSTORS), with the #UD of §25.3 for disabled features (CHANGED.RDTSCP.UD,
 * CHANGED.INVPCID.UD, CHANGED.XSAVES.UD), the offset TSC (CHANGED.RDTSC.OFFSET, CHANGED.TSC.SCALING),
 * and the faults that come first (PRIORITY.UD, PRIORITY.CPL). VMREAD/VMWRITE: ./vmcs-shadowing.ts.
 *
 * Without an exit: HLT enters the HLT activity state; INVLPG, INVPCID, WBINVD, MONITOR, MWAIT and PAUSE
 * have no modelled effect (no TLB, caches or monitor hardware; MWAIT may always resume at once);
 * RDPMC reads 0 (no counters are modelled); RDRAND/RDSEED report "no random number available"
 * (destination 0, CF = 0), an outcome the instructions permit at any time; XSAVES/XRSTORS and ENCLS
 * leaves are not modelled beyond their exits.
 */
import { match } from 'ts-pattern';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { operandLinear } from './access.js';
import { cite, controlOn, field, hex, said } from './controls.js';
import { gp, instructionExit, retire, retireWith, ud } from './outcome.js';
import {
  displacementAlternatives, displacementQualification, in64BitMode, inRealMode, inV86Mode, memoryOperandInfo, reg, reg2Info, U32,
} from './operands.js';
import { guestTsc } from './tsc.js';

export type ControlledInstruction = Extract<GuestInstruction, {
  op: 'HLT' | 'INVLPG' | 'INVPCID' | 'MWAIT' | 'MONITOR' | 'PAUSE' | 'RDPMC' | 'RDTSC' | 'RDTSCP' | 'RDRAND' | 'RDSEED'
    | 'WBINVD' | 'RSM' | 'ENCLS' | 'XSAVES' | 'XRSTORS';
}>;

const CR4_TSD = 1n << 2n;
const CR4_PCE = 1n << 8n;
const CR4_OSXSAVE = 1n << 18n;
const IA32_XSS = 0xda0;
const IA32_TSC_AUX = 0xc000_0103;
const RAX = 0, RCX = 1, RDX = 2;
// CF, PF, AF, ZF, SF, OF: RDRAND/RDSEED clear them all when no random number is available.
const ARITH_FLAGS = 0x8d5n;

const cplFault = (caps: Capabilities, s: VtxState, i: ControlledInstruction, rule: Parameters<typeof cite>[0], how: 'gp' | 'ud'): NonRootResult => {
  const ds = [
    cite('PRIORITY.CPL', `${i.op} at CPL ${s.cpu.cpl} is ${how === 'gp' ? '#GP(0)' : '#UD'}, which comes before any VM exit`),
    cite(rule, `CPL ${s.cpu.cpl}: the fault comes first, no exit`),
  ];
  return how === 'gp' ? gp(caps, s, ds) : ud(caps, s, ds);
};

/** Exits by `control` with no qualification, or runs `otherwise` with the decision that it did not. */
const byControl = (
  caps: Capabilities, s: VtxState, i: ControlledInstruction, rule: Parameters<typeof cite>[0], control: Parameters<typeof controlOn>[1],
  reason: number, otherwise: (ds: readonly Decision[]) => NonRootResult,
): NonRootResult => {
  const d = cite(rule, `${said(s, control)}${controlOn(s, control) ? `: ${i.op} exits` : `: ${i.op} executes`}`);
  return controlOn(s, control) ? instructionExit(caps, s, i, reason, {}, [d]) : otherwise([d]);
};

const edxEax = (value: bigint): ReadonlyMap<number, bigint> => new Map([[RAX, value & U32], [RDX, (value >> 32n) & U32]]);

const pause = (caps: Capabilities, s: VtxState, i: ControlledInstruction): NonRootResult => {
  const exits = controlOn(s, 'proc.PAUSE_EXITING');
  const first = cite('EXIT.PAUSE', `${said(s, 'proc.PAUSE_EXITING')}${exits ? ': PAUSE exits' : ''}`);
  if (exits) return instructionExit(caps, s, i, 40, {}, [first]);
  const ple = controlOn(s, 'proc2.PAUSE_LOOP_EXITING');
  if (!ple || s.cpu.cpl > 0) {
    const why = !ple ? said(s, 'proc2.PAUSE_LOOP_EXITING') : `CPL ${s.cpu.cpl} > 0: "PAUSE-loop exiting" is ignored`;
    return retire(s, i, s, {}, [first, cite('EXIT.PAUSE.LOOP', `${why}: no PAUSE-loop exit`)]);
  }
  // The loop's timing (PLE_Gap/PLE_Window against a TSC-rate counter) is not in the state: both permitted.
  const ds = [first, cite('EXIT.PAUSE.LOOP', `CPL 0, "PAUSE-loop exiting" = 1 (PLE_Gap ${hex(field(s, 'PLE_GAP'))}, PLE_Window ${hex(field(s, 'PLE_WINDOW'))}): the loop timing is not part of the state, so the exit and its absence are both permitted`)];
  return { ...instructionExit(caps, s, i, 40, {}, ds), alternatives: [retire(s, i, s, {}, ds)] };
};

const mwait = (caps: Capabilities, s: VtxState, i: ControlledInstruction): NonRootResult => {
  if (s.cpu.cpl > 0) return cplFault(caps, s, i, 'EXIT.MWAIT', 'ud');
  const exits = controlOn(s, 'proc.MWAIT_EXITING');
  const ds = [cite('EXIT.MWAIT', `${said(s, 'proc.MWAIT_EXITING')}${exits ? ': MWAIT exits' : ': MWAIT executes (it may resume at once)'}`)];
  if (!exits) return retire(s, i, s, {}, ds);
  // Qualification bit 0 says whether monitoring was armed; MONITOR's arming is not in the state.
  const armed = instructionExit(caps, s, i, 36, { qualification: 1n }, ds);
  return { ...instructionExit(caps, s, i, 36, { qualification: 0n }, ds), alternatives: [armed] };
};

const rdtscp = (caps: Capabilities, s: VtxState, i: ControlledInstruction): NonRootResult => {
  if (!controlOn(s, 'proc2.ENABLE_RDTSCP')) {
    return ud(caps, s, [
      cite('CHANGED.RDTSCP.UD', `${said(s, 'proc2.ENABLE_RDTSCP')}: RDTSCP is #UD`),
      cite('PRIORITY.UD', 'the #UD comes before the exit'),
      cite('EXIT.RDTSCP', '"enable RDTSCP" = 0: no exit'),
    ]);
  }
  if ((s.cpu.cr4 & CR4_TSD) !== 0n && s.cpu.cpl > 0) return cplFault(caps, s, i, 'EXIT.RDTSCP', 'gp');
  return byControl(caps, s, i, 'EXIT.RDTSCP', 'proc.RDTSC_EXITING', 51, (ds) => {
    const t = guestTsc(s, 'CHANGED.RDTSC.OFFSET');
    const aux = (s.cpu.msrs.get(IA32_TSC_AUX) ?? 0n) & U32;
    const regs = new Map([...edxEax(t.value), [RCX, aux]]);
    return retireWith(s, i, s, regs, 4, {}, [...ds, ...t.decisions]);
  });
};

const random = (caps: Capabilities, s: VtxState, i: Extract<ControlledInstruction, { op: 'RDRAND' | 'RDSEED' }>): NonRootResult => {
  const rdrand = i.op === 'RDRAND';
  const control = rdrand ? 'proc2.RDRAND_EXITING' : 'proc2.RDSEED_EXITING';
  const exits = controlOn(s, control);
  const ds = [cite(rdrand ? 'EXIT.RDRAND' : 'EXIT.RDSEED', `${said(s, control)}${exits ? `: ${i.op} exits` : `: ${i.op} executes`}`)];
  if (exits) {
    // Operand size (bits 12:11): the abstract encoding carries REX.W in 64-bit mode (64-bit), else 32-bit.
    const info = (((i.dst & 15) << 3) | ((in64BitMode(s) ? 2 : 1) << 11)) >>> 0;
    return instructionExit(caps, s, i, rdrand ? 57 : 61, { instructionInfo: info }, ds);
  }
  return retireWith(s, i, s, new Map([[i.dst, 0n]]), in64BitMode(s) ? 8 : 4, { rflags: s.cpu.rflags & ~ARITH_FLAGS & ~(1n << 16n) }, ds);
};

const xsaves = (caps: Capabilities, s: VtxState, i: Extract<ControlledInstruction, { op: 'XSAVES' | 'XRSTORS' }>): NonRootResult => {
  const rule = i.op === 'XSAVES' ? 'EXIT.XSAVES' : 'EXIT.XRSTORS';
  if (!controlOn(s, 'proc2.ENABLE_XSAVES_XRSTORS')) {
    return ud(caps, s, [
      cite('CHANGED.XSAVES.UD', `${said(s, 'proc2.ENABLE_XSAVES_XRSTORS')}: ${i.op} is #UD`),
      cite('PRIORITY.UD', 'the #UD comes before the exit'),
      cite(rule, '"enable XSAVES/XRSTORS" = 0: no exit'),
    ]);
  }
  if ((s.cpu.cr4 & CR4_OSXSAVE) === 0n) {
    return ud(caps, s, [cite('PRIORITY.UD', `${i.op} with CR4.OSXSAVE = 0 is #UD, before the exit`), cite(rule, 'CR4.OSXSAVE = 0: no exit')]);
  }
  if (s.cpu.cpl > 0) return cplFault(caps, s, i, rule, 'gp');
  const requested = ((reg(s, RDX) & U32) << 32n) | (reg(s, RAX) & U32);
  const xss = s.cpu.msrs.get(IA32_XSS) ?? 0n;
  const bitmap = field(s, 'XSS_EXIT_BITMAP');
  const hit = requested & xss & bitmap;
  const ds = [cite(rule, `EDX:EAX ${hex(requested)} AND IA32_XSS ${hex(xss)} AND XSS-exiting bitmap ${hex(bitmap)} = ${hex(hit)}${hit !== 0n ? `: ${i.op} exits` : ''}`)];
  if (hit === 0n) return retire(s, i, s, {}, ds);
  return instructionExit(caps, s, i, i.op === 'XSAVES' ? 63 : 64, {
    qualification: displacementQualification(s, i.mem), otherQualifications: displacementAlternatives(s, i.mem), instructionInfo: memoryOperandInfo(s, i.mem),
  }, ds);
};

/**
 * ENCLS (Vol. 3D ch. 41 pseudocode): #UD without SGX, outside protected mode, in virtual-8086 mode or
 * SMM, and at CPL > 0; then the VM exit; then #GP(0) unless IA32_FEATURE_CONTROL is locked with SGX
 * enabled (bits 0 and 18). The leaf functions themselves are not modelled (SGX is deferred).
 */
const encls = (caps: Capabilities, s: VtxState, i: ControlledInstruction): NonRootResult => {
  if (!caps.profile.cpuid.sgx || inRealMode(s) || inV86Mode(s) || s.cpu.inSmm) {
    return ud(caps, s, [cite('PRIORITY.UD', 'ENCLS is #UD without SGX, outside protected mode, in virtual-8086 mode or SMM; before the exit'), cite('EXIT.ENCLS', '#UD first: no exit')]);
  }
  if (s.cpu.cpl > 0) return cplFault(caps, s, i, 'EXIT.ENCLS', 'ud');
  const leaf = reg(s, RAX) & U32;
  const bit = leaf > 63n ? 63n : leaf;
  const exiting = controlOn(s, 'proc2.ENABLE_ENCLS_EXITING');
  const set = ((field(s, 'ENCLS_EXITING_BITMAP') >> bit) & 1n) === 1n;
  const ds = [cite('EXIT.ENCLS', `${said(s, 'proc2.ENABLE_ENCLS_EXITING')}, ENCLS-exiting bitmap bit ${bit} (EAX ${hex(leaf)}) = ${set ? 1 : 0}`)];
  if (exiting && set) return instructionExit(caps, s, i, 60, {}, ds);
  const control = s.cpu.msrs.get(0x3a) ?? 0n;
  const enabled = (control & 1n) !== 0n && ((control >> 18n) & 1n) !== 0n;
  return enabled ? retire(s, i, s, {}, ds) : gp(caps, s, ds);
};

export const executeControlled = (caps: Capabilities, s: VtxState, i: ControlledInstruction): NonRootResult =>
  match(i)
    .with({ op: 'HLT' }, () => (s.cpu.cpl > 0 ? cplFault(caps, s, i, 'EXIT.HLT', 'gp')
      : byControl(caps, s, i, 'EXIT.HLT', 'proc.HLT_EXITING', 12, (ds) => retire(s, i, s, { activity: 'hlt' }, ds))))
    .with({ op: 'INVLPG' }, (v) => {
      if (s.cpu.cpl > 0) return cplFault(caps, s, i, 'EXIT.INVLPG', 'gp');
      const exits = controlOn(s, 'proc.INVLPG_EXITING');
      const ds = [cite('EXIT.INVLPG', `${said(s, 'proc.INVLPG_EXITING')}${exits ? ': INVLPG exits' : ': INVLPG executes'}`)];
      if (!exits) return retire(s, i, s, {}, ds);
      const linear = operandLinear(s, v.mem) & (in64BitMode(s) ? 0xffff_ffff_ffff_ffffn : U32);
      return instructionExit(caps, s, i, 14, { qualification: linear }, ds);
    })
    .with({ op: 'INVPCID' }, (v) => {
      if (!controlOn(s, 'proc2.ENABLE_INVPCID')) {
        return ud(caps, s, [
          cite('CHANGED.INVPCID.UD', `${said(s, 'proc2.ENABLE_INVPCID')}: INVPCID is #UD (before any other exception)`),
          cite('PRIORITY.UD', 'the #UD comes before the exit'),
          cite('EXIT.INVPCID', '"enable INVPCID" = 0: no exit'),
        ]);
      }
      if (inV86Mode(s)) return ud(caps, s, [cite('PRIORITY.UD', 'INVPCID is #UD in virtual-8086 mode'), cite('EXIT.INVPCID', '#UD first: no exit')]);
      if (s.cpu.cpl > 0) return cplFault(caps, s, i, 'EXIT.INVPCID', 'gp');
      const exits = controlOn(s, 'proc.INVLPG_EXITING');
      const ds = [cite('EXIT.INVPCID', `"enable INVPCID" = 1, ${said(s, 'proc.INVLPG_EXITING')}${exits ? ': INVPCID exits' : ''}`)];
      if (exits) {
        return instructionExit(caps, s, i, 58, {
          qualification: displacementQualification(s, v.mem), otherQualifications: displacementAlternatives(s, v.mem), instructionInfo: (memoryOperandInfo(s, v.mem) | reg2Info(v.type)) >>> 0,
        }, ds);
      }
      // Invalidation types 0–3 exist; the descriptor's effect (TLB entries) is not modelled.
      return reg(s, v.type) > 3n ? gp(caps, s, ds) : retire(s, i, s, {}, ds);
    })
    .with({ op: 'MWAIT' }, () => mwait(caps, s, i))
    .with({ op: 'MONITOR' }, () => (s.cpu.cpl > 0 ? cplFault(caps, s, i, 'EXIT.MONITOR', 'ud')
      : byControl(caps, s, i, 'EXIT.MONITOR', 'proc.MONITOR_EXITING', 39, (ds) => retire(s, i, s, {}, ds))))
    .with({ op: 'PAUSE' }, () => pause(caps, s, i))
    .with({ op: 'RDPMC' }, () => ((s.cpu.cr4 & CR4_PCE) === 0n && s.cpu.cpl > 0 ? cplFault(caps, s, i, 'EXIT.RDPMC', 'gp')
      : byControl(caps, s, i, 'EXIT.RDPMC', 'proc.RDPMC_EXITING', 15, (ds) => retireWith(s, i, s, edxEax(0n), 4, {}, ds))))
    .with({ op: 'RDTSC' }, () => ((s.cpu.cr4 & CR4_TSD) !== 0n && s.cpu.cpl > 0 ? cplFault(caps, s, i, 'EXIT.RDTSC', 'gp')
      : byControl(caps, s, i, 'EXIT.RDTSC', 'proc.RDTSC_EXITING', 16, (ds) => {
        const t = guestTsc(s, 'CHANGED.RDTSC.OFFSET');
        return retireWith(s, i, s, edxEax(t.value), 4, {}, [...ds, ...t.decisions]);
      })))
    .with({ op: 'RDTSCP' }, () => rdtscp(caps, s, i))
    .with({ op: 'RDRAND' }, { op: 'RDSEED' }, (v) => random(caps, s, v))
    .with({ op: 'WBINVD' }, () => (s.cpu.cpl > 0 ? cplFault(caps, s, i, 'EXIT.WBINVD', 'gp')
      : byControl(caps, s, i, 'EXIT.WBINVD', 'proc2.WBINVD_EXITING', 54, (ds) => retire(s, i, s, {}, ds))))
    .with({ op: 'RSM' }, () => {
      if (!s.cpu.inSmm) return ud(caps, s, [cite('PRIORITY.UD', 'RSM outside SMM is #UD'), cite('EXIT.RSM', 'not in SMM: #UD, no exit')]);
      return instructionExit(caps, s, i, 17, {}, [cite('EXIT.RSM', 'RSM in SMM exits')]);
    })
    .with({ op: 'ENCLS' }, () => encls(caps, s, i))
    .with({ op: 'XSAVES' }, { op: 'XRSTORS' }, (v) => xsaves(caps, s, v))
    .exhaustive();
