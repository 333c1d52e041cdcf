/**
 * Where the software-only VMM keeps the guest's processor. The guest runs on the machine at a
 * deprivileged level, so the machine holds what the guest can change without faulting — its
 * general registers, RSP, RIP, the arithmetic flags, its interrupt shadow, EFER, the TSC and its
 * memory — and the VMM keeps a copy of everything privileged (`Virtual`, the guest's registers as
 * of the last resume): its level, CR0, CR2, CR3, CR4, CR8, the debug registers, the MSRs, the
 * segment registers with their hidden parts, GDTR, IDTR, LDTR, TR, EFLAGS.IF and IOPL, its activity
 * state and NMI blocking. `guestView` puts them together as the guest's processor; `machineRegisters`
 * are the registers the machine runs the guest with.
 */
import type { CpuRegisters, SegmentRegister } from '../../../../spec/vtx/state.js';
import { MSR } from '../../../../spec/vtx/state.js';
import { guestLevel, machineLevel, type DeprivilegingModel } from '../deprivileging.js';
import { AREA, VMM_SELECTORS, vmmAreaBase } from './layout.js';
import { vmmTableRegisters } from './tables.js';

export type Virtual = CpuRegisters;

const IF = 1n << 9n;
const IOPL = 3n << 12n;
/** EFLAGS bits the VMM owns: interrupts stay enabled on the machine (the VMM takes them), IOPL 0 so CLI and STI fault. */
const VMM_FLAGS = IF | IOPL;

export const isIa32e = (c: CpuRegisters): boolean => ((c.efer >> 10n) & 1n) === 1n;

const withDpl = (s: SegmentRegister, dpl: number): SegmentRegister => ({ ...s, accessRights: (s.accessRights & ~0x60) | (dpl << 5) });

/** The guest's processor from the machine's registers (`m`, the guest at a boundary) and the VMM's copy. */
export const guestView = (model: DeprivilegingModel, m: CpuRegisters, v: Virtual): CpuRegisters => ({
  ...v,
  gpr: [...m.gpr],
  rsp: m.rsp,
  rip: m.rip,
  rflags: (m.rflags & ~VMM_FLAGS) | (v.rflags & VMM_FLAGS),
  blockingBySti: m.blockingBySti,
  blockingByMovSs: m.blockingByMovSs,
  efer: m.efer,
  csL: m.csL,
  tsc: m.tsc,
  cpl: guestLevel(model, m.cpl, v.cpl),
});

/**
 * The registers the machine runs guest `g` with: its level deprivileged, CS and SS with that RPL
 * and DPL, the VMM's descriptor tables and TSS, paging through the shadow tables (`cr3`), the
 * SYSENTER MSRs pointing into the VMM, interrupts enabled with IOPL 0, no debug registers of the
 * guest armed.
 */
export const machineRegisters = (model: DeprivilegingModel, g: CpuRegisters, cr3: bigint, data: Partial<Record<'es' | 'ds' | 'fs' | 'gs', SegmentRegister>>): CpuRegisters => {
  const ia32e = isIa32e(g);
  const level = machineLevel(model, g.cpl);
  const base = vmmAreaBase(ia32e);
  const tables = vmmTableRegisters(ia32e);
  const msrs = new Map(g.msrs);
  msrs.set(MSR.IA32_SYSENTER_CS, BigInt(VMM_SELECTORS.code));
  msrs.set(MSR.IA32_SYSENTER_ESP, base + AREA.stackTop);
  msrs.set(MSR.IA32_SYSENTER_EIP, base + AREA.sysenter);
  const s = g.segments;
  return {
    ...g,
    cpl: level,
    cr0: g.cr0 | 0x8000_0001n,
    cr3,
    cr8: 0n,
    dr7: 0x400n,
    dr: [0n, 0n, 0n, 0n],
    rflags: (g.rflags & ~VMM_FLAGS) | IF,
    msrs,
    segments: {
      ...s,
      ...data,
      cs: withDpl({ ...s.cs, selector: (s.cs.selector & ~3) | level }, level),
      ss: withDpl({ ...s.ss, selector: (s.ss.selector & 0xfffc) === 0 ? s.ss.selector : (s.ss.selector & ~3) | level }, level),
      ldtr: tables.ldtr,
      tr: tables.tr,
    },
    gdtr: tables.gdtr,
    idtr: tables.idtr,
    activity: 'active',
    blockingByNmi: false,
    pending: { extint: null, nmi: false, init: false, sipi: null },
  };
};
