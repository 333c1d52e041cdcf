/**
 * Leaving the VMM for the guest (LK/XEN leave_hypervisor_tail, ia64_leave_hypervisor,
 * ia64_vmm_entry): check the guest's pending virtual interrupts, put the guest's PSR in the VPD and
 * the machine IPSR/IIP/IFS, leave the processor's last executed instruction in VMM code, push VPD
 * changes to the processor (PAL_VPS_SYNC_WRITE), and resume with PAL_VPS_RESUME_NORMAL when the
 * guest runs with PSR.ic = 1, or PAL_VPS_RESUME_HANDLER, with the guest's own CFLE (GuestShadow.cfle),
 * when it runs with PSR.ic = 0 (an interruption handler).
 */
import { PSR } from '../../../spec/vti/machine/initial.js';
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import { EXTERNAL_INTERRUPT_OFFSET } from '../../../spec/vti/ivt.js';
import { machinePsrFor, withRi } from './bits.js';
import { vacHas } from './config.js';
import { inject } from './inject.js';
import { highestPending, masking, vhpiOf } from './vlsapic.js';
import type { GuestContinuation, Vm } from './vm.js';

const CR = { ipsr: 16, iip: 19, ifa: 20, itir: 21, ifs: 23, iim: 24, iha: 25 } as const;

/**
 * Make the processor's last successfully executed instruction — what the next interruption records
 * in IIPA — an instruction of the VMM: a nop with PSR.ic = 1 (SDM 2:§3.3.5.6: only instructions
 * that run with PSR.ic = 1 count) in the VMM's half of the address space, where no guest instruction
 * can be. At the next entry, IIPA then tells whether the guest completed instructions of its own
 * since this resume (a guest address) or not (this nop: the VMM's record of the guest's last
 * instruction stands; entry.ts). The guest never reads the machine's IIPA: its cr.iipa is VPD
 * vcr[22], which the VMM writes from that record when it delivers the guest's next interruption
 * (inject.ts) — that is how the VMM "updates cr.iipa" for the instructions it emulates (ITJ,
 * "Instruction Emulation"). The interruption CRs are all written by now, so PSR.ic = 1 is safe.
 */
const markLastInstruction = (vm: Vm): void => {
  vm.host.exec({ op: 'ssm', imm24: Number(PSR.ic) });
  vm.host.exec({ op: 'nop' });
};

/**
 * Announce the guest's highest pending interrupt to the processor: VPD vhpi, then
 * PAL_VPS_SET_PENDING_INTERRUPT, so that with vac.a_int the processor raises the Virtual External
 * Interrupt vector (0x3400) itself the moment the guest unmasks it (ITJ, "Interrupt
 * Virtualization"; LK/XEN update_vhpi).
 */
const announce = (vm: Vm, vhpi: bigint): void => {
  if (!vacHas(vm.config, 'a_int') || vm.shadow.vhpi === vhpi) return;
  vm.shadow.vhpi = vhpi;
  vm.host.updateVpd((v) => ({ ...v, vhpi }));
  vm.host.palOk({ name: 'PAL_VPS_SET_PENDING_INTERRUPT', vpd: vm.layout.vpd });
};

/**
 * The guest's pending interrupts before it runs (LK check_pending_irq): one it can take now is
 * delivered now when `deliverNow`, or when the processor cannot do it (no vac.a_int); one it has
 * masked with PSR.i or TPR is announced, so that unmasking raises 0x3400; one masked by a vector in
 * service waits for the guest's EOI, which intercepts.
 */
export const checkPendingInterrupts = (vm: Vm, cont: GuestContinuation, deliverNow: boolean): GuestContinuation => {
  const top = highestPending(vm);
  if (top === null) {
    announce(vm, 0n);
    return cont;
  }
  const m = masking(vm, top);
  if (m === 'in-service') {
    announce(vm, 0n);
    return cont;
  }
  announce(vm, vhpiOf(top));
  const enabled = (cont.psr & PSR.i) !== 0n;
  if (m === 'unmasked' && enabled && (deliverNow || !vacHas(vm.config, 'a_int'))) {
    const handler = inject(vm, { vector: EXTERNAL_INTERRUPT_OFFSET, isr: 0n, iip: cont.ip, ri: cont.ri, psr: cont.psr });
    // A frame the continuation restores (rfi's) is restored before the interrupt is taken.
    return cont.ifs === undefined ? handler : { ...handler, ifs: cont.ifs };
  }
  return cont;
};

/** Resume the guest at `cont`; the processor's observation of the resume is returned. */
export const leave = (vm: Vm, to: GuestContinuation, opts: { readonly deliverInterruptsNow?: boolean } = {}): VtiObservation => {
  const cont = checkPendingInterrupts(vm, to, opts.deliverInterruptsNow ?? false);
  const h = vm.host;
  const psr = cont.psr & ~PSR.vm;
  h.updateVpd((v) => ({ ...v, vpsr: psr }));
  h.movToCr(CR.ipsr, withRi(machinePsrFor(psr), cont.ri));
  h.movToCr(CR.iip, cont.ip);
  h.movToCr(CR.ifs, cont.ifs ?? 0n);
  // The machine's IFA carries the guest's while it runs: a processor that checks CR.IFA of an itc
  // before intercepting it then checks the guest's, as the guest's own processor would. What IFA,
  // ITIR, IHA and IIM hold now tells at the next entry which of them the interruption wrote.
  const vifa = h.vpd().vcr.get(CR.ifa) ?? 0n;
  if (h.cr(CR.ifa) !== vifa) h.movToCr(CR.ifa, vifa);
  vm.shadow.left = { ifa: vifa, itir: h.cr(CR.itir), iha: h.cr(CR.iha), iim: h.cr(CR.iim) };
  markLastInstruction(vm);
  if (vm.config.vac !== 0n) h.palOk({ name: 'PAL_VPS_SYNC_WRITE', vpd: vm.layout.vpd });
  const vbr0 = h.state.br[0] ?? 0n;
  if (cont.cfle !== undefined) vm.shadow.cfle = cont.cfle;
  // With PSR.ic = 1 the architecture offers only RESUME_NORMAL, which turns CFLE on (as rfi does): with
  // the frame complete that changes nothing the guest can see (SDM 2:§6.8). With PSR.ic = 0 the guest
  // is in a handler and gets back its own CFLE — 0 from the interruption that entered the handler,
  // unless its rfi has set it since (ITJ, "Access to Hidden State"; SDM 2:492).
  if ((psr & PSR.ic) !== 0n) return h.pal({ name: 'PAL_VPS_RESUME_NORMAL', vbr0, vpd: vm.layout.vpd });
  return h.pal({ name: 'PAL_VPS_RESUME_HANDLER', vbr0, vpd: vm.layout.vpd, vacCfle: vm.config.vac | (vm.shadow.cfle ? 1n << 63n : 0n) });
};
