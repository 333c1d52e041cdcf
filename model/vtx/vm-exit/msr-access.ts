/**
 * MSR reads and writes as the VM-exit MSR lists perform them ("as RDMSR would read", "as WRMSR would
 * write", §27.4, §27.6), on the registers of the abstraction: IA32_EFER, the TSC and the FS/GS bases
 * live in their own CpuRegisters members, every other MSR in `msrs`. An index absent from `msrs`
 * reads 0 if it is an architectural MSR (spec/x86/msrs.ts) and faults otherwise (the shared brief's
 * RDMSR rule).
 */
import { MSR, type CpuRegisters } from '../../../spec/vtx/state.js';
import { ARCH_MSR_BY_INDEX } from '../../../spec/x86/msrs.js';

const IA32_TIME_STAMP_COUNTER = 0x10;
const EFER_LMA = 1n << 10n;

/** The value RDMSR at CPL 0 returns, or null when it raises #GP. */
export const readMsr = (cpu: CpuRegisters, index: number): bigint | null => {
  if (index === MSR.IA32_EFER) return cpu.efer;
  if (index === MSR.IA32_FS_BASE) return cpu.segments.fs.base;
  if (index === MSR.IA32_GS_BASE) return cpu.segments.gs.base;
  if (index === IA32_TIME_STAMP_COUNTER) return cpu.tsc;
  const v = cpu.msrs.get(index);
  if (v !== undefined) return v;
  return ARCH_MSR_BY_INDEX.has(index) ? 0n : null;
};

/** The registers after WRMSR of an accepted value (IA32_EFER.LMA is read-only: WRMSR leaves it). */
export const writeMsr = (cpu: CpuRegisters, index: number, value: bigint): CpuRegisters => {
  if (index === MSR.IA32_EFER) return { ...cpu, efer: (value & ~EFER_LMA) | (cpu.efer & EFER_LMA) };
  if (index === IA32_TIME_STAMP_COUNTER) return { ...cpu, tsc: value };
  return { ...cpu, msrs: new Map(cpu.msrs).set(index, value) };
};
