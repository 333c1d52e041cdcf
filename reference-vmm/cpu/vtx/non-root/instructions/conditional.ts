/**
 * Instructions that exit under a VM-execution control (SDM §25.1.3) and have no group of their own:
 * HLT, INVLPG, INVPCID, RDPMC, RDTSC, RDTSCP, RSM, WBINVD, MWAIT, MONITOR, PAUSE, RDRAND, RDSEED,
 * XSAVES, XRSTORS, ENCLS, and the descriptor-table instructions LGDT, LIDT, SGDT, SIDT, LLDT, LTR,
 * SLDT, STR (Tables 27-10, 27-11 for their instruction information). Each checks #UD and CPL
 * first (PRIORITY.UD, PRIORITY.CPL), then its control, then runs natively.
 * Rules: EXIT.HLT, EXIT.INVLPG, EXIT.INVPCID, EXIT.RDPMC, EXIT.RDTSC, EXIT.RDTSCP, EXIT.RSM,
 * EXIT.WBINVD, EXIT.MWAIT, EXIT.MONITOR, EXIT.PAUSE, EXIT.RDRAND, EXIT.RDSEED, EXIT.XSAVES,
 * EXIT.XRSTORS, EXIT.ENCLS, EXIT.DTABLE.GDTR_IDTR, EXIT.DTABLE.LDTR_TR, CHANGED.RDTSC.OFFSET,
 * CHANGED.RDTSCP.UD, CHANGED.INVPCID.UD, CHANGED.XSAVES.UD.
 */
