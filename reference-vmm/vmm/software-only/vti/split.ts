/**
 * Where the software-only VMM keeps the guest's processor. Without VT there is no VPD and no
 * PSR.vm: the guest runs on the machine (PSR.vm = 0) at a deprivileged level, so everything the
 * machine lets it touch without faulting is the machine's own register — general, predicate, branch
 * and application registers, the register stack, memory, the user mask — and everything privileged
 * is a copy the VMM keeps (`VirtualPrivileged`): the system part of the PSR and its privilege level,
 * every control register, the vectors in service, and the guest's last successfully executed
 * instruction. Region registers, protection keys, breakpoint and performance registers and the TLB
 * can only be written through privileged instructions, so the VMM mirrors the guest's values into
 * the machine after emulating each write and the machine copy is the guest's.
 *
 * The guest's view (`guestView`) puts the two halves together as a `VtiState` in the guest's own
 * terms, as if it ran natively; `machineFor` takes them apart again.
 */
import { PSR } from '../../../../spec/vti/machine/initial.js';
import type { VtiProfile } from '../../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../../spec/vti/machine/state.js';
import { guestLevel, machineLevel, type DeprivilegingModel } from '../deprivileging.js';
import { BASELINE_VTI_LAYOUT, isVmmAddress, machinePta } from './layout.js';

/** What the VMM keeps of the guest's privileged state (the rest is on the machine). */
export interface VirtualPrivileged {
  /** The guest's PSR when the VMM last resumed it: authoritative for the VMM-owned bits below. */
  readonly psr: bigint;
  readonly cr: ReadonlyMap<number, bigint>;
  readonly inService: bigint;
  /** The guest's last successfully executed instruction as the VMM knows it (what its IIPA gets). */
  readonly lastIp: bigint;
}

/**
 * PSR bits the VMM owns while the guest runs: interruption collection and interrupts (the VMM must
 * get every interruption and every physical interrupt), translation, machine checks, secure ITC
 * (so that every ITC read below level 0 faults and is emulated against the guest's own si), the
 * privilege level, and PSR.vm. The guest's values of these are virtual; every other bit (user mask,
 * bank, ri, ...) is the machine's.
 */
export const VMM_OWNED_PSR = PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.mc | PSR.it | PSR.si | PSR.cpl | PSR.vm;
const VMM_PSR_VALUES = PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.si;

const cplOf = (psr: bigint): number => Number((psr >> 32n) & 3n);
const withCpl = (psr: bigint, cpl: number): bigint => (psr & ~PSR.cpl) | (BigInt(cpl & 3) << 32n);

/** The machine PSR that runs a guest whose own PSR is `guestPsr`. */
export const machinePsr = (model: DeprivilegingModel, guestPsr: bigint): bigint =>
  withCpl((guestPsr & ~VMM_OWNED_PSR) | VMM_PSR_VALUES, machineLevel(model, cplOf(guestPsr)));

/** The guest's PSR from the machine PSR it runs with and the VMM's copy. */
export const guestPsr = (model: DeprivilegingModel, machine: bigint, v: VirtualPrivileged): bigint =>
  withCpl((v.psr & VMM_OWNED_PSR & ~PSR.vm) | (machine & ~VMM_OWNED_PSR), guestLevel(model, cplOf(machine), cplOf(v.psr)));

/**
 * `s` with PSR = `psr`, GR16-31 re-addressed for psr.bn: the two physical banks stay what they are,
 * only which one `gr[16..31]` shows changes (spec/vti/machine/state.ts).
 */
export const withPsr = (s: VtiState, psr: bigint): VtiState => {
  if (((s.psr ^ psr) & PSR.bn) === 0n) return { ...s, psr };
  const gr = [...s.gr];
  const inactive = gr.splice(16, 16, ...s.grInactiveBank);
  return { ...s, psr, gr, grInactiveBank: inactive };
};

const withoutVmm = (profile: VtiProfile, memory: ReadonlyMap<bigint, bigint>): Map<bigint, bigint> =>
  new Map([...memory].filter(([a]) => !isVmmAddress(profile, a)));

/**
 * The guest's processor as the guest could observe it, from the machine running it (`m`: the guest
 * at an instruction boundary, PSR as the machine runs it) and the VMM's copy. The VMM's own memory is
 * not the guest's; CFLE is the machine's, since no software can set it (ITJ, "Access to Hidden State").
 */
export const guestView = (profile: VtiProfile, model: DeprivilegingModel, m: VtiState, v: VirtualPrivileged): VtiState => {
  const psr = guestPsr(model, m.psr, v);
  return {
    ...m,
    psr,
    cr: new Map(v.cr),
    inService: v.inService,
    // The machine counts every guest instruction (it runs them with PSR.ic = 1); they are the guest's
    // last executed ones only while the guest's own PSR.ic is 1, and only if the guest ran any since
    // the VMM resumed it (the VMM's own last instruction, in its part of the address space, says not).
    lastIp: (v.psr & PSR.ic) !== 0n && !isVmmAddress(profile, m.lastIp) ? m.lastIp : v.lastIp,
    memory: withoutVmm(profile, m.memory),
    pal: { status: 'not-initialised' },
    pendingVirtualInterrupt: 0n,
  };
};

export const virtualOf = (g: VtiState): VirtualPrivileged => ({ psr: g.psr, cr: g.cr, inService: g.inService, lastIp: g.lastIp });

/**
 * The machine about to resume guest `g`, still in the VMM (`vmm`: PSR, IP, control registers, LSAPIC
 * and CFLE are the machine's): the guest's registers, stack, memory and mirrored translation state
 * loaded, its PSR and IP in IPSR and IIP for the rfi that resumes it, IFS.v = 0 (its frame is
 * already the current one), the machine PTA pointing at the VMM's VHPT, ITM the guest's.
 */
export const machineFor = (model: DeprivilegingModel, g: VtiState, vmm: VtiState): VtiState => {
  const cr = new Map(vmm.cr);
  cr.set(16, machinePsr(model, g.psr));
  cr.set(19, g.ip);
  cr.set(23, 0n);
  cr.set(8, machinePta(g.cr.get(8) ?? 0n));
  // The machine's interval timer matches when the guest's would (same ITC); its vector is the VMM's.
  cr.set(1, g.cr.get(1) ?? 0n);
  const memory = new Map(vmm.memory);
  for (const [a, w] of g.memory) memory.set(a, w);
  // The guest's registers as they stand with its PSR.bn, re-addressed for the VMM's PSR.
  const loaded = withPsr({ ...g, psr: g.psr }, vmm.psr);
  return {
    ...loaded,
    psr: vmm.psr,
    ip: vmm.ip,
    lastIp: vmm.lastIp,
    cr,
    rse: { ...g.rse, cfle: vmm.rse.cfle },
    memory,
    inService: vmm.inService,
    pal: vmm.pal,
    pendingVirtualInterrupt: vmm.pendingVirtualInterrupt,
  };
};

/**
 * The VMM-context machine at boot: its IVT and VHPT installed, no interrupt masked by TPR, the
 * interval timer on the VMM's own vector (the VMM turns it into the guest's timer interrupt).
 */
export const vmmBootCr = (base: ReadonlyMap<number, bigint>, timerVector: number): Map<number, bigint> => {
  const cr = new Map(base);
  cr.set(2, BASELINE_VTI_LAYOUT.ivt);
  cr.set(8, BASELINE_VTI_LAYOUT.vhpt);
  cr.set(66, 0n);
  cr.set(72, BigInt(timerVector & 0xff));
  return cr;
};
