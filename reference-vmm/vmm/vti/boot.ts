/**
 * Bring-up of the VMM and its one virtual processor (vti-vmm-usage.md §1; LK kvm-ia64.c /
 * vti_init_vpd / vti_create_vp, XEN vmx_init_env / alloc_vpd / vmx_create_vp):
 *
 * 1. go to the VMM's code in its half of the address space, leave interruption collection and
 *    switch to bank 0, the bank the PAL services and the intercept handler use;
 * 2. PAL_VP_ENV_INFO, then PAL_VP_INIT_ENV with the global options (cause and opcode reporting);
 * 3. write the VPD — the virtualization policies vac and vdc, virt_env_vaddr, and the guest's
 *    virtual PSR, CRs, other register bank and CPUID — into memory, then PAL_VP_CREATE with the host
 *    IVT (intercepts at + 0x6100) and PAL_VP_RESTORE, which points IVA at that IVT;
 * 4. load the rest of the guest's state: registers on the machine, region registers (remapped), the
 *    machine PTA (relocated when configured), the guest's timer on the machine's; the VMM-only state
 *    in its shadow;
 * 5. resume the guest.
 */
import { VPD_OFFSETS, type Gr, type VtiState } from '../../../spec/vti/machine/state.js';
import { initialVtiState, PSR } from '../../../spec/vti/machine/initial.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import { psrRi, u64 } from './bits.js';
import type { VtiVmmConfig } from './config.js';
import { Host } from './host.js';
import { guestProfile, vmmLayout } from './layout.js';
import { leave } from './leave.js';
import { machineRr } from './emulate/registers.js';
import { VmmStats } from './stats.js';
import { GuestShadow, type Vm } from './vm.js';

const CR = { itm: 1, pta: 8, ivr: 65, irr0: 68, itv: 72 } as const;
const AR_ITC = 44;

/** What the VMM keeps in vcr[]: every guest CR but the LSAPIC's computed ones (IRR0-3). */
const isVcr = (n: number): boolean => !(n >= CR.irr0 && n <= CR.irr0 + 3);

const natMask = (regs: readonly Gr[]): bigint => regs.reduce((m, g, i) => (g.nat ? m | (1n << BigInt(i)) : m), 0n);

/** The VPD as memory words, before PAL_VP_CREATE reads it (spec/vti/vpd.ts offsets). */
const writeVpd = (vm: Vm, guest: VtiState): void => {
  const base = vm.layout.vpd;
  const at = (offset: number, v: bigint): void => vm.host.store(base + BigInt(offset), u64(v));
  at(VPD_OFFSETS.vac, vm.config.vac);
  at(VPD_OFFSETS.vdc, vm.config.vdc);
  at(VPD_OFFSETS.virtEnvVaddr, vm.layout.bufferVirtual);
  at(VPD_OFFSETS.vpsr, guest.psr & ~PSR.vm);
  // The guest's other GR16-31 bank: vgr holds bank 1 while it runs on bank 0, vbgr bank 0 on bank 1.
  const other = guest.grInactiveBank;
  const field = (guest.psr & PSR.bn) === 0n ? { regs: VPD_OFFSETS.vgr, nats: VPD_OFFSETS.vnat } : { regs: VPD_OFFSETS.vbgr, nats: VPD_OFFSETS.vbnat };
  other.forEach((g, i) => at(field.regs + 8 * i, g.value));
  at(field.nats, natMask(other));
  guest.cpuid.slice(0, 5).forEach((v, i) => at(VPD_OFFSETS.vcpuid + 8 * i, v));
  for (const [n, v] of guest.cr) if (isVcr(n)) at(VPD_OFFSETS.vcr + 8 * n, v);
};