import type { GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import { accessRightsOf, baseOf, limitOf, readDescriptor } from '../delivery.js';
import { bitOf, GuestFault, MASK64, RFLAGS, type Guest } from '../guest.js';
import { operandAddress, readLinear, writeLinear } from '../memory.js';
import { displacement, gp0, instructionExit, memoryInfo, requireCpl0, ud, type Exec } from './common.js';
import { guestTsc } from './time.js';

const ARITH = RFLAGS.CF | RFLAGS.PF | RFLAGS.AF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.OF;
const DT_IDENTITY = { SGDT: 0, SIDT: 1, LGDT: 2, LIDT: 3 } as const;
const LT_IDENTITY = { SLDT: 0, STR: 1, LLDT: 2, LTR: 3 } as const;

const tscReadAllowed = (g: Guest): void => {
  if (g.cpu.cpl > 0 && bitOf(g.cpu.cr4, 2) && g.protectedMode) throw gp0();
};

/** LLDT/LTR with a non-null selector: the 16-byte system descriptor of the GDT (Vol. 3A §7.2.3, §3.5). */
const loadSystemSegment = (g: Guest, selector: number, wantType: number): { base: bigint; limit: number; ar: number; d: bigint } => {
  const err = selector & 0xfffc;
  if ((selector & 4) !== 0 || (selector & 0xfff8) + 15 > g.cpu.gdtr.limit) throw new GuestFault(13, err);
  const d = readDescriptor(g, selector, 0);
  const hi = g.longMode ? readLinear(g, (g.cpu.gdtr.base + BigInt((selector & 0xfff8) + 8)) & MASK64, 8, { align: 1, supervisor: true }) : 0n;
  const ar = accessRightsOf(d);
  if ((ar & 0x1f) !== wantType) throw new GuestFault(13, err);
  if (!bitOf(d, 47)) throw new GuestFault(11, err);
  return { base: baseOf(d) | ((hi & 0xffff_ffffn) << 32n), limit: limitOf(d), ar, d };
};

export const executeConditional = (g: Guest, i: GuestInstruction, x: Exec): boolean => {
  const cpu = g.cpu;
  switch (i.op) {
    case 'HLT':
      requireCpl0(g);
      if (g.on('proc.HLT_EXITING')) instructionExit(g, x, 12);
      x.halt = true;
      return true;
    case 'INVLPG': {
      requireCpl0(g);
      const linear = operandAddress(g, i.mem);
      if (g.on('proc.INVLPG_EXITING')) instructionExit(g, x, 14, { qualification: linear });
      return true;
    }
    case 'INVPCID':
      if (!g.on('proc2.ENABLE_INVPCID')) throw ud();
      requireCpl0(g);
      if (g.on('proc.INVLPG_EXITING')) {
        instructionExit(g, x, 58, { qualification: displacement(g, i.mem), instructionInfo: (memoryInfo(g, i.mem) | ((i.type & 0xf) << 28)) >>> 0 });
      }
      if (g.reg(i.type) > 3n) throw gp0();
      return true;
    case 'RDPMC':
      if (g.cpu.cpl > 0 && !bitOf(cpu.cr4, 8)) throw gp0();
      if (g.on('proc.RDPMC_EXITING')) instructionExit(g, x, 15);
      g.setReg32(0, 0n);
      g.setReg32(2, 0n);
      return true;
    case 'RDTSC': case 'RDTSCP': {
      if (i.op === 'RDTSCP' && !g.on('proc2.ENABLE_RDTSCP')) throw ud();
      tscReadAllowed(g);
      if (g.on('proc.RDTSC_EXITING')) instructionExit(g, x, i.op === 'RDTSC' ? 16 : 51);
      const tsc = guestTsc(g);
      g.setReg32(0, tsc & 0xffff_ffffn);
      g.setReg32(2, tsc >> 32n);
      if (i.op === 'RDTSCP') g.setReg32(1, (cpu.msrs.get(0xc000_0103) ?? 0n) & 0xffff_ffffn);
      return true;
    }
    case 'RSM':
      if (!cpu.inSmm) throw ud();
      return instructionExit(g, x, 17);
    case 'WBINVD':
      requireCpl0(g);
      if (g.on('proc2.WBINVD_EXITING')) instructionExit(g, x, 54);
      return true;
    case 'MWAIT': case 'MONITOR':
      if (cpu.cpl > 0) throw ud();
      if (g.on(i.op === 'MWAIT' ? 'proc.MWAIT_EXITING' : 'proc.MONITOR_EXITING')) instructionExit(g, x, i.op === 'MWAIT' ? 36 : 39);
      return true;
    case 'PAUSE':
      if (g.on('proc.PAUSE_EXITING')) instructionExit(g, x, 40);
      return true;
    case 'RDRAND': case 'RDSEED':
      if (g.on(i.op === 'RDRAND' ? 'proc2.RDRAND_EXITING' : 'proc2.RDSEED_EXITING')) {
        // Operand size: 64-bit (REX.W, spec/vtx/guest/length.ts) in 64-bit mode, else 32-bit.
        instructionExit(g, x, i.op === 'RDRAND' ? 57 : 61, { instructionInfo: ((i.dst & 0xf) << 3) | ((g.mode64 ? 2 : 1) << 11) });
      }
      g.setOperand(i.dst, 0n);
      cpu.rflags &= ~ARITH;
      return true;
    case 'XSAVES': case 'XRSTORS': {
      if (!g.on('proc2.ENABLE_XSAVES_XRSTORS') || !bitOf(cpu.cr4, 18)) throw ud();
      requireCpl0(g);
      const requested = ((g.reg(2) & 0xffff_ffffn) << 32n) | (g.reg(0) & 0xffff_ffffn);
      if ((requested & (cpu.msrs.get(0xda0) ?? 0n) & g.f('XSS_EXIT_BITMAP')) !== 0n) {
        instructionExit(g, x, i.op === 'XSAVES' ? 63 : 64, { qualification: displacement(g, i.mem), instructionInfo: memoryInfo(g, i.mem) });
      }
      return true;
    }
    case 'ENCLS': {
      // Without SGX (CPUID.(EAX=7,ECX=0):EBX[2]) ENCLS is #UD; with it, leaf functions are out of
      // scope (issue 4 defers SGX) and complete without effect. CPL > 0 is #UD (ENCLS is ring 0).
      if (!g.caps.profile.cpuid.sgx || cpu.cpl > 0 || cpu.inSmm) throw ud();
      const leaf = Number(g.reg(0) & 0xffff_ffffn);
      if (g.on('proc2.ENABLE_ENCLS_EXITING') && bitOf(g.f('ENCLS_EXITING_BITMAP'), Math.min(leaf, 63))) instructionExit(g, x, 60);
      // After the exit check: SGX must be enabled and locked in IA32_FEATURE_CONTROL (bits 18 and 0).
      const featureControl = cpu.msrs.get(0x3a) ?? 0n;
      if (!bitOf(featureControl, 0) || !bitOf(featureControl, 18)) throw gp0();
      return true;
    }
    case 'LGDT': case 'LIDT': case 'SGDT': case 'SIDT': {
      if (i.op === 'LGDT' || i.op === 'LIDT') requireCpl0(g);
      if (g.on('proc2.DESCRIPTOR_TABLE_EXITING')) {
        // Bit 11, the operand size, is 32-bit (1) outside 64-bit mode and undefined (0 here) in it.
        const operandSize = g.mode64 ? 0 : 1 << 11;
        instructionExit(g, x, 46, { qualification: displacement(g, i.mem), instructionInfo: (memoryInfo(g, i.mem) | operandSize | (DT_IDENTITY[i.op] << 28)) >>> 0 });
      }
      const at = operandAddress(g, i.mem);
      const baseBytes = g.mode64 ? 8 : 4;
      if (i.op === 'LGDT' || i.op === 'LIDT') {
        const v = readLinear(g, at, 2 + baseBytes, { align: 1 });
        const table = { base: (v >> 16n) & (g.mode64 ? MASK64 : 0xffff_ffffn), limit: Number(v & 0xffffn) };
        if (g.mode64 && !g.caps.canonical(table.base)) throw gp0();
        if (i.op === 'LGDT') cpu.gdtr = table; else cpu.idtr = table;
      } else {
        const t = i.op === 'SGDT' ? cpu.gdtr : cpu.idtr;
        writeLinear(g, at, 2 + baseBytes, (t.base << 16n) | BigInt(t.limit), { align: 1 });
      }
      return true;
    }
    case 'LLDT': case 'LTR': case 'SLDT': case 'STR': {
      if (!g.protectedMode || g.v86) throw ud();
      if (i.op === 'LLDT' || i.op === 'LTR') requireCpl0(g);
      const reg = 'src' in i ? i.src : i.dst;
      if (g.on('proc2.DESCRIPTOR_TABLE_EXITING')) {
        instructionExit(g, x, 47, { qualification: 0n, instructionInfo: (((reg & 0xf) << 3) | (1 << 10) | (LT_IDENTITY[i.op] << 28)) >>> 0 });
      }
      if (i.op === 'SLDT') { g.setOperand(reg, BigInt(cpu.segments.ldtr.selector)); return true; }
      if (i.op === 'STR') { g.setOperand(reg, BigInt(cpu.segments.tr.selector)); return true; }
      const selector = Number(g.reg(reg) & 0xffffn);
      if (i.op === 'LLDT') {
        if ((selector & 0xfffc) === 0) { cpu.segments.ldtr = { selector, base: 0n, limit: 0, accessRights: 0x1_0000 }; return true; }
        const s = loadSystemSegment(g, selector, 0x02);
        cpu.segments.ldtr = { selector, base: s.base, limit: s.limit, accessRights: s.ar };
        return true;
      }
      if ((selector & 0xfffc) === 0) throw gp0();
      const s = loadSystemSegment(g, selector, g.longMode ? 0x09 : 0x09);
      const at = (cpu.gdtr.base + BigInt((selector & 0xfff8) + 5)) & MASK64;
      writeLinear(g, at, 1, BigInt(s.ar | 0x2) & 0xffn, { align: 1, supervisor: true });
      cpu.segments.tr = { selector, base: s.base, limit: s.limit, accessRights: s.ar | 0x2 };
      return true;
    }
    default: return false;
  }
};
