/**
 * Control- and debug-register instructions in VMX non-root operation (SDM §25.1.3, §25.3):
 * MOV to/from CR0, CR2, CR3, CR4, CR8, CLTS, LMSW, SMSW, MOV to/from DR. Exit qualification layouts:
 * Table 27-3 (control-register accesses) and Table 27-4 (MOV DR).
 * Rules: EXIT.CR0.WRITE.MASK, EXIT.CR4.WRITE.MASK, EXIT.CLTS, EXIT.LMSW, EXIT.CR3.LOAD.TARGET,
 * EXIT.CR3.STORE, EXIT.CR8.LOAD, EXIT.CR8.STORE, EXIT.TPR.BELOW.THRESHOLD (with ../index.ts), EXIT.MOVDR,
 * PRIORITY.MOVDR, PRIORITY.CPL, PRIORITY.OPERAND, CHANGED.CR0.READ, CHANGED.CR4.READ, CHANGED.SMSW,
 * CHANGED.CR0.WRITE, CHANGED.CR4.WRITE, CHANGED.CLTS, CHANGED.LMSW, CHANGED.CR8.READ, CHANGED.CR8.WRITE,
 * PAGING.PAE.LOAD (../pdpte.ts).
 */
import type { GuestInstruction } from '../../../../../spec/vtx/guest/instructions.js';
import { bitOf, CR0, EFER, type Guest } from '../guest.js';
import { operandAddress, readLinear } from '../memory.js';
import { readPdptes, usesPae } from '../pdpte.js';
import { gp0, instructionExit, requireCpl0, ud, type Exec } from './common.js';

/** CR0 bits MOV to CR0 can change: PE, MP, EM, TS, NE, WP, AM, NW, CD, PG. */
const CR0_WRITABLE = 0xe005_002fn;

const crQualification = (cr: number, type: number, gpr: number, lmswData = 0n, lmswMemory = false): bigint =>
  BigInt(cr) | (BigInt(type) << 4n) | (lmswMemory ? 1n << 6n : 0n) | (BigInt(gpr & 0xf) << 8n) | ((lmswData & 0xffffn) << 16n);

/** The value a read of CR0/CR4 returns: read-shadow bits where the guest/host mask is 1. */
const shadowed = (value: bigint, mask: bigint, shadow: bigint): bigint => (value & ~mask) | (shadow & mask);

/** CR0/CR4 values VMX operation does not support (fixed bits, §23.8) fault with #GP(0). */
const cr0Supported = (g: Guest, v: bigint): boolean => {
  let fixed0 = g.caps.cr0Fixed0;
  if (g.on('proc2.UNRESTRICTED_GUEST')) fixed0 &= ~(CR0.PE | CR0.PG);
  return (v & fixed0) === fixed0 && (v & ~g.caps.cr0Fixed1 & 0xffff_ffffn) === 0n;
};
const cr4Supported = (g: Guest, v: bigint): boolean =>
  (v & g.caps.cr4Fixed0) === g.caps.cr4Fixed0 && (v & ~g.caps.cr4Fixed1) === 0n;

const writeCr0 = (g: Guest, src: bigint): void => {
  const cpu = g.cpu;
  if ((src >> 32n) !== 0n) throw gp0();
  const mask = g.f('CR0_GUEST_HOST_MASK');
  const guestOwned = CR0_WRITABLE & ~mask;
  const v = (cpu.cr0 & ~guestOwned) | (src & guestOwned);
  if ((v & CR0.PG) !== 0n && (v & CR0.PE) === 0n) throw gp0();
  if ((v & CR0.NW) !== 0n && (v & CR0.CD) === 0n) throw gp0();
  if (g.longMode && (v & CR0.PG) === 0n) throw gp0();
  if ((v & CR0.PG) !== 0n && (cpu.cr0 & CR0.PG) === 0n && (cpu.efer & EFER.LME) !== 0n && !bitOf(cpu.cr4, 5)) throw gp0();
  if (!cr0Supported(g, v)) throw gp0();
  // With LME = 1, turning paging on enters IA-32e mode and turning it off leaves it (Vol. 3A §9.8.5).
  const efer = (cpu.efer & EFER.LME) === 0n ? cpu.efer : (v & CR0.PG) !== 0n ? cpu.efer | EFER.LMA : cpu.efer & ~EFER.LMA;
  // PDPTEs: loaded when PAE paging follows and CD, NW or PG changes (Vol. 3A §4.4.1).
  if (usesPae(v, cpu.cr4, efer) && ((v ^ cpu.cr0) & (CR0.CD | CR0.NW | CR0.PG)) !== 0n) cpu.pdpte = readPdptes(g, cpu.cr3);
  cpu.cr0 = v;
  cpu.efer = efer;
};