/** The guest's registers, stack and memory on the machine (the VMM's restore path). */
const loadMachine = (vm: Vm, guest: VtiState): void => {
  const h = vm.host;
  const s = h.state;
  const gr = s.gr.map((g, i) => (i === 0 || (i >= 16 && i <= 31) ? g : guest.gr[i] ?? g));
  const ar = new Map(guest.ar);
  ar.set(AR_ITC, s.ar.get(AR_ITC) ?? 0n);
  const memory = new Map(s.memory);
  for (const [a, v] of guest.memory) memory.set(a, v);
  h.state = { ...s, gr, pr: guest.pr, br: [...guest.br], ar, rse: { ...guest.rse }, memory };
  // Machine bank 1 (inactive while the VMM runs on bank 0) carries the guest's current GR16-31.
  h.setGuestBank(guest.gr.slice(16, 32));
};

const loadShadow = (vm: Vm, guest: VtiState): void => {
  const sh = vm.shadow;
  sh.rr = [...guest.rr];
  sh.pkr = new Map(guest.pkr);
  sh.ibr = new Map(guest.ibr);
  sh.dbr = new Map(guest.dbr);
  sh.pmc = new Map(guest.pmc);
  sh.pmd = new Map(guest.pmd);
  sh.tlb = guest.tlb;
  sh.irr = [0, 1, 2, 3].reduce((m, i) => m | ((guest.cr.get(CR.irr0 + i) ?? 0n) << BigInt(64 * i)), 0n);
  sh.inService = guest.inService;
  sh.itcOffset = u64((guest.ar.get(AR_ITC) ?? 0n) - (vm.host.state.ar.get(AR_ITC) ?? 0n));
  sh.lastIp = guest.lastIp;
  sh.cfle = guest.rse.cfle;
};

export interface Booted {
  readonly vm: Vm;
  /** The processor's observation of the first resume. */
  readonly resumed: VtiObservation;
}

/**
 * Start the VMM on a processor just out of reset and resume `guest` (a state in the guest's own
 * terms: PSR.vm = 0, its CRs, RRs and TLB as a native OS would have them).
 */
export const boot = (step: VtiStep, profile: VtiProfile, config: VtiVmmConfig, guest: VtiState,
  fetch?: (address: bigint) => VtiInstruction | undefined): Booted => {
  const stats = new VmmStats();
  const host = new Host(step, profile, initialVtiState(profile), stats);
  const layout = vmmLayout(profile);
  const vm: Vm = { host, config, layout, profile, guestProfile: guestProfile(profile), shadow: new GuestShadow(), stats, ...(fetch === undefined ? {} : { fetch }) };

  host.exec({ op: 'br-cond', qp: 0, target: layout.code });
  host.exec({ op: 'rsm', imm24: Number(PSR.ic) });
  host.exec({ op: 'bsw', bank: 0 });

  host.palOk({ name: 'PAL_VP_ENV_INFO' });
  host.palOk({ name: 'PAL_VP_INIT_ENV', configOptions: config.configOptions, pbaseAddr: layout.bufferPhysical, vbaseAddr: layout.bufferVirtual });
  writeVpd(vm, guest);
  host.palOk({ name: 'PAL_VP_CREATE', vpd: layout.vpd, hostIva: layout.hostIva, optHandler: 0n });
  host.palOk({ name: 'PAL_VP_RESTORE', vpd: layout.vpd, palProcVector: 0n });

  loadMachine(vm, guest);
  loadShadow(vm, guest);
  guest.rr.forEach((v, r) => host.movToRr(r, machineRr(v)));
  for (const [i, v] of guest.pmd) host.movToPmd(i, v);
  const pta = guest.cr.get(CR.pta) ?? 0n;
  host.movToCr(CR.pta, config.relocateVhpt ? layout.vhpt | (pta & 0x1ffn) : pta);
  host.movToCr(CR.itv, guest.cr.get(CR.itv) ?? 0n);
  host.movToCr(CR.itm, u64((guest.cr.get(CR.itm) ?? 0n) - vm.shadow.itcOffset));

  const resumed = leave(vm, { ip: guest.ip, ri: psrRi(guest.psr), psr: guest.psr });
  return { vm, resumed };
};
