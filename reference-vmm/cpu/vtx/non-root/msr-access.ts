/**
 * RDMSR and WRMSR as the reference CPU performs them (at CPL 0, after any VM-exit decision): the
 * guest instructions, the VM-exit MSR-store and MSR-load lists (§27.4, §27.6) use them. Registers
 * with a home of their own: IA32_TIME_STAMP_COUNTER (10H) is `tsc`, IA32_EFER is `efer`, FS.base
 * and GS.base are the segment bases (WRMSR leaves the copies VM entries and exits keep in the MSR map
 * alone). Other MSRs live in `msrs`; an index
 * not present reads 0 when it is architectural (spec/x86/msrs.ts), else RDMSR raises #GP(0).
 */
import { ARCH_MSR_BY_INDEX } from '../../../../spec/x86/msrs.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, Registers } from '../machine.js';

const U64 = 0xffff_ffff_ffff_ffffn;
const LME = 1n << 8n;
const LMA = 1n << 10n;
const PAT_TYPES = new Set([0n, 1n, 4n, 5n, 6n, 7n]);

/** The value RDMSR returns, or null for #GP(0). */
export const readMsr = (m: Machine, index: number): bigint | null => {
  switch (index) {
    case 0x10: return m.cpu.tsc;
    case 0xc000_0080: return m.cpu.efer;
    case 0xc000_0100: return m.cpu.segments.fs.base;
    case 0xc000_0101: return m.cpu.segments.gs.base;
    default: {
      const v = m.cpu.msrs.get(index);
      if (v !== undefined) return v;
      return ARCH_MSR_BY_INDEX.has(index) ? 0n : null;
    }
  }
};

const canonical = (caps: Capabilities, v: bigint): boolean => caps.canonical(v);

/**
 * The registers a WRMSR is judged against: the writing processor's CR0.PG and EFER.LME (the
 * IA32_EFER rule), SMM, and the MSRs it has. A VMM emulating a guest's WRMSR passes the guest's
 * CR0 and EFER here, not the ones its own processor runs with (reference-vmm/vmm/vtx/exits.ts).
 */
export type MsrWriter = Pick<Registers, 'cr0' | 'efer' | 'inSmm' | 'msrs'>;

/** Whether WRMSR of `data` to `index` is accepted (else #GP(0)): the rules of spec/x86/msrs.ts. */
export const wrmsrAccepted = (cpu: MsrWriter, caps: Capabilities, index: number, data: bigint): boolean => {
  const spec = ARCH_MSR_BY_INDEX.get(index);
  if (spec === undefined) return cpu.msrs.has(index);
  const choices = caps.profile.choices;
  for (const rule of spec.rules) {
    switch (rule.kind) {
      case 'reserved-zero': if ((data & rule.mask) !== 0n) return false; break;
      case 'valid-mask': {
        const mask = rule.from === 'debugctlValidMask' ? choices.debugctlValidMask
          : rule.from === 'perfGlobalCtrlValidMask' ? choices.perfGlobalCtrlValidMask : 0x7n;
        if ((data & ~mask & U64) !== 0n) return false;
        break;
      }
      case 'canonical': if (!canonical(caps, (data >> BigInt(rule.ignoreLow)) << BigInt(rule.ignoreLow))) return false; break;
      case 'physical-address': if ((data >> caps.maxPhysAddr) !== 0n) return false; break;
      case 'pat-types': for (let i = 0n; i < 64n; i += 8n) if (!PAT_TYPES.has((data >> i) & 0xffn)) return false; break;
      case 'smm-only': if (!cpu.inSmm) return false; break;
      case 'lockable': if (((cpu.msrs.get(index) ?? 0n) & 1n) === 1n) return false; break;
      case 'efer-lme-while-paging':
        if ((cpu.cr0 >> 31n) & 1n && (data & LME) !== (cpu.efer & LME)) return false;
        break;
    }
  }
  return true;
};

/** Performs an accepted WRMSR. */
export const writeMsr = (m: Machine, index: number, data: bigint): void => {
  const cpu = m.cpu;
  switch (index) {
    case 0x10: cpu.tsc = data & U64; return;
    case 0xc000_0080: cpu.efer = (data & ~LMA) | (cpu.efer & LMA); return;
    case 0xc000_0100: cpu.segments.fs.base = data; return;
    case 0xc000_0101: cpu.segments.gs.base = data; return;
    default: cpu.msrs.set(index, data & U64);
  }
};