const writeCr4 = (g: Guest, src: bigint): void => {
  const cpu = g.cpu;
  const mask = g.f('CR4_GUEST_HOST_MASK');
  const v = (cpu.cr4 & mask) | (src & ~mask);
  if (g.longMode && !bitOf(v, 5)) throw gp0();
  if (bitOf(v, 17) && !bitOf(cpu.cr4, 17) && (!g.longMode || (cpu.cr3 & 0xfffn) !== 0n)) throw gp0();
  if (!cr4Supported(g, v)) throw gp0();
  // PDPTEs: loaded when PAE paging follows and PSE (4), PAE (5), PGE (7) or SMEP (20) changes (Vol. 3A §4.4.1).
  if (usesPae(cpu.cr0, v, cpu.efer) && ((v ^ cpu.cr4) & 0x10_00b0n) !== 0n) cpu.pdpte = readPdptes(g, cpu.cr3);
  cpu.cr4 = v;
};

const virtualApic = (g: Guest): bigint => g.f('VIRTUAL_APIC_PAGE_ADDR') & ~0xfffn;

export const executeControlRegisters = (g: Guest, i: GuestInstruction, x: Exec): boolean => {
  const cpu = g.cpu;
  switch (i.op) {
    case 'MOV_TO_CR': {
      if (i.cr === 8 && !g.mode64) throw ud();
      requireCpl0(g);
      const src = g.operand(i.src);
      const exit = (): never => instructionExit(g, x, 28, { qualification: crQualification(i.cr, 0, i.src) });
      switch (i.cr) {
        case 0: {
          const mask = g.f('CR0_GUEST_HOST_MASK');
          if (((src ^ g.f('CR0_READ_SHADOW')) & mask) !== 0n) exit();
          writeCr0(g, src);
          return true;
        }
        case 4: {
          const mask = g.f('CR4_GUEST_HOST_MASK');
          if (((src ^ g.f('CR4_READ_SHADOW')) & mask) !== 0n) exit();
          writeCr4(g, src);
          return true;
        }
        case 3: {
          if (g.on('proc.CR3_LOAD_EXITING')) {
            const n = Number(g.f('CR3_TARGET_COUNT'));
            const targets = (['CR3_TARGET_VALUE0', 'CR3_TARGET_VALUE1', 'CR3_TARGET_VALUE2', 'CR3_TARGET_VALUE3'] as const).slice(0, Math.min(n, 4));
            if (!targets.some((t) => g.f(t) === src)) exit();
          }
          if ((src >> g.caps.maxPhysAddr) !== 0n) throw gp0();
          if (usesPae(cpu.cr0, cpu.cr4, cpu.efer)) cpu.pdpte = readPdptes(g, src);
          cpu.cr3 = src;
          return true;
        }
        case 2: cpu.cr2 = src; return true;
        case 8: {
          if (g.on('proc.CR8_LOAD_EXITING')) exit();
          if ((src >> 4n) !== 0n) throw gp0();
          if (g.on('proc.USE_TPR_SHADOW')) {
            g.m.writeBytes(virtualApic(g) + 0x80n, 4, (src & 0xfn) << 4n);
            x.tprCheck = true;
          } else {
            cpu.cr8 = src;
          }
          return true;
        }
      }
      return true;
    }
    case 'MOV_FROM_CR': {
      if (i.cr === 8 && !g.mode64) throw ud();
      requireCpl0(g);
      const exit = (): never => instructionExit(g, x, 28, { qualification: crQualification(i.cr, 1, i.dst) });
      switch (i.cr) {
        case 0: g.setOperand(i.dst, shadowed(cpu.cr0, g.f('CR0_GUEST_HOST_MASK'), g.f('CR0_READ_SHADOW'))); return true;
        case 4: g.setOperand(i.dst, shadowed(cpu.cr4, g.f('CR4_GUEST_HOST_MASK'), g.f('CR4_READ_SHADOW'))); return true;
        case 2: g.setOperand(i.dst, cpu.cr2); return true;
        case 3:
          if (g.on('proc.CR3_STORE_EXITING')) exit();
          g.setOperand(i.dst, cpu.cr3);
          return true;
        case 8:
          if (g.on('proc.CR8_STORE_EXITING')) exit();
          g.setReg(i.dst, g.on('proc.USE_TPR_SHADOW') ? (g.m.readBytes(virtualApic(g) + 0x80n, 1) >> 4n) & 0xfn : cpu.cr8);
          return true;
      }
      return true;
    }
    case 'CLTS': {
      requireCpl0(g);
      const mask = g.f('CR0_GUEST_HOST_MASK');
      if ((mask & CR0.TS) !== 0n) {
        if ((g.f('CR0_READ_SHADOW') & CR0.TS) !== 0n) instructionExit(g, x, 28, { qualification: crQualification(0, 2, 0) });
        return true; // mask 1, shadow 0: completes, CR0.TS unchanged
      }
      cpu.cr0 &= ~CR0.TS;
      return true;
    }
    case 'LMSW': {
      requireCpl0(g);
      const memory = i.mem !== undefined;
      const linear = i.mem === undefined ? null : operandAddress(g, i.mem);
      const src = (linear === null ? g.reg(i.src ?? 0) : readLinear(g, linear, 2)) & 0xffffn;
      const mask = g.f('CR0_GUEST_HOST_MASK') & 0xfn;
      const shadow = g.f('CR0_READ_SHADOW');
      const exits = ((src ^ shadow) & mask & 0xen) !== 0n || ((mask & src & ~shadow & 1n) === 1n);
      if (exits) {
        // LMSW with a memory operand writes the guest-linear address field (VMEXIT.INFO.ADDRESSES).
        instructionExit(g, x, 28, {
          qualification: crQualification(0, 3, 0, src, memory),
          ...(linear === null ? {} : { guestLinearAddress: linear }),
        });
      }
      const owned = 0xfn & ~mask;
      cpu.cr0 = (cpu.cr0 & ~owned) | (src & owned) | (cpu.cr0 & CR0.PE);
      return true;
    }
    case 'SMSW':
      g.setReg32(i.dst, shadowed(cpu.cr0, g.f('CR0_GUEST_HOST_MASK'), g.f('CR0_READ_SHADOW')));
      return true;
    case 'MOV_TO_DR': case 'MOV_FROM_DR': {
      const toDr = i.op === 'MOV_TO_DR';
      const gpr = toDr ? i.src : i.dst;
      if (g.on('proc.MOV_DR_EXITING')) {
        instructionExit(g, x, 29, { qualification: BigInt(i.dr) | (toDr ? 0n : 1n << 4n) | (BigInt(gpr & 0xf) << 8n) });
      }
      requireCpl0(g);
      if (toDr) {
        const v = g.operand(i.src);
        if (i.dr <= 3) cpu.dr[i.dr] = v;
        else {
          if ((v >> 32n) !== 0n) throw gp0();
          if (i.dr === 6) cpu.dr6 = (v & 0xe00fn) | 0xffff_0ff0n;
          // Bits 15:14 and 12 are reserved 0, bit 10 reserved 1; bit 11 (RTM) only with RTM support.
          else cpu.dr7 = (v & ~(0xd000n | (g.caps.profile.cpuid.rtm ? 0n : 0x800n))) | 0x400n;
        }
      } else {
        g.setOperand(i.dst, i.dr <= 3 ? (cpu.dr[i.dr] ?? 0n) : i.dr === 6 ? cpu.dr6 : cpu.dr7);
      }
      return true;
    }
    default: return false;
  }
};

